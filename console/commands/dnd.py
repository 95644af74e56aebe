"""Checking and changing DND, possible opt-outs, and suppression exports."""

from __future__ import annotations

import csv
import re
import sys
from contextlib import nullcontext
from email.utils import format_datetime
from pathlib import Path

import click

from console.commands import insight
from console.commands.support import (
    Context,
    channel_option,
    emit_json,
    json_option,
    location_option,
    pass_ctx,
    user_errors,
)
from console.domain.channels import Channel, parse_channel
from console.domain.events import from_us, iso_utc
from console.domain.explain import reason_text
from console.errors import InvalidInput
from console.store.actions import set_dnd
from console.store.possible_opt_outs import (
    confirm_possible_opt_out,
    dismiss_possible_opt_out,
    list_possible_opt_outs,
)
from console.store.queries import can_send
from console.store.suppressions import suppressions


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
    ctx: Context,
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
    with ctx.store.read() as session:
        decisions = [(c, can_send(session, c.id, wanted)) for c in ctx.contacts(session, contact, location)]
    blocked = [(c, d) for c, d in decisions if not d.allowed]
    contact_row, decision = blocked[0] if blocked else decisions[0]
    if as_json:
        emit_json(decision.as_dict())
    elif decision.allowed:
        click.echo(f"allowed: {wanted.label} to #{contact_row.id} {contact_row.name}")
    else:
        why = reason_text(decision.reason) if decision.kind else decision.reason
        kind = f" ({decision.kind} DND)" if decision.kind else ""
        click.echo(f"blocked: {wanted.label} to #{contact_row.id} {contact_row.name}: {why}{kind}")
    sys.exit(1 if blocked else 0)


@click.command("set")
@click.argument("contact")
@channel_option(allow_all=True)
@click.option("--on", "turn", flag_value="on", help="turn DND on")
@click.option("--off", "turn", flag_value="off", help="turn DND off")
@click.option("--note", default=None, help="why, kept in the history")
@click.option(
    "--provider-cleared",
    is_flag=True,
    help="confirm the address was removed from the provider's suppression list and re-validated",
)
@insight.inbound_option
@location_option
@json_option
@pass_ctx
@user_errors
def set_command(
    ctx: Context,
    contact: str,
    channel: str,
    turn: str | None,
    note: str | None,
    provider_cleared: bool,
    inbound: bool,
    location: str | None,
    as_json: bool,
) -> None:
    """An agent's change. Refused (exit 1, with the reason) where the rules forbid it."""
    if turn is None:
        raise click.UsageError("say --on or --off")
    if inbound:
        return insight.run_set_inbound(ctx, contact, channel, turn == "on", note, location, as_json)
    channels = None if channel.lower() == "all" else [parse_channel(channel)]
    report: list[dict[str, object]] = []
    refused = False
    with ctx.store.write() as session:
        actor = ctx.actor(session)
        for target in ctx.contacts(session, contact, location):
            result = set_dnd(session, target, channels, turn == "on", actor, note, provider_cleared)
            refused = refused or result.refused
            report.append(
                {
                    "contact": target.id,
                    "changed": [c.value for c in result.changed],
                    "unchanged": [{"channel": c.value, "message": m} for c, m in result.plan.unchanged],
                    "refused": [
                        {"channel": r.channel.value, "code": r.code, "message": r.message} for r in result.plan.refusals
                    ],
                }
            )
    if as_json:
        emit_json({"results": report})
    else:
        for row in report:
            changed = row["changed"]
            assert isinstance(changed, list)
            word = "on" if turn == "on" else "off"
            if changed:
                click.echo(f"#{row['contact']}: DND {word} for {', '.join(changed)}")
            for item in row["unchanged"]:  # type: ignore[attr-defined]
                click.echo(f"#{row['contact']}: {item['message']}")
            for item in row["refused"]:  # type: ignore[attr-defined]
                click.echo(f"#{row['contact']}: refused: {item['message']}", err=True)
    sys.exit(1 if refused else 0)


@click.group("possible-opt-outs")
def possible_opt_outs() -> None:
    """Inbound messages that read like an opt-out, waiting for an agent."""


@possible_opt_outs.command("list")
@click.option("--all", "include_all", is_flag=True, help="include confirmed and dismissed ones")
@location_option
@json_option
@pass_ctx
@user_errors
def opt_outs_list(ctx: Context, include_all: bool, location: str | None, as_json: bool) -> None:
    with ctx.store.read() as session:
        rows = [v.as_dict() for v in list_possible_opt_outs(session, ctx.location(session, location).id, include_all)]
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
def opt_outs_confirm(ctx: Context, opt_out_id: int) -> None:
    with ctx.store.write() as session:
        row = confirm_possible_opt_out(session, opt_out_id, ctx.actor(session))
    click.echo(f"confirmed: {row.address} is SMS DND (permanent, sms.opt_out_confirmed)")


@possible_opt_outs.command("dismiss")
@click.argument("opt_out_id", type=int)
@pass_ctx
@user_errors
def opt_outs_dismiss(ctx: Context, opt_out_id: int) -> None:
    with ctx.store.write() as session:
        row = dismiss_possible_opt_out(session, opt_out_id, ctx.actor(session))
    click.echo(f"dismissed possible opt-out #{row.id}; nothing changed")


E164_CELL = re.compile(r"^\+[1-9]\d{6,14}$")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """A cell a spreadsheet never runs as a formula. An E.164 number (``+`` and digits) cannot run, so it stays."""
    if value.startswith(FORMULA_START) and not E164_CELL.match(value):
        return "'" + value
    return value


@click.group()
def export() -> None:
    """Exports for the providers."""


@export.command("suppressions")
@channel_option(only=["email", "sms", "call"])
@click.option("--format", "fmt", type=click.Choice(["csv", "mailgun"]), default="csv", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None)
@insight.inbound_option
@location_option
@pass_ctx
@user_errors
def export_suppressions(
    ctx: Context, channel: str, fmt: str, output: str | None, inbound: bool, location: str | None
) -> None:
    """Every address with DND on the channel, including addresses of unmatched events."""
    if inbound:
        return insight.write_inbound_export(ctx, channel, fmt, output, location)
    if channel == "call":
        raise InvalidInput("--channel call is for the inbound block list (--inbound)")
    wanted = Channel(channel)
    if fmt == "mailgun" and wanted != Channel.EMAIL:
        raise InvalidInput("the mailgun format is for email suppressions")
    try:
        handle = Path(output).open("w", newline="", encoding="utf-8") if output else nullcontext(sys.stdout)  # noqa: SIM115
    except OSError as exc:
        raise InvalidInput(f"cannot write {output}: {exc.strerror}") from None
    count = 0
    with ctx.store.read() as session, handle as stream:
        writer = csv.writer(stream)
        writer.writerow(
            ["address", "tag", "created_at"] if fmt == "mailgun" else ["address", "kind", "reason", "since"]
        )
        for item in suppressions(session, ctx.location(session, location).id, wanted):
            if fmt == "mailgun":  # a file for Mailgun, not a spreadsheet: the address exactly as stored
                writer.writerow([item.address, "*", format_datetime(from_us(item.since_us), usegmt=True)])
            else:
                row = [item.address, item.kind, item.reason, iso_utc(item.since_us) or ""]
                writer.writerow([spreadsheet_safe(v) for v in row])
            count += 1
    if output:
        click.echo(f"{count} addresses written to {output}")


COMMANDS = [check, set_command, possible_opt_outs, export]
