"""Possible opt-outs: multi-word inbound messages that read like an opt-out, confirmed or dismissed by an agent.

Confirming records a permanent SMS DND (reason ``sms.opt_out_confirmed``) in the ledger, dated when the message
was received; dismissing changes nothing but the queue and is kept as a note in the audit chain.
"""

from __future__ import annotations

from console.services.base import LocationRef, Outcome, actor, location
from console.services.context import AppContext
from console.store import possible_opt_outs as queue
from console.store.changes import DND, OPT_OUTS, Change
from console.store.possible_opt_outs import PossibleOptOutView

__all__ = ["PossibleOptOutView", "confirm_opt_out", "dismiss_opt_out", "list_opt_outs"]


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
