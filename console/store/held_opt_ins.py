"""Imported opt-ins held for a reviewer (RULES.md, "Imported opt-ins are held for a reviewer").

An inbound START in an import run by an agent without the reviewer role, while the desk has a reviewer or admin,
is recorded *held*: in the ledger as a lift of at most ``temporary`` (so it lifts a manual or temporary DND as
any START does, and never a permanent or spam one), with ``"held": "1"`` in its detail, and in ``held_opt_ins``
with its evidence. Whenever, on replay, a held START meets a ``permanent`` or ``spam`` DND (at import, or later
when an older opt-out arrives or a contact with that number is added), a pending opt-in review is opened for that
contact: the message is its evidence, its To the relationship number, the importer its submitter (so another
reviewer decides). Approval lifts the channel as of the message's time (console.store.reviews).

Two seams, both outside the projection: :func:`hold_imported_opt_ins` marks a chunk's events before they are
recorded (the import pipeline), :func:`open_held_reviews` runs after each ledger append (console.store.ledger)
and after a contact's channels are recomputed (console.store.projection).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from console.domain.addresses import AddressError, normalize_phone
from console.domain.channels import Channel, DndKind
from console.domain.events import Effect, Event, Source, iso_utc, now_us, order_key
from console.domain.reviews import DECIDER_ROLES, ReviewState
from console.domain.state import replay
from console.store.models import Agent
from console.store.review_models import HeldOptIn, OptInReview, ReviewNumber, ReviewStateChange
from console.store.tables import CONTACTS, EVENTS, LIVE, chunked, event_from_row

HELD = "held"
OPT_IN_REASON = "sms.opt_in_keyword"
#: The channels an inbound START can lift (Twilio SMS, and WhatsApp through the same API).
HELD_CHANNELS = frozenset({Channel.SMS, Channel.WHATSAPP})
LOCKED_KINDS = frozenset({DndKind.PERMANENT, DndKind.SPAM})


def is_imported_opt_in(ev: Event) -> bool:
    return ev.effect is Effect.LIFT and ev.source == Source.TWILIO.value and ev.reason == OPT_IN_REASON


def opt_ins_are_held(session: Session, importer: str) -> bool:
    """Held when the importer is not a reviewer or admin and the desk has one (else nobody could review them)."""
    deciders = session.scalar(select(func.count()).select_from(Agent).where(Agent.role.in_(DECIDER_ROLES)))
    if not deciders:
        return False
    own = session.scalar(select(Agent.role).where(Agent.name == importer))
    return own not in DECIDER_ROLES


def hold_imported_opt_ins(session: Session, importer: str, records: Sequence[tuple[str, Event]]) -> list[Event]:
    """The events of an import chunk ``(file, event)``, with its opt-ins held when ``importer``'s must be."""
    events = [ev for _, ev in records]
    if not any(is_imported_opt_in(ev) for ev in events) or not opt_ins_are_held(session, importer):
        return events
    return [
        ev._replace(kind=DndKind.TEMPORARY, detail={**ev.detail, HELD: "1", "file": file})
        if is_imported_opt_in(ev)
        else ev
        for file, ev in records
    ]


def open_held_reviews(
    session: Session,
    location_id: int,
    actor: str,
    fresh: Iterable[tuple[int, Event]],
    touched: Iterable[tuple[int, Channel]],
    batch_id: int | None = None,
) -> int:
    """Keep this append's held opt-ins, then open a review for each held START that now meets a permanent or spam
    DND of a contact among ``touched``; returns how many reviews were opened."""
    new_rows = [
        _held_row(location_id, actor, batch_id, event_id, ev)
        for event_id, ev in fresh
        if ev.effect is Effect.LIFT and ev.detail.get(HELD) == "1" and ev.address and ev.channel
    ]
    if new_rows:
        session.execute(insert(HeldOptIn), new_rows)
    pairs = {(cid, channel) for cid, channel in touched if channel in HELD_CHANNELS}
    if not pairs:
        return 0
    if (
        not new_rows
        and session.scalar(select(HeldOptIn.event_id).where(HeldOptIn.location_id == location_id).limit(1)) is None
    ):
        return 0  # the usual case: this location never held an opt-in
    return _open_for_pairs(session, location_id, pairs)


def open_held_reviews_for_contacts(session: Session, location_id: int, contact_ids: Sequence[int]) -> int:
    """After contacts' channels were recomputed (a new contact, a new number): held opt-ins may concern them."""
    return open_held_reviews(session, location_id, "", (), [(cid, ch) for cid in contact_ids for ch in HELD_CHANNELS])


