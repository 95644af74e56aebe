"""Checking and changing DND, possible opt-outs, and suppression exports."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path

import click

from console.commands import bulk_cmds, insight
from console.commands.support import (
    channel_option,
    emit_json,
    json_option,
    location_option,
    pass_ctx,
    user_errors,
)
from console.domain.channels import Channel, parse_channel
from console.domain.explain import end_words, reason_text
from console.errors import Conflict, InvalidInput
from console.services import dnd, exports, opt_outs, reads
from console.services.context import AppContext


@click.command()
@click.argument("contact")
@channel_option()
@insight.inbound_option
@insight.at_option
@insight.known_now_option
@location_option
@json_option
@pass_ctx
@user_errors
def check(
    ctx: AppContext,
    contact: str,
    channel: str,
    inbound: bool,
    at: str | None,
    as_known_now: bool,
    location: str | None,
    as_json: bool,
) -> None:
    """May a message go out? Exit 0 allowed, 1 blocked (blocked if any contact with that address is)."""
    wanted = parse_channel(channel)
    if inbound or at is not None or as_known_now:
        insight.run_check_at(ctx, contact, wanted, at, as_known_now, inbound, location, as_json)
    view = reads.check(ctx, contact, wanted, location)
    decision, who = view.decision, view.contact
    if as_json:
        emit_json(decision.as_dict())
    elif decision.allowed:
        click.echo(f"allowed: {view.channel.label} to #{who.id} {who.name}")
    else:
        why = reason_text(decision.reason) if decision.kind else decision.reason
        kind = f" ({decision.kind} DND)" if decision.kind else ""
        click.echo(f"blocked: {view.channel.label} to #{who.id} {who.name}: {why}{kind}")
    sys.exit(0 if decision.allowed else 1)


def expected_versions(values: Sequence[str], channels: Sequence[Channel] | None) -> dict[Channel, int] | None:
    """``--expect-version``: ``N`` (the one ``--channel``) or ``CHANNEL=N`` (any channel, with ``--channel all``)."""
    if not values:
        return None
    versions: dict[Channel, int] = {}
    for value in values:
        name, _, number = value.rpartition("=")
        try:
            if name:
                channel = parse_channel(name.strip())
            elif channels is not None and len(channels) == 1:
                channel = channels[0]
            else:
                raise InvalidInput("--expect-version with --channel all names its channel: CHANNEL=N")
            versions[channel] = int(number)
        except ValueError:
            raise InvalidInput(f"--expect-version {value!r} is not [CHANNEL=]N (a channel's version)") from None
    return versions


@click.command("set")
@click.argument("contacts", nargs=-1, metavar="CONTACT...")
@click.option(
    "--from-file", type=click.Path(dir_okay=False), default=None, help="bulk: one address or id a line, or a CSV"
)
@click.option("--dry-run", is_flag=True, help="bulk: print the preview, change nothing")
@channel_option(allow_all=True, several=True)
@click.option("--on", "turn", flag_value="on", help="turn DND on")
@click.option("--off", "turn", flag_value="off", help="turn DND off")
@click.option("--note", default=None, help="why, kept in the history")
@click.option(
    "--until",
    "until",
    default=None,
    metavar="WHEN",
    help="with --on: a manual DND that ends then (ISO 8601 UTC, or +3d, +12h, +2w from now)",
)
@click.option(
    "--provider-cleared",
    is_flag=True,
    help="confirm the address was removed from the provider's suppression list and re-validated",
)
@click.option(
    "--expect-version",
    "expect",
    multiple=True,
    metavar="[CHANNEL=]N",
    help="the channel's version the agent saw (status --json); changed since: refused, nothing recorded",
)
@insight.inbound_option
@location_option
@json_option
@pass_ctx
@user_errors
def set_command(
    ctx: AppContext,
    contacts: tuple[str, ...],
    from_file: str | None,
    dry_run: bool,
    channel: str,
    turn: str | None,
    note: str | None,
    until: str | None,
    provider_cleared: bool,
    expect: tuple[str, ...],
    inbound: bool,
    location: str | None,
    as_json: bool,
) -> None:
    """An agent's change. Refused (exit 1, with the reason) where the rules forbid it."""
    if turn is None:
        raise click.UsageError("say --on or --off")
    if until is not None and turn != "on":
        raise click.UsageError("--until goes with --on (the end of a manual DND)")
    if until is not None and inbound:
        raise click.UsageError("--until is for outbound manual DND (not --inbound)")
    if inbound and "," in channel:
        raise InvalidInput("--inbound takes one channel (sms, call) or all")
    if expect and (len(contacts) != 1 or from_file is not None or dry_run or inbound):
        raise InvalidInput("--expect-version is for one contact's outbound change (not bulk, not --inbound)")
    if len(contacts) != 1 or from_file is not None or dry_run:
        if not contacts and from_file is None:
            raise click.UsageError("name a CONTACT (or several, or --from-file FILE)")
        return bulk_cmds.run_bulk_set(
            ctx, contacts, from_file, channel, turn == "on", note, dry_run, location, as_json, until
        )
    [contact] = contacts
    if inbound:
        return insight.run_set_inbound(ctx, contact, channel, turn == "on", note, location, as_json)
    channels = None if channel.lower() == "all" else [parse_channel(c) for c in channel.split(",")]
    versions = expected_versions(expect, channels)
    try:
        result = dnd.set_dnd(
            ctx,
            contact,
            channels,
            turn == "on",
            note=note,
            provider_cleared=provider_cleared,
            expected_versions=versions,
            location=location,
            until=until,
        ).result
    except Conflict as exc:
        if as_json:
            emit_json({"conflict": str(exc)})  # and the one line on stderr, exit 1
        raise
    if as_json:
        emit_json(result.as_dict())
    else:
        word = "on" if turn == "on" else "off"
        for row in result.contacts:
            cid = row.contact.id
            if row.changed:
                ends = {c.after.until_us for c in row.changed if c.after.dnd}
                only = next(iter(ends)) if len(ends) == 1 else None
                end = f" until {end_words(only)} UTC" if only is not None else ""
                click.echo(f"#{cid}: DND {word} for {', '.join(c.value for c in row.changed_channels)}{end}")
            for _channel, message in row.unchanged:
                click.echo(f"#{cid}: {message}")
            for refusal in row.refused:
                click.echo(f"#{cid}: refused: {refusal.message}", err=True)
    sys.exit(1 if result.refused else 0)


