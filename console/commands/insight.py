"""The past on demand, inbound DND, stats and the consent report on the command line.

``status``, ``check``, ``set`` and ``export suppressions`` (commands/dnd.py, commands/contacts.py) hand their
``--at`` and ``--inbound`` forms to the functions here; ``stats`` and ``report`` are commands of their own.
"""

from __future__ import annotations

import csv
import sys
from contextlib import nullcontext
from pathlib import Path

import click

from console.commands.support import emit_json, json_option, location_option, pass_ctx, user_errors
from console.domain.channels import CHANNEL_ORDER, Channel
from console.domain.events import iso_utc
from console.domain.explain import reason_text
from console.errors import InvalidInput
from console.services.context import AppContext
from console.services.inbound import InboundResult, block_list, check_inbound, set_inbound
from console.services.past import CheckThen, check_at, status_at
from console.services.report import write_report
from console.services.stats import KIND_ORDER, overview

at_option = click.option(
    "--at", "at", default=None, metavar="WHEN", help="the state at that moment (ISO 8601; a date alone is 00:00:00Z)"
)
known_now_option = click.option(
    "--as-known-now", is_flag=True, help="with --at: use every entry known today, not only those recorded by then"
)
inbound_option = click.option(
    "--inbound", is_flag=True, help="inbound DND (sms, call): messages or calls from the contact"
)


def show_status_at(
    ctx: AppContext, contact: str, at: str | None, as_known_now: bool, location: str | None, as_json: bool
) -> None:
    """``status CONTACT --at WHEN``."""
    if at is None:
        raise InvalidInput("--as-known-now needs --at WHEN")
    found = status_at(ctx, contact, at, as_known_now=as_known_now, location=location)
    if as_json:
        emit_json({"contacts": [then.as_dict() for then in found]})
        return
    for then in found:
        known = " (as known now)" if as_known_now else " (as recorded then)"
        click.echo(f"#{then.contact_id} {then.name} at {iso_utc(then.at_us)}{known}  status: {then.status.upper()}")
        for ch in then.channels:
            conn = "" if ch.connected else " (not connected)"
            cited = f" [#{', #'.join(map(str, ch.entries))}]" if ch.entries else ""
            if ch.state.dnd:
                lock = " LOCKED" if ch.state.locked else ""
                click.echo(
                    f"  {ch.channel.value:9} DND {ch.state.kind}{lock}: {reason_text(ch.state.reason)}"
                    f" since {iso_utc(ch.state.since_us)}{conn}{cited}"
                )
            else:
                click.echo(f"  {ch.channel.value:9} off{conn}{cited}")
            if ch.inbound is not None and ch.inbound.dnd:
                click.echo(f"  {'':9} inbound DND since {iso_utc(ch.inbound.since_us)}")


def run_check_at(
    ctx: AppContext,
    contact: str,
    channel: Channel,
    at: str | None,
    as_known_now: bool,
    inbound: bool,
    location: str | None,
    as_json: bool,
) -> None:
    """``check --at`` and ``check --inbound``: exit 0 allowed, 1 blocked."""
    if as_known_now and at is None:
        raise InvalidInput("--as-known-now needs --at WHEN")
    app = ctx
    if at is None:
        answer = check_inbound(app, contact, channel, location)
        data = answer.as_dict()
        allowed, why, who = answer.decision.allowed, answer.decision.reason, (answer.contact_id, answer.contact_name)
        when = ""
    else:
        then: CheckThen = check_at(
            app, contact, channel, at, as_known_now=as_known_now, inbound=inbound, location=location
        )
        data = then.as_dict()
        allowed, why, who = then.allowed, then.reason, (then.contact_id, then.contact_name)
        when = f" at {iso_utc(then.at_us)}"
        if then.entries:
            when += f" (entries #{', #'.join(map(str, then.entries))})"
    if as_json:
        emit_json(data)
    else:
        direction = f"{channel.label} from" if inbound else f"{channel.label} to"
        if allowed:
            click.echo(f"allowed: {direction} #{who[0]} {who[1]}{when}")
        else:
            click.echo(f"blocked: {direction} #{who[0]} {who[1]}: {reason_text(why) or why}{when}")
    sys.exit(0 if allowed else 1)


