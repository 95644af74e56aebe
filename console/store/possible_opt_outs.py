"""Possible opt-outs: multi-word inbound messages that read like an opt-out, for an agent to decide."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from console.domain.channels import Channel, DndKind
from console.domain.events import Effect, Event, Source, iso_utc, now_us
from console.errors import NotFound, Refused
from console.store.ledger import record_events, record_note
from console.store.models import Contact, PossibleOptOut

PENDING, CONFIRMED, DISMISSED = "pending", "confirmed", "dismissed"


@dataclass(frozen=True, slots=True)
class PossibleOptOutView:
    id: int
    address: str
    contact_ids: list[int]
    body: str
    received_at_us: int
    state: str

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "address": self.address,
            "contact_ids": self.contact_ids,
            "body": self.body,
            "received_at": iso_utc(self.received_at_us),
            "state": self.state,
        }


def list_possible_opt_outs(
    session: Session, location_id: int, include_decided: bool = False
) -> list[PossibleOptOutView]:
    query = select(PossibleOptOut).where(PossibleOptOut.location_id == location_id)
    if not include_decided:
        query = query.where(PossibleOptOut.state == PENDING)
    rows = list(session.scalars(query.order_by(PossibleOptOut.received_at_us.desc(), PossibleOptOut.id.desc())))
    addresses = sorted({r.address for r in rows})
    owners: dict[str, list[int]] = {}
    for cid, phone in session.execute(
        select(Contact.id, Contact.phone).where(Contact.location_id == location_id, Contact.phone.in_(addresses))
    ):
        owners.setdefault(phone or "", []).append(cid)
    return [
        PossibleOptOutView(r.id, r.address, sorted(owners.get(r.address, [])), r.body, r.received_at_us, r.state)
        for r in rows
    ]


def _pending(session: Session, opt_out_id: int) -> PossibleOptOut:
    row = session.get(PossibleOptOut, opt_out_id)
    if row is None:
        raise NotFound(f"no possible opt-out with id {opt_out_id}")
    if row.state != PENDING:
        raise Refused(f"possible opt-out {opt_out_id} was already {row.state} by {row.decided_by}")
    return row


def confirm_possible_opt_out(session: Session, opt_out_id: int, actor: str) -> PossibleOptOut:
    """A permanent SMS DND, reason ``sms.opt_out_confirmed``, dated when the message was received."""
    row = _pending(session, opt_out_id)
    event = Event(
        source=Source.AGENT,
        key=f"possible-opt-out:{row.id}",
        at_us=row.received_at_us,
        channel=Channel.SMS,
        effect=Effect.SET,
        kind=DndKind.PERMANENT,
        reason="sms.opt_out_confirmed",
        address=row.address,
        detail={"body": row.body[:500], "possible_opt_out": str(row.id)},
    )
    record_events(session, row.location_id, [event], actor)
    row.state, row.decided_by, row.decided_at_us = CONFIRMED, actor, now_us()
    session.flush()
    return row


def dismiss_possible_opt_out(session: Session, opt_out_id: int, actor: str) -> PossibleOptOut:
    """Changes nothing but the queue; the decision is kept in the audit chain."""
    row = _pending(session, opt_out_id)
    row.state, row.decided_by, row.decided_at_us = DISMISSED, actor, now_us()
    record_note(session, row.location_id, actor, "possible_opt_out.dismissed", {"id": str(row.id)})
    session.flush()
    return row
