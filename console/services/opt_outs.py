"""Possible opt-outs: multi-word inbound messages that read like an opt-out, confirmed or dismissed by an agent.

Confirming records a permanent SMS DND (reason ``sms.opt_out_confirmed``) in the ledger, dated when the message
was received; dismissing changes nothing but the queue and is kept as a note in the audit chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from console.domain.deadlines import DEADLINE_BUSINESS_DAYS, business_days_since, is_overdue, overdue_before_us
from console.domain.events import from_us, now_us
from console.services.base import LocationRef, Outcome, actor, location
from console.services.context import AppContext
from console.store import possible_opt_outs as queue
from console.store.changes import DND, OPT_OUTS, Change
from console.store.models import Contact
from console.store.possible_opt_outs import PossibleOptOutView
from console.store.stats_queries import possible_opt_outs_pending

__all__ = [
    "OptOutContact",
    "OptOutItem",
    "PossibleOptOutView",
    "confirm_opt_out",
    "deadline_day",
    "dismiss_opt_out",
    "list_opt_outs",
    "opt_out_counts",
    "opt_out_queue",
]


@dataclass(frozen=True, slots=True)
class OptOutContact:
    """A contact whose number sent the message."""

    id: int
    name: str
    email: str | None
    phone: str | None


@dataclass(frozen=True, slots=True)
class OptOutItem:
    """One waiting possible opt-out with whom it is about and its FCC deadline (10 business days, UTC dates)."""

    view: PossibleOptOutView
    contacts: tuple[OptOutContact, ...]
    #: Business days (Monday to Friday) the message has waited since the day it was received.
    waited: int
    #: The last business day on which it is still within the deadline.
    deadline: date
    overdue: bool


def deadline_day(received_us: int) -> date:
    """The 10th business day after the day the message was received: handled by then, it is in time."""
    day, counted = from_us(received_us).date(), 0
    while counted < DEADLINE_BUSINESS_DAYS:
        day += timedelta(days=1)
        if day.weekday() < 5:
            counted += 1
    return day


def _view(row_id: int, ctx: AppContext, location_id: int) -> PossibleOptOutView:
    with ctx.store.read() as session:
        return next(v for v in queue.list_possible_opt_outs(session, location_id, True) if v.id == row_id)


def confirm_opt_out(ctx: AppContext, opt_out_id: int) -> Outcome[PossibleOptOutView]:
    """The message was an opt-out: SMS DND (permanent) for every contact with that number. Refused when it was
    already decided (saying by whom)."""
    with ctx.store.write() as session:
        who = actor(ctx, session)
        row = queue.confirm_possible_opt_out(session, opt_out_id, who)
        location_id = row.location_id
    view = _view(opt_out_id, ctx, location_id)
    return Outcome(view, Change(DND, location_id, frozenset(view.contact_ids), who))


def dismiss_opt_out(ctx: AppContext, opt_out_id: int) -> Outcome[PossibleOptOutView]:
    """The message was not an opt-out: nothing changes but the queue."""
    with ctx.store.write() as session:
        who = actor(ctx, session)
        row = queue.dismiss_possible_opt_out(session, opt_out_id, who)
        location_id = row.location_id
    view = _view(opt_out_id, ctx, location_id)
    return Outcome(view, Change(OPT_OUTS, location_id, frozenset(), who))


def list_opt_outs(
    ctx: AppContext, where: LocationRef = None, include_decided: bool = False
) -> list[PossibleOptOutView]:
    """The queue of one location, newest first; ``include_decided`` adds confirmed and dismissed ones."""
    with ctx.store.read() as session:
        return queue.list_possible_opt_outs(session, location(session, where).id, include_decided)


def opt_out_queue(ctx: AppContext, where: LocationRef = None, now: int | None = None) -> list[OptOutItem]:
    """The pending queue of one location, newest first, with each message's contacts, age and deadline."""
    moment = now_us() if now is None else now
    with ctx.store.read() as session:
        views = queue.list_possible_opt_outs(session, location(session, where).id, False)
        ids = sorted({i for v in views for i in v.contact_ids})
        found = {
            c.id: OptOutContact(c.id, c.name, c.email, c.phone)
            for c in session.execute(
                select(Contact.id, Contact.name, Contact.email, Contact.phone).where(Contact.id.in_(ids))
            )
        } if ids else {}
    return [
        OptOutItem(
            v,
            tuple(found[i] for i in v.contact_ids if i in found),
            business_days_since(v.received_at_us, moment),
            deadline_day(v.received_at_us),
            is_overdue(v.received_at_us, moment),
        )
        for v in views
    ]


def opt_out_counts(ctx: AppContext, where: LocationRef = None, now: int | None = None) -> tuple[int, int]:
    """(pending, of which overdue: more than 10 business days since received) for one location."""
    moment = now_us() if now is None else now
    with ctx.store.read() as session:
        return possible_opt_outs_pending(session, location(session, where).id, overdue_before_us(moment))
