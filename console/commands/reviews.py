"""``review``: opt-in reviews, from submission to a decision (CLI.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from console.commands.support import (
    Context,
    channel_option,
    emit_json,
    json_option,
    location_option,
    pass_ctx,
    user_errors,
)
from console.domain.events import iso_utc
from console.domain.reviews import Review, ReviewState
from console.errors import UserError
from console.store.review_queries import get_review, list_reviews
from console.store.reviews import approve_review, needs_info_review, reject_review, submit_review, update_review

F = TypeVar("F", bound=Callable[..., Any])

EVIDENCE_HELP = (
    "a link to proof of opt-in: URL or KIND=URL, KIND one of video, screenshot, document, other "
    "(e.g. video=https://example.com/optin.mp4); only absolute https:// or http:// links; repeat for more"
)
NUMBER_HELP = "a relationship number: the business's sending number (required for SMS); repeat for more"
STATE_NAMES = [s.value for s in ReviewState]


def evidence_option(required: bool = False) -> Callable[[F], F]:
    return click.option("--evidence", "evidence", multiple=True, required=required, metavar="[KIND=]URL",
                        help=EVIDENCE_HELP)  # fmt: skip


number_option = click.option("--relationship-number", "numbers", multiple=True, metavar="NUMBER", help=NUMBER_HELP)


@click.group()
def review() -> None:
    """Opt-in reviews: the only way to lift a spam DND, and a way to lift a permanent one."""


@review.command("submit")
@click.argument("contact")
@channel_option()
@evidence_option(required=True)
@number_option
@click.option("--note", default=None, help="what the evidence shows, for the reviewer")
@location_option
@json_option
@pass_ctx
@user_errors
def review_submit(ctx: Context, contact: str, channel: str, evidence: tuple[str, ...], numbers: tuple[str, ...],
                  note: str | None, location: str | None, as_json: bool) -> None:  # fmt: skip
    """Ask for CONTACT's locked CHANNEL to be lifted, on proof of opt-in (state: pending)."""
    with ctx.store.write() as session:
        found = ctx.contacts(session, contact, location)
        if len(found) > 1:
            ids = ", ".join(f"#{c.id}" for c in found)
            raise UserError(f"{contact!r} matches several contacts ({ids}): name one by its id")
        result = submit_review(session, found[0].id, channel, ctx.actor(session), list(evidence), list(numbers),
                               note, ctx.region)  # fmt: skip
    _report(result, as_json, f"submitted review #{result.id} of {result.channel.label} for #{result.contact_id} "
                             f"{result.contact_name} (pending)")  # fmt: skip


@review.command("list")
@click.option("--state", type=click.Choice(STATE_NAMES), default=None, help="only reviews in this state")
@click.option("--location", default=None, help="only this location (default: every location)")
@json_option
@pass_ctx
@user_errors
def review_list(ctx: Context, state: str | None, location: str | None, as_json: bool) -> None:
    """Reviews, newest first."""
    with ctx.store.read() as session:
        location_id = ctx.location(session, location).id if location else None
        reviews = list_reviews(session, state, location_id)
    if as_json:
        emit_json({"reviews": [_list_item(r) for r in reviews]})
        return
    for r in reviews:
        decided = f" by {r.decided_by}" if r.decided_by else ""
        click.echo(f"#{r.id}\t{r.state.value}{decided}\t{r.channel.value}\t#{r.contact_id} {r.contact_name}\t"
                   f"submitted by {r.submitted_by} {iso_utc(r.submitted_at_us)}")  # fmt: skip
    if not reviews:
        click.echo("no reviews" + (f" in state {state}" if state else ""))