def run_set_inbound(
    ctx: AppContext, contact: str, channel: str, turn_on: bool, note: str | None, location: str | None, as_json: bool
) -> None:
    """``set --inbound``: an agent's inbound DND change (never refused: it has no locks)."""
    result: InboundResult = set_inbound(ctx, contact, channel, turn_on, note, location)
    if as_json:
        emit_json(result.as_dict())
        return
    word = "on" if turn_on else "off"
    for outcome in result.outcomes:
        if outcome.changed:
            click.echo(
                f"#{outcome.contact_id}: inbound DND {word} for {', '.join(c.channel.value for c in outcome.changed)}"
            )
        for _channel, message in outcome.unchanged:
            click.echo(f"#{outcome.contact_id}: {message}")


def write_inbound_export(ctx: AppContext, channel: str, fmt: str, output: str | None, location: str | None) -> None:
    """``export suppressions --inbound --channel call|sms``: ``address,since``, one number a line."""
    if fmt != "csv":
        raise InvalidInput("the inbound block list is written as csv (address,since)")
    blocks = block_list(ctx, channel, location)
    try:
        handle = Path(output).open("w", newline="", encoding="utf-8") if output else nullcontext(sys.stdout)  # noqa: SIM115
    except OSError as exc:
        raise InvalidInput(f"cannot write {output}: {exc.strerror}") from None
    with handle as stream:
        writer = csv.writer(stream)
        writer.writerow(["address", "since"])
        for block in blocks:
            writer.writerow([block.address, iso_utc(block.since_us) or ""])  # E.164 numbers: never formulas
    if output:
        click.echo(f"{len(blocks)} numbers written to {output}")


@click.command()
@location_option
@json_option
@pass_ctx
@user_errors
def stats(ctx: AppContext, location: str | None, as_json: bool) -> None:
    """The overview's figures: DND by channel and kind, new DND per week, open work."""
    figures = overview(ctx, location)
    if as_json:
        emit_json(figures.as_dict())
        return
    click.echo(f"{figures.location}: {figures.contacts} contacts")
    for channel in CHANNEL_ORDER:
        counts = ", ".join(f"{kind.value} {figures.count(channel, kind)}" for kind in KIND_ORDER)
        click.echo(f"  {channel.value:9} DND: {counts}")
    weeks = sorted({w.monday for w in figures.new_dnd_by_week})
    total = sum(w.count for w in figures.new_dnd_by_week)
    click.echo(f"  new DND over the last 12 months: {total} in {len(weeks)} weeks")
    click.echo(f"  opt-in reviews pending: {figures.reviews_pending}")
    click.echo(
        f"  possible opt-outs pending: {figures.opt_outs_pending}, overdue (over 10 business days):"
        f" {figures.opt_outs_overdue}"
    )
    if figures.opt_outs_by_age:
        ages = ", ".join(f"{days} days: {n}" for days, n in figures.opt_outs_by_age)
        click.echo(f"  possible opt-outs by business days waiting: {ages}")


@click.command()
@click.argument("contact")
@click.option("--format", "fmt", type=click.Choice(["html", "pdf"]), default="html", show_default=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True), help="the file")
@location_option
@pass_ctx
@user_errors
def report(ctx: AppContext, contact: str, fmt: str, output: str, location: str | None) -> None:
    """A consent record for a dispute or an audit: state now, every entry and its source, reviews, audit check."""
    size = write_report(ctx, contact, Path(output), fmt, location)
    click.echo(f"consent report written to {output} ({fmt}, {size} bytes)")


COMMANDS: list[click.Command] = [stats, report]