@click.group("possible-opt-outs")
def possible_opt_outs() -> None:
    """Inbound messages that read like an opt-out, waiting for an agent."""


@possible_opt_outs.command("list")
@click.option("--all", "include_all", is_flag=True, help="include confirmed and dismissed ones")
@location_option
@json_option
@pass_ctx
@user_errors
def opt_outs_list(ctx: AppContext, include_all: bool, location: str | None, as_json: bool) -> None:
    rows = [v.as_dict() for v in opt_outs.list_opt_outs(ctx, location, include_all)]
    if as_json:
        emit_json({"possible_opt_outs": rows})
        return
    for row in rows:
        click.echo(
            f"#{row['id']} {row['received_at']} {row['address']} {row['state']}: {row['body']!r}"
            f" (contacts {row['contact_ids'] or 'none'})"
        )
    if not rows:
        click.echo("no possible opt-outs waiting")


@possible_opt_outs.command("confirm")
@click.argument("opt_out_id", type=int)
@pass_ctx
@user_errors
def opt_outs_confirm(ctx: AppContext, opt_out_id: int) -> None:
    row = opt_outs.confirm_opt_out(ctx, opt_out_id).result
    click.echo(f"confirmed: {row.address} is SMS DND (permanent, sms.opt_out_confirmed)")


@possible_opt_outs.command("dismiss")
@click.argument("opt_out_id", type=int)
@pass_ctx
@user_errors
def opt_outs_dismiss(ctx: AppContext, opt_out_id: int) -> None:
    row = opt_outs.dismiss_opt_out(ctx, opt_out_id).result
    click.echo(f"dismissed possible opt-out #{row.id}; nothing changed")


@click.group()
def export() -> None:
    """Exports for the providers."""


@export.command("suppressions")
@channel_option(only=["email", "sms", "call"])
@click.option("--format", "fmt", type=click.Choice(exports.FORMATS), default="csv", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None)
@insight.inbound_option
@location_option
@pass_ctx
@user_errors
def export_suppressions(
    ctx: AppContext, channel: str, fmt: str, output: str | None, inbound: bool, location: str | None
) -> None:
    """Every address with DND on the channel, including addresses of unmatched events."""
    if inbound:
        return insight.write_inbound_export(ctx, channel, fmt, output, location)
    if channel == "call":
        raise InvalidInput("--channel call is for the inbound block list (--inbound)")
    if fmt == "mailgun" and Channel(channel) != Channel.EMAIL:
        raise InvalidInput("the mailgun format is for email suppressions")
    try:
        handle = Path(output).open("w", newline="", encoding="utf-8") if output else nullcontext(sys.stdout)  # noqa: SIM115
    except OSError as exc:
        raise InvalidInput(f"cannot write {output}: {exc.strerror}") from None
    with handle as stream:
        result = exports.export_suppressions(ctx, channel, stream, fmt, location)
    if output:
        click.echo(f"{result.addresses} addresses written to {output}")


COMMANDS = [check, set_command, possible_opt_outs, export]
