"""Demo data: generated contacts with realistic provider events, so every state shows at once.

Contacts are inserted in bulk; every DND comes from events recorded through the ledger like any import,
so the demo database obeys the same rules (and audit chain) as a real one.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from console.domain.channels import CHANNEL_ORDER, Channel, DndKind
from console.domain.events import Effect, Event, Source, now_us, to_us
from console.services.context import AppContext
from console.store.contact_search import insert_contacts
from console.store.db import Store
from console.store.ledger import record_events
from console.store.locations import add_location, get_location, set_connected
from console.store.models import Contact, ImportBatch, Location

FIRST = (
    "Ann",
    "Bo",
    "Cara",
    "Dev",
    "Eli",
    "Fay",
    "Gus",
    "Hana",
    "Ivan",
    "Jo",
    "Kai",
    "Lena",
    "Milo",
    "Nia",
    "Omar",
    "Pia",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
    "Uma",
    "Vik",
    "Wes",
    "Xena",
    "Yuri",
    "Zoe",
)
LAST = (
    "Lee",
    "Chen",
    "Diaz",
    "Patel",
    "Novak",
    "Ortiz",
    "Kim",
    "Silva",
    "Brown",
    "Okafor",
    "Rossi",
    "Haddad",
    "Nguyen",
    "Schmidt",
    "Kowalski",
    "Moreau",
    "Tanaka",
    "Singh",
    "Larsen",
    "Murphy",
)
DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com")
AREAS = ("415", "212", "312", "617", "206", "303", "512", "702")
SECOND_LOCATION = "Northside Dental"
CONTACT_CHUNK = 50_000
EVENT_CHUNK = 20_000
START = to_us(__import__("datetime").datetime(2024, 1, 1))
SPAN = 2 * 365 * 86_400 * 1_000_000
BUSINESS_NUMBER = "+14155559000"


def _phone(i: int) -> str:
    return f"+1{AREAS[i % len(AREAS)]}{2_000_000 + (i * 7919) % 7_999_999:07d}"


def _contact_rows(first_id: int, count: int, location_ids: list[int], rng: random.Random) -> Iterator[dict[str, Any]]:
    now = now_us()
    for n in range(count):
        i = first_id + n
        first, last = FIRST[rng.randrange(len(FIRST))], LAST[rng.randrange(len(LAST))]
        has_email, has_phone = rng.random() < 0.9, rng.random() < 0.85
        yield {
            "id": i,
            "location_id": location_ids[0] if rng.random() < 0.8 else location_ids[1],
            "name": f"{first} {last}",
            "email": f"{first}.{last}.{i}@{DOMAINS[i % len(DOMAINS)]}".lower() if has_email or not has_phone else None,
            "phone": _phone(i) if has_phone else None,
            "external_id": None,
            "created_at_us": now,
            "updated_at_us": now,
            "dnd_mask": 0,
        }


def _events_for(row: dict[str, Any], rng: random.Random, n: int) -> list[Event]:
    """A few realistic provider events for one contact (most contacts get none)."""
    out: list[Event] = []
    at = START + rng.randrange(SPAN)
    email, phone, i = row["email"], row["phone"], row["id"]
    roll = rng.random()
    if email:
        if roll < 0.05:
            out.append(_mailgun(email, i, at, "delivered"))
        elif roll < 0.08:
            out.append(_mailgun(email, i, at, "failed", "permanent", "bounce"))
        elif roll < 0.095:
            out.append(_mailgun(email, i, at, "unsubscribed"))
        elif roll < 0.105:
            out.append(_mailgun(email, i, at, "complained"))
        elif roll < 0.11:
            out.append(_mailgun(email, i, at, "failed", "permanent", "suppress-complaint"))
        elif roll < 0.12:
            out.append(_mailgun(email, i, at, "failed", "temporary", "greylisted"))
    roll = rng.random()
    if phone:
        if roll < 0.03:
            out.append(_inbound(phone, i, at + 60_000_000, "STOP", Effect.SET))
        elif roll < 0.035:
            out.append(_inbound(phone, i, at, "Stop", Effect.SET))
            out.append(_inbound(phone, i, at + 86_400_000_000, "START", Effect.LIFT, n=1))
        elif roll < 0.055:
            out.append(_twilio_error(phone, i, at, rng.choice((30003, 30005, 30006))))
        elif roll < 0.06:
            out.append(_twilio_error(phone, i, at, rng.choice((30004, 21610))))
        elif roll < 0.062 and n < 150:
            body = rng.choice(("please stop texting me", "remove me from this list", "don't text me again"))
            out.append(
                Event(
                    Source.TWILIO,
                    f"SMdemo{i}p:received",
                    at,
                    Channel.SMS,
                    Effect.NONE,
                    None,
                    "inbound/possible_opt_out",
                    address=phone,
                    detail={"possible_opt_out": "1", "body": body, "label": "inbound/possible_opt_out"},
                )
            )
    roll = rng.random()
    if roll < 0.03:
        channel = rng.choice(CHANNEL_ORDER)
        out.append(
            Event(
                Source.AGENT,
                f"demo-manual-{i}",
                at + 3_600_000_000,
                channel,
                Effect.SET,
                DndKind.MANUAL,
                "manual",
                contact_id=i,
                detail={"note": "asked on the phone"},
            )
        )
    elif roll < 0.035:
        out.extend(
            Event(
                Source.AGENT,
                f"demo-all-{i}:{k}",
                at + 7_200_000_000,
                channel,
                Effect.SET,
                DndKind.MANUAL,
                "manual",
                contact_id=i,
                detail={"scope": "all"},
            )
            for k, channel in enumerate(CHANNEL_ORDER)
        )
    return out


def _mailgun(email: str, i: int, at: int, event: str, severity: str | None = None, reason: str | None = None) -> Event:
    from console.domain.triggers import mailgun_no_effect_label, mailgun_trigger
    from console.importers.mailgun import seconds_text

    trigger = mailgun_trigger(event, severity, reason)
    key = f"demo{i}{event[:3]}@{seconds_text(at)}"
    if trigger is None:
        label = mailgun_no_effect_label(event, severity, reason)
        return Event(
            Source.MAILGUN,
            key,
            at,
            Channel.EMAIL,
            Effect.NONE,
            None,
            label,
            address=email,
            detail={"label": label, "event": event},
        )
    return Event(
        Source.MAILGUN,
        key,
        at,
        Channel.EMAIL,
        Effect.SET,
        trigger.kind,
        trigger.reason,
        address=email,
        detail={"event": event},
    )


def _inbound(phone: str, i: int, at: int, body: str, effect: Effect, n: int = 0) -> Event:
    opt_in = effect == Effect.LIFT
    return Event(
        Source.TWILIO,
        f"SMdemo{i}i{n}:received",
        at,
        Channel.SMS,
        effect,
        DndKind.SPAM if opt_in else DndKind.PERMANENT,
        "sms.opt_in_keyword" if opt_in else "sms.opt_out_keyword",
        address=phone,
        detail={"keyword": body.upper(), "body": body},
    )


def _twilio_error(phone: str, i: int, at: int, code: int) -> Event:
    from console.domain.triggers import twilio_error_trigger

    trigger = twilio_error_trigger(code)
    assert trigger is not None
    return Event(
        Source.TWILIO,
        f"SMdemo{i}e:undelivered",
        at,
        Channel.SMS,
        Effect.SET,
        trigger.kind,
        trigger.reason,
        address=phone,
        detail={"error_code": str(code)},
    )


def _ensure_locations(session: Session) -> list[int]:
    default = get_location(session, None).id
    second = session.scalar(select(Location.id).where(Location.name == SECOND_LOCATION))
    if second is None:
        second = add_location(session, SECOND_LOCATION).id
        set_connected(session, second, [Channel.FACEBOOK, Channel.GMB], False)
    return [default, second]


def _batch(session: Session, location_id: int, name: str, fmt: str) -> int:
    batch = ImportBatch(
        location_id=location_id,
        actor="demo",
        started_at_us=now_us(),
        finished_at_us=now_us(),
        state="done",
        files=orjson.dumps([{"path": name, "name": name, "format": fmt, "sha256": ""}]).decode(),
    )
    session.add(batch)
    session.flush()
    return batch.id


def build_demo(
    store: Store, contacts: int = 3000, seed: int = 7, progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Add ``contacts`` generated contacts and their events; the same seed builds the same data."""
    rng = random.Random(seed)
    started = time.perf_counter()
    with store.write() as session:
        location_ids = _ensure_locations(session)
        first_id = (session.scalar(select(func.max(Contact.id))) or 0) + 1
    events_total = 0
    opt_out_candidates = 0
    for offset in range(0, contacts, CONTACT_CHUNK):
        count = min(CONTACT_CHUNK, contacts - offset)
        rows = list(_contact_rows(first_id + offset, count, location_ids, rng))
        with store.write() as session:
            insert_contacts(session, rows)
            by_location: dict[int, list[Event]] = {lid: [] for lid in location_ids}
            for row in rows:
                evs = _events_for(row, rng, opt_out_candidates)
                opt_out_candidates += sum(1 for e in evs if e.detail.get("possible_opt_out"))
                by_location[row["location_id"]].extend(evs)
            for lid, evs in by_location.items():
                if not evs:
                    continue
                batch_id = _batch(session, lid, "demo-provider-export.jsonl", "mailgun-events")
                for start in range(0, len(evs), EVENT_CHUNK):
                    record_events(session, lid, evs[start : start + EVENT_CHUNK], "demo", batch_id)
                events_total += len(evs)
        if progress is not None:
            progress(f"{offset + count:,} contacts, {events_total:,} events")
    with store.write() as session:
        unmatched = [
            _mailgun(f"former.customer{k}@example.com", -k, START + k * 1_000_000, "failed", "permanent", "bounce")
            for k in range(1, 6)
        ]
        record_events(session, location_ids[0], unmatched, "demo")
    from console.services.demo_history import add_demo_history  # the last 12 months, for the overview's plots
    from console.services.demo_insight import add_demo_inbound
    from console.services.demo_reviews import add_demo_reviews  # it builds on this module's contacts
    from console.services.demo_snooze import add_demo_snoozes

    recent = add_demo_history(store, seed)
    reviews = add_demo_reviews(store)
    add_demo_inbound(store)
    from console.services.demo_bulk import add_demo_bulk

    add_demo_bulk(store)
    add_demo_snoozes(store)  # after the inbound blocks: the first blocked caller is snoozed too
    return {
        "contacts": contacts,
        "events": events_total + len(unmatched) + recent["events"],
        "reviews": reviews["reviews"],
        "seconds": round(time.perf_counter() - started, 1),
    }


def fill_demo(ctx: AppContext, contacts: int = 3000, seed: int = 7) -> dict[str, Any]:
    """``dnd-console demo``: fill the context's database with generated contacts and realistic events."""
    return build_demo(ctx.store, contacts=contacts, seed=seed)
