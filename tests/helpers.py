"""Small builders for tests: events at readable times, and a location with contacts."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime

from console.domain.channels import Channel, DndKind
from console.domain.events import Effect, Event, Source, to_us
from console.domain.state import ChannelState
from console.store.contacts import add_contact
from console.store.db import Store
from console.store.ledger import RecordResult, record_events
from console.store.models import Contact
from console.store.queries import channel_states

_counter = itertools.count(1)


def at(text: str) -> int:
    """Microseconds of an ISO time written without zone (UTC), e.g. ``at("2024-03-01 10:00")``."""
    return to_us(datetime.fromisoformat(text).replace(tzinfo=UTC))


def key(prefix: str = "ev") -> str:
    return f"{prefix}{next(_counter)}"


def sms_stop(phone: str, when: str, k: str | None = None) -> Event:
    return Event(
        Source.TWILIO,
        k or key("SM"),
        at(when),
        Channel.SMS,
        Effect.SET,
        DndKind.PERMANENT,
        "sms.opt_out_keyword",
        address=phone,
        detail={"keyword": "STOP"},
    )


def sms_start(phone: str, when: str, k: str | None = None) -> Event:
    return Event(
        Source.TWILIO,
        k or key("SM"),
        at(when),
        Channel.SMS,
        Effect.LIFT,
        DndKind.SPAM,
        "sms.opt_in_keyword",
        address=phone,
        detail={"keyword": "START"},
    )


def sms_error(phone: str, when: str, code: int, kind: DndKind, k: str | None = None) -> Event:
    return Event(
        Source.TWILIO, k or key("SM"), at(when), Channel.SMS, Effect.SET, kind, f"sms.error_{code}", address=phone
    )


def email_set(email: str, when: str, kind: DndKind, reason: str, k: str | None = None) -> Event:
    return Event(Source.MAILGUN, k or key("mg"), at(when), Channel.EMAIL, Effect.SET, kind, reason, address=email)


def delivered(email: str, when: str, k: str | None = None) -> Event:
    return Event(
        Source.MAILGUN,
        k or key("mg"),
        at(when),
        Channel.EMAIL,
        Effect.NONE,
        None,
        "delivered",
        address=email,
        detail={"label": "delivered"},
    )


def agent_event(
    contact_id: int,
    channel: Channel,
    when: str,
    turn_on: bool,
    lifted: DndKind | None = None,
    cleared: bool = False,
    k: str | None = None,
) -> Event:
    return Event(
        Source.AGENT,
        k or key("ag"),
        at(when),
        channel,
        Effect.SET if turn_on else Effect.LIFT,
        DndKind.MANUAL if turn_on else lifted,
        "manual" if turn_on else "manual.lift",
        contact_id=contact_id,
        provider_cleared=cleared,
    )


def review_lift(contact_id: int, channel: Channel, when: str, review_id: int = 1) -> Event:
    return Event(
        Source.REVIEW,
        f"review:{review_id}",
        at(when),
        channel,
        Effect.LIFT,
        DndKind.SPAM,
        "review.approved",
        contact_id=contact_id,
        detail={"review": str(review_id)},
    )


@dataclass
class World:
    """A store with helpers to add contacts, record events and read states in the Default location."""

    store: Store
    location_id: int = 1

    def contact(
        self, name: str = "Ann Lee", email: str | None = "ann@example.com", phone: str | None = "+14155550100"
    ) -> Contact:
        with self.store.write() as session:
            return add_contact(session, self.location_id, name, email, phone)

    def record(self, *events: Event, actor: str = "tester") -> RecordResult:
        with self.store.write() as session:
            return record_events(session, self.location_id, list(events), actor)

    def state(self, contact: Contact | int, channel: Channel) -> ChannelState:
        cid = contact if isinstance(contact, int) else contact.id
        with self.store.read() as session:
            return channel_states(session, cid)[channel].state
