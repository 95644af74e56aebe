"""``review``: opt-in reviews, from submission to a decision (CLI.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from console.commands.support import (
    channel_option,
    emit_json,
    json_option,
    location_option,
    pass_ctx,
    user_errors,
)
from console.domain.events import iso_utc
from console.domain.reviews import Review, ReviewState
from console.services import reviews as review_services
from console.services.context import AppContext

F = TypeVar("F", bound=Callable[..., Any])

EVIDENCE_HELP = (
    "a link to proof of opt-in: URL or KIND=URL, KIND one of video, screenshot, document, other "
    "(e.g. video=https://example.com/optin.mp4); only absolute https:// or http:// links; repeat for more"
)
NUMBER_HELP = "a relationship number: the business's sending number (required for SMS); repeat for more"
STATE_NAMES = [s.value for s in ReviewState]


def evidence_option(required: bool = False) -> Callable[[F], F]:
    return click.option(
        "--evidence", "evidence", multiple=True, required=required, metavar="[KIND=]URL", help=EVIDENCE_HELP
    )


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
def review_submit(
    ctx: AppContext,
    contact: str,
    channel: str,
    evidence: tuple[str, ...],
    numbers: tuple[str, ...],
    note: str | None,
    location: str | None,
    as_json: bool,
) -> None:
    """Ask for CONTACT's locked CHANNEL to be lifted, on proof of opt-in (state: pending)."""
    result = review_services.submit_review(ctx, contact, channel, evidence, numbers, note, location).result
    text = f"submitted review #{result.id} of {result.channel.label} for #{result.contact_id} {result.contact_name}"
    _report(result, as_json, f"{text} (pending)")


@review.command("list")
@click.option("--state", type=click.Choice(STATE_NAMES), default=None, help="only reviews in this state")
@click.option("--location", default=None, help="only this location (default: every location)")
@json_option
@pass_ctx
@user_errors
def review_list(ctx: AppContext, state: str | None, location: str | None, as_json: bool) -> None:
    """Reviews, newest first."""
    reviews = review_services.list_reviews(ctx, state, location or None)
    if as_json:
        emit_json({"reviews": [_list_item(r) for r in reviews]})
        return
    for r in reviews:
        decided = f" by {r.decided_by}" if r.decided_by else ""
        who = f"#{r.contact_id} {r.contact_name}"
        when = f"submitted by {r.submitted_by} {iso_utc(r.submitted_at_us)}"
        click.echo(f"#{r.id}\t{r.state.value}{decided}\t{r.channel.value}\t{who}\t{when}")
    if not reviews:
        click.echo("no reviews" + (f" in state {state}" if state else ""))


@review.command("show")
@click.argument("review_id", metavar="ID", type=int)
@json_option
@pass_ctx
@user_errors
def review_show(ctx: AppContext, review_id: int, as_json: bool) -> None:
    """One review with its evidence, numbers, notes and state history."""
    r = review_services.get_review(ctx, review_id)
    history = [
        {
            "from": c.from_state.value if c.from_state else None,
            "to": c.to_state.value,
            "by": c.by,
            "at": iso_utc(c.at_us),
            "reason": c.reason,
        }
        for c in r.changes
    ]
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
        why = f" ({step['reason']})" if step["reason"] else ""
        click.echo(f"{step['at']} {step['by']}: {step['from'] or 'submitted'} -> {step['to']}{why}")


@review.command("update")
@click.argument("review_id", metavar="ID", type=int)
@evidence_option()
@number_option
@click.option("--note", default=None, help="a note for the reviewer")
@json_option
@pass_ctx
@user_errors
def review_update(
    ctx: AppContext,
    review_id: int,
    evidence: tuple[str, ...],
    numbers: tuple[str, ...],
    note: str | None,
    as_json: bool,
) -> None:
    """Add evidence, relationship numbers or a note; a needs_info review goes back to pending."""
    result = review_services.update_review(ctx, review_id, evidence, numbers, note).result
    _report(result, as_json, f"review #{result.id} updated ({result.state.value})")


@review.command("approve")
@click.argument("review_id", metavar="ID", type=int)
@evidence_option()
@click.option("--note", default=None, help="the reviewer's note, kept with the decision and in the history")
@json_option
@pass_ctx
@user_errors
def review_approve(
    ctx: AppContext, review_id: int, evidence: tuple[str, ...], note: str | None, as_json: bool
) -> None:
    """Approve (reviewer or admin, not the submitter): lifts the channel, recorded in the ledger."""
    result = review_services.approve_review(ctx, review_id, evidence, note).result
    who = f"#{result.contact_id} {result.contact_name}"
    _report(result, as_json, f"review #{result.id} approved: {result.channel.label} lifted for {who}")


@review.command("reject")
@click.argument("review_id", metavar="ID", type=int)
@click.option("--reason", default=None, help="why (required)")
@json_option
@pass_ctx
@user_errors
def review_reject(ctx: AppContext, review_id: int, reason: str | None, as_json: bool) -> None:
    """Reject (reviewer or admin, not the submitter), with a reason."""
    result = review_services.reject_review(ctx, review_id, reason).result
    _report(result, as_json, f"review #{result.id} rejected: {result.reason}")


@review.command("needs-info")
@click.argument("review_id", metavar="ID", type=int)
@click.option("--reason", default=None, help="what is missing (required)")
@json_option
@pass_ctx
@user_errors
def review_needs_info(ctx: AppContext, review_id: int, reason: str | None, as_json: bool) -> None:
    """Send back to the submitter for more information, saying what is missing."""
    result = review_services.needs_info_review(ctx, review_id, reason).result
    _report(result, as_json, f"review #{result.id} needs more information: {result.reason}")


def _list_item(r: Review) -> dict[str, object]:
    keys = (
        "id",
        "contact_id",
        "contact",
        "channel",
        "state",
        "submitted_by",
        "submitted_at",
        "decided_by",
        "decided_at",
        "reason",
        "relationship_numbers",
        "evidence",
    )
    item = r.as_dict()
    return {k: item[k] for k in keys}


def _report(result: Review, as_json: bool, text: str) -> None:
    if as_json:
        emit_json({"id": result.id, "state": result.state.value})
    else:
        click.echo(text)


COMMANDS = [review]