@review.command("show")
@click.argument("review_id", metavar="ID", type=int)
@json_option
@pass_ctx
@user_errors
def review_show(ctx: Context, review_id: int, as_json: bool) -> None:
    """One review with its evidence, numbers, notes and state history."""
    with ctx.store.read() as session:
        r = get_review(session, review_id)
    history = [{"from": c.from_state.value if c.from_state else None, "to": c.to_state.value, "by": c.by,
                "at": iso_utc(c.at_us), "reason": c.reason} for c in r.changes]  # fmt: skip
    if as_json:
        emit_json({**r.as_dict(), "evidence": [e.as_dict() for e in r.evidence], "history": history})
        return
    click.echo(f"review #{r.id}: {r.state.value}, {r.channel.label} for #{r.contact_id} {r.contact_name}")
    click.echo(f"relationship numbers: {', '.join(r.relationship_numbers) or 'none'}")
    for link in r.evidence:
        click.echo(f"evidence ({link.kind.value}): {link.url}" + (f" ({link.note})" if link.note else ""))
    if r.held is not None:
        h = r.held
        click.echo(
            f"evidence (held imported opt-in): {h.body!r} to {h.to or 'an unknown number'}, received "
            f"{iso_utc(h.received_at_us)}, provider id {h.provider_id}, file {h.file}, batch {h.batch_id}"
        )
    if r.notes:
        click.echo(f"notes:\n{r.notes}")
    for step in history:
        click.echo(f"{step['at']} {step['by']}: {step['from'] or 'submitted'} -> {step['to']}"
                   + (f" ({step['reason']})" if step["reason"] else ""))  # fmt: skip


@review.command("update")
@click.argument("review_id", metavar="ID", type=int)
@evidence_option()
@number_option
@click.option("--note", default=None, help="a note for the reviewer")
@json_option
@pass_ctx
@user_errors
def review_update(ctx: Context, review_id: int, evidence: tuple[str, ...], numbers: tuple[str, ...],
                  note: str | None, as_json: bool) -> None:  # fmt: skip
    """Add evidence, relationship numbers or a note; a needs_info review goes back to pending."""
    with ctx.store.write() as session:
        result = update_review(session, review_id, ctx.actor(session), list(evidence), list(numbers), note,
                               ctx.region)  # fmt: skip
    _report(result, as_json, f"review #{result.id} updated ({result.state.value})")


@review.command("approve")
@click.argument("review_id", metavar="ID", type=int)
@evidence_option()
@click.option("--note", default=None, help="the reviewer's note, kept with the decision and in the history")
@json_option
@pass_ctx
@user_errors
def review_approve(ctx: Context, review_id: int, evidence: tuple[str, ...], note: str | None, as_json: bool) -> None:
    """Approve (reviewer or admin, not the submitter): lifts the channel, recorded in the ledger."""
    with ctx.store.write() as session:
        result = approve_review(session, review_id, ctx.actor(session), list(evidence), note)
    _report(result, as_json, f"review #{result.id} approved: {result.channel.label} lifted for "
                             f"#{result.contact_id} {result.contact_name}")  # fmt: skip


@review.command("reject")
@click.argument("review_id", metavar="ID", type=int)
@click.option("--reason", default=None, help="why (required)")
@json_option
@pass_ctx
@user_errors
def review_reject(ctx: Context, review_id: int, reason: str | None, as_json: bool) -> None:
    """Reject (reviewer or admin, not the submitter), with a reason."""
    with ctx.store.write() as session:
        result = reject_review(session, review_id, ctx.actor(session), reason)
    _report(result, as_json, f"review #{result.id} rejected: {result.reason}")


@review.command("needs-info")
@click.argument("review_id", metavar="ID", type=int)
@click.option("--reason", default=None, help="what is missing (required)")
@json_option
@pass_ctx
@user_errors
def review_needs_info(ctx: Context, review_id: int, reason: str | None, as_json: bool) -> None:
    """Send back to the submitter for more information, saying what is missing."""
    with ctx.store.write() as session:
        result = needs_info_review(session, review_id, ctx.actor(session), reason)
    _report(result, as_json, f"review #{result.id} needs more information: {result.reason}")


def _list_item(r: Review) -> dict[str, object]:
    keys = ("id", "contact_id", "contact", "channel", "state", "submitted_by", "submitted_at", "decided_by",
            "decided_at", "reason", "relationship_numbers", "evidence")  # fmt: skip
    item = r.as_dict()
    return {k: item[k] for k in keys}


def _report(result: Review, as_json: bool, text: str) -> None:
    if as_json:
        emit_json({"id": result.id, "state": result.state.value})
    else:
        click.echo(text)


COMMANDS = [review]
