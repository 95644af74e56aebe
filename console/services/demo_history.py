"""Recent history in the demo data: a year of new DND up to the demo's creation, so the overview's plots show it.

The main generator (:mod:`console.services.demo`) dates its events in 2024-2025; this adds, for a share of the
contacts, provider events and agent DND spread over the 12 months before ``now`` (with a campaign in the middle
that drew more STOPs and complaints than usual), and a few possible opt-outs received in the last weeks, some
of them past the FCC deadline. Every event goes through the ledger like any import.
"""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import func, select

from console.domain.channels import CHANNEL_ORDER, Channel, DndKind
from console.domain.deadlines import DAY_US
from console.domain.events import Effect, Event, Source, now_us
from console.store.db import Store
from console.store.ledger import record_events
from console.store.models import Contact

#: Share of the contacts with one new DND in the last 12 months (a few get two): enough for the plots of a small
#: demo (about 2,400 contacts' worth, at most 12%), 5% a year in a large one, as a real list of that size sees.
SHARE_SMALL, SHARE_LARGE, SMALL_EVENTS = 0.12, 0.05, 2400
#: The campaign: this many days before ``now``, about this share of the recent events around it.
CAMPAIGN_DAYS_AGO, CAMPAIGN_SHARE = 130, 0.2
#: Possible opt-outs received in the last weeks (at most): some within 10 business days, some past them.
RECENT_OPT_OUTS, OPT_OUT_DAYS = 14, 30
CHUNK = 20_000
YEAR_US = 365 * DAY_US


def _age_us(rng: random.Random, campaign: bool) -> int:
    """How long before ``now`` an event occurred: uniform over the year, or around the campaign."""
    if campaign:
        days = min(364.0, max(1.0, rng.gauss(CAMPAIGN_DAYS_AGO, 5)))
        return int(days * DAY_US) + rng.randrange(DAY_US)
    return 3_600_000_000 + rng.randrange(YEAR_US - 3_600_000_000)


def _recent_event(row: Any, at: int, rng: random.Random, campaign: bool, n: int) -> Event | None:
    from console.services.demo import _inbound, _mailgun

    contact_id, email, phone = row
    roll = rng.random()
    if campaign:  # a campaign's answers: STOPs and complaints
        if phone and roll < 0.6:
            return _inbound(phone, contact_id, at, "STOP", Effect.SET, n=10 + n)
        if email:
            return _mailgun(email, contact_id, at, "complained")
        return None
    if phone and roll < 0.3:
        return _inbound(phone, contact_id, at, rng.choice(("STOP", "Stop", "UNSUBSCRIBE")), Effect.SET, n=10 + n)
    if email and roll < 0.5:
        return _mailgun(email, contact_id, at, "failed", "permanent", "bounce")
    if email and roll < 0.62:
        return _mailgun(email, contact_id, at, "unsubscribed")
    if email and roll < 0.68:
        return _mailgun(email, contact_id, at, "complained")
    if phone and roll < 0.8:
        from console.domain.triggers import twilio_error_trigger

        code = rng.choice((30003, 30005, 30006, 30004, 21610))
        trigger = twilio_error_trigger(code)
        assert trigger is not None
        return Event(Source.TWILIO, f"SMrecent{contact_id}e{n}:undelivered", at, Channel.SMS, Effect.SET,
                     trigger.kind, trigger.reason, address=phone, detail={"error_code": str(code)})
    channel = rng.choice(CHANNEL_ORDER)
    return Event(Source.AGENT, f"demo-recent-{contact_id}-{n}", at, channel, Effect.SET, DndKind.MANUAL, "manual",
                 contact_id=contact_id, detail={"note": rng.choice(("asked on the phone", "asked at the desk"))})


def _possible_opt_out(phone: str, contact_id: int, at: int, body: str) -> Event:
    return Event(Source.TWILIO, f"SMrecent{contact_id}p:received", at, Channel.SMS, Effect.NONE, None,
                 "inbound/possible_opt_out", address=phone,
                 detail={"possible_opt_out": "1", "body": body, "label": "inbound/possible_opt_out"})


def add_demo_history(store: Store, seed: int = 7, now: int | None = None) -> dict[str, int]:
    """New DND over the 12 months before ``now`` (default: the clock) and recent possible opt-outs."""
    rng = random.Random(seed * 7919 + 1)
    moment = now_us() if now is None else now
    with store.read() as session:
        contacts = int(session.scalar(select(func.count()).select_from(Contact)) or 0)
    share = min(SHARE_SMALL, max(SHARE_LARGE, SMALL_EVENTS / max(contacts, 1)))
    by_location: dict[int, list[Event]] = {}
    opt_outs = 0
    bodies = ("please stop texting me", "remove me from this list", "don't text me again", "no more messages pls")
    with store.read() as session:
        rows = session.execute(
            select(Contact.id, Contact.email, Contact.phone, Contact.location_id).order_by(Contact.id)
        ).yield_per(CHUNK)
        for contact_id, email, phone, location_id in rows:
            events = by_location.setdefault(location_id, [])
            if phone and opt_outs < RECENT_OPT_OUTS and rng.random() < 0.01:
                age = rng.randrange(OPT_OUT_DAYS * DAY_US)
                events.append(_possible_opt_out(phone, contact_id, moment - age, bodies[opt_outs % len(bodies)]))
                opt_outs += 1
            if rng.random() >= share:
                continue
            for n in range(2 if rng.random() < 0.1 else 1):
                campaign = rng.random() < CAMPAIGN_SHARE
                event = _recent_event((contact_id, email, phone), moment - _age_us(rng, campaign), rng, campaign, n)
                if event is not None:
                    events.append(event)
    recorded = 0
    for location_id, events in by_location.items():
        for start in range(0, len(events), CHUNK):
            with store.write() as session:
                record_events(session, location_id, events[start : start + CHUNK], "demo")
            recorded += len(events[start : start + CHUNK])
    return {"events": recorded, "possible_opt_outs": opt_outs}