def _held_row(location_id: int, actor: str, batch_id: int | None, event_id: int, ev: Event) -> dict[str, Any]:
    assert ev.channel is not None and ev.address is not None
    provider_id = ev.key.rsplit(":", 1)[0] if ":" in ev.key else ev.key
    return {
        "event_id": event_id,
        "location_id": location_id,
        "channel": ev.channel.value,
        "address": ev.address,
        "at_us": ev.at_us,
        "key": ev.key,
        "batch_id": batch_id,
        "file": ev.detail.get("file", ""),
        "provider_id": provider_id,
        "body": ev.detail.get("body", ""),
        "to_number": ev.detail.get("to"),
        "imported_by": actor,
    }


def _open_for_pairs(session: Session, location_id: int, pairs: set[tuple[int, Channel]]) -> int:
    phones: dict[int, str] = {}
    for chunk in chunked(sorted({cid for cid, _ in pairs})):
        for cid, phone in session.execute(
            select(CONTACTS.c.id, CONTACTS.c.phone).where(CONTACTS.c.id.in_(chunk), CONTACTS.c.phone.is_not(None))
        ):
            phones[cid] = phone
    by_address: dict[tuple[str, str], list[int]] = defaultdict(list)
    for cid, channel in pairs:
        if cid in phones:
            by_address[(channel.value, phones[cid])].append(cid)
    if not by_address:
        return 0
    held: list[HeldOptIn] = []
    for chunk in chunked(sorted({address for _, address in by_address})):
        held += session.scalars(
            select(HeldOptIn).where(HeldOptIn.location_id == location_id, HeldOptIn.address.in_(chunk))
        )
    candidates = [(h, cid) for h in held for cid in by_address.get((h.channel, h.address), ())]
    if not candidates:
        return 0
    reviewed: set[tuple[int | None, int]] = {
        (held_id, cid)
        for held_id, cid in session.execute(
            select(OptInReview.held_event_id, OptInReview.contact_id).where(
                OptInReview.held_event_id.in_(sorted({h.event_id for h, _ in candidates}))
            )
        )
    }
    opened = 0
    for h, cid in sorted(candidates, key=lambda c: (c[0].at_us, c[0].event_id, c[1])):
        if (h.event_id, cid) in reviewed:
            continue
        before = _state_before(session, location_id, cid, Channel(h.channel), h)
        if before.dnd and before.kind in LOCKED_KINDS:
            _open_review(session, h, cid, before.kind)
            reviewed.add((h.event_id, cid))
            opened += 1
    return opened


def _state_before(session: Session, location_id: int, contact_id: int, channel: Channel, held: HeldOptIn) -> Any:
    """The contact's channel as the ledger replays it just before the held START."""
    phone = session.scalar(select(CONTACTS.c.phone).where(CONTACTS.c.id == contact_id))
    rows = session.execute(
        select(EVENTS).where(
            EVENTS.c.channel == channel.value,
            LIVE,
            or_(
                EVENTS.c.contact_id == contact_id,
                (EVENTS.c.location_id == location_id) & (EVENTS.c.address == phone) & EVENTS.c.contact_id.is_(None),
            ),
        )
    )
    limit = order_key(held.at_us, Effect.LIFT.value, Source.TWILIO.value, held.key)
    history = [(row.id, ev) for row in rows if (ev := event_from_row(row)).order_key < limit]
    return replay(history)


def _open_review(session: Session, held: HeldOptIn, contact_id: int, kind: DndKind) -> None:
    from console.store.ledger import record_note  # the ledger calls this module after each append

    now = now_us()
    notes = (
        f"{held.imported_by} ({iso_utc(now)}): held imported opt-in {held.body!r} from {held.address}"
        f" to {held.to_number or 'an unknown number'}, received {iso_utc(held.at_us)} (provider id"
        f" {held.provider_id}, file {held.file or 'unknown'}, import batch {held.batch_id})"
    )
    review = OptInReview(
        location_id=held.location_id,
        contact_id=contact_id,
        channel=held.channel,
        state=ReviewState.PENDING.value,
        submitted_by=held.imported_by,
        submitted_at_us=now,
        notes=notes,
        version=1,
        held_event_id=held.event_id,
    )
    session.add(review)
    session.flush()
    number = _relationship_number(held.to_number)
    if number:
        session.add(ReviewNumber(review_id=review.id, number=number))
    session.add(
        ReviewStateChange(
            review_id=review.id,
            from_state=None,
            to_state=ReviewState.PENDING.value,
            by=held.imported_by,
            at_us=now,
            reason="held imported opt-in",
        )
    )
    session.flush()
    record_note(
        session,
        held.location_id,
        held.imported_by,
        "review.submitted",
        {
            "review": str(review.id),
            "contact": str(contact_id),
            "channel": held.channel,
            "locked_kind": kind.value,
            "held_entry": str(held.event_id),
            "relationship_numbers": number or "",
        },
    )


def _relationship_number(to: str | None) -> str | None:
    if not to:
        return None
    try:
        return normalize_phone(to, "US")
    except AddressError:
        return None
