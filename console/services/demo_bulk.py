"""Bulk changes in the demo data: one batch still in effect, and one that was undone (History shows both)."""

from __future__ import annotations

from sqlalchemy import select

from console.domain.channels import Channel
from console.services.bulk import bulk_set, undo_batch
from console.services.context import AppContext, Settings
from console.store.db import Store
from console.store.models import Contact

DEMO_AGENT = "ana.agent"
#: Every n-th contact of the Default location is in the kept batch; every m-th in the undone one.
KEPT_EVERY, UNDONE_EVERY = 37, 53


def add_demo_bulk(store: Store) -> dict[str, int]:
    """A WhatsApp pause on a few dozen contacts (kept), and a Facebook change on a few others, undone; the batch ids."""
    ctx = AppContext.with_store(store, Settings(actor=DEMO_AGENT))
    with store.read() as session:
        ids = session.scalars(select(Contact.id).where(Contact.location_id == 1).order_by(Contact.id)).all()
    if not ids:
        return {}
    kept = bulk_set(ctx, [str(i) for i in ids[::KEPT_EVERY]], [Channel.WHATSAPP], True,
                    "WhatsApp paused while the campaign's consent wording is reviewed (demo)", where=1).result
    wrong = bulk_set(ctx, [str(i) for i in ids[5::UNDONE_EVERY]], [Channel.FACEBOOK], True,
                     "Wrong list uploaded (demo; undone)", where=1).result
    assert kept.batch is not None and wrong.batch is not None
    undo = undo_batch(ctx, wrong.batch).result
    return {"kept": kept.batch, "undone": wrong.batch, "undo": undo.batch}
