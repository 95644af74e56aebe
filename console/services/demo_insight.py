"""Inbound DND in the demo data: a few contacts whose calls and texts agents blocked (the demo's abusive callers)."""

from __future__ import annotations

from sqlalchemy import select

from console.domain.channels import Channel
from console.store.db import Store
from console.store.inbound import set_inbound
from console.store.models import Contact

DEMO_AGENT = "ana.agent"
#: Every n-th contact with a phone in the Default location gets inbound DND.
EVERY = 211
MOST = 12


def add_demo_inbound(store: Store) -> int:
    """Inbound DND on a few Default-location contacts (calls only, or calls and SMS); returns how many changed."""
    changed = 0
    with store.write() as session:
        ids = session.scalars(
            select(Contact.id).where(Contact.location_id == 1, Contact.phone.isnot(None)).order_by(Contact.id)
        ).all()
        for n, contact_id in enumerate(ids[::EVERY][:MOST]):
            contact = session.get(Contact, contact_id)
            assert contact is not None
            channels = [Channel.CALL] if n % 2 else [Channel.SMS, Channel.CALL]
            outcome = set_inbound(session, contact, channels, True, DEMO_AGENT, "Repeated abusive calls (demo)")
            changed += len(outcome.changed) > 0
    return changed
