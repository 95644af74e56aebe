"""Manual DND with an end in the demo data (RULES.md "Manual DND with an end"): contacts an agent snoozed for a
while, one of them also blocked inbound (the demo's first abusive caller), and one whose snooze has ended."""

from __future__ import annotations

from sqlalchemy import select

from console.domain.channels import Channel, DndKind
from console.domain.events import Effect, Event, Source, iso_utc, now_us
from console.domain.state import UNTIL
from console.store.db import Store
from console.store.inbound import inbound_states_many
from console.store.ledger import record_events
from console.store.models import Contact
from console.store.queries import channel_states

DEMO_AGENT = "ana.agent"
DAY_US = 86_400_000_000
#: Every n-th contact with an email in the Default location gets a snooze (at most ``MOST``).
EVERY = 97
MOST = 10
#: (channel, set how many days ago, ends how many days from now) for the snoozed contacts in turn.
PLAN = (
    (Channel.EMAIL, 2, 5),
    (Channel.SMS, 1, 6),
    (Channel.WHATSAPP, 3, 27),
    (Channel.CALL, 0, 1),
    (Channel.FACEBOOK, 10, -1),  # ended yesterday: off again, its end in History
)


def add_demo_snoozes(store: Store, now: int | None = None) -> int:
    """Snoozed manual DND on a few Default-location contacts whose channel is off, first on a contact with inbound
    DND; returns how many entries were recorded."""
    at = now_us() if now is None else now
    at -= at % 60_000_000
    with store.write() as session:
        candidates = list(
            session.scalars(
                select(Contact.id).where(Contact.location_id == 1, Contact.email.isnot(None)).order_by(Contact.id)
            ).all()
        )
        blocked = sorted({cid for cid, _ in inbound_states_many(session, candidates)})
        chosen = (blocked[:1] + [c for c in candidates[::EVERY] if c not in blocked[:1]])[:MOST]
        events: list[Event] = []
        for n, contact_id in enumerate(chosen):
            channel, ago, ends = PLAN[n % len(PLAN)]
            if channel_states(session, contact_id)[channel].state.dnd:
                continue
            set_at = at - ago * DAY_US - (n + 1) * 3_600_000_000
            events.append(
                Event(
                    Source.AGENT,
                    f"demo-snooze-{contact_id}-{channel.value}",
                    set_at,
                    channel,
                    Effect.SET,
                    DndKind.MANUAL,
                    "manual",
                    contact_id=contact_id,
                    detail={UNTIL: iso_utc(at + ends * DAY_US) or "", "note": "asked for a break (demo)"},
                )
            )
        if events:
            record_events(session, 1, events, DEMO_AGENT)
    return len(events)
