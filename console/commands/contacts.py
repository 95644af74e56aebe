"""Contacts: adding them, their status and their history."""

from __future__ import annotations

import sys

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
from console.domain.channels import Channel, DndKind
from console.domain.explain import reason_text
from console.domain.state import Status
from console.errors import UserError
from console.services.contact_list import DEFAULT_LIMIT, contact_filter, export_contacts_csv, list_contacts
from console.services.context import AppContext, Settings
from console.services.inbound import add_inbound_to_status
from console.store.contacts import add_contact
from console.store.history import contact_history
from console.store.queries import contact_status


@click.group()
def contacts() -> None:
    """Contacts of a location."""


@contacts.command("add")
@click.option("--name", required=True)
@click.option("--email", default=None)
@click.option("--phone", default=None)
@click.option("--external-id", default=None)
@location_option
@json_option
@pass_ctx
@user_errors
def contacts_add(
    ctx: Context,
    name: str,
    email: str | None,
    phone: str | None,
    external_id: str | None,
    location: str | None,
    as_json: bool,
) -> None:
    """Add a contact; events already imported for its address apply at once."""
    with ctx.store.write() as session:
        loc = ctx.location(session, location)
        contact = add_contact(session, loc.id, name, email, phone, external_id, ctx.region)
        new_id = contact.id
    emit_json({"id": new_id}) if as_json else click.echo(new_id)


def _limit(_ctx: click.Context, _param: click.Parameter, value: int) -> int:
    if value < 0:
        raise UserError(f"--limit {value} is negative (0 lists every match)")
    return value


@contacts.command("list")
@click.option("--search", default="", help="any part of a name, email or phone")
@click.option("--status", "status_", type=click.Choice([s.value for s in Status]), default=None)
@channel_option(required=False)
@click.option("--kind", type=click.Choice([k.value for k in DndKind]), default=None)
@click.option("--limit", type=int, default=DEFAULT_LIMIT, show_default=True, callback=_limit, help="0: every match")
@click.option("--csv", "as_csv", is_flag=True, help="CSV on stdout, one column per channel")
@location_option
@json_option
@pass_ctx
@user_errors
def contacts_list(
    ctx: Context,
    search: str,
    status_: str | None,
    channel: str | None,
    kind: str | None,
    limit: int,
    as_csv: bool,
    location: str | None,
    as_json: bool,
) -> None:
    """The window's list and filters, in name order."""
    if as_json and as_csv:
        raise UserError("choose one of --json and --csv")
    app = AppContext(Settings.from_env(ctx.db, ctx.region), ctx.store)
    wanted = (
        Status(status_) if status_ else None,
        Channel(channel) if channel else None,
        DndKind(kind) if kind else None,
    )
    flt = contact_filter(app, location, search, *wanted)
    if as_csv:
        export_contacts_csv(app, flt, sys.stdout, limit or None)
        return
    result = list_contacts(app, flt, limit or None)
    if as_json:
        emit_json(result.as_dict())
        return
    for row in result.contacts:
        dnd = ", ".join(f"{channel} {kind}" for channel, kind in row.dnd.items()) or "no DND"
        click.echo(f"#{row.id} {row.name} <{row.email or '-'}> {row.phone or '-'}  {row.status.upper()}: {dnd}")
    click.echo(f"{len(result.contacts)} of {result.total} contacts")


@click.command()
@click.argument("contact")
@insight.at_option
@insight.known_now_option
@location_option
@json_option
@pass_ctx
@user_errors
def status(ctx: Context, contact: str, at: str | None, as_known_now: bool, location: str | None, as_json: bool) -> None:
    """A contact's DND on every channel, and the status badge (``--at``: as it was at that moment)."""
    if at is not None or as_known_now:
        return insight.show_status_at(ctx, contact, at, as_known_now, location, as_json)
    with ctx.store.read() as session:
        rows = [contact_status(session, c) for c in ctx.contacts(session, contact, location)]
    rows = add_inbound_to_status(insight.app_context(ctx), rows)
    if as_json:
        emit_json({"contacts": rows})
        return
    for row in rows:
        click.echo(
            f"#{row['id']} {row['name']} <{row['email'] or '-'}> {row['phone'] or '-'}  "
            f"[{row['location']}]  status: {str(row['status']).upper()}"
        )
        channels = row["channels"]
        assert isinstance(channels, dict)
        for name, ch in channels.items():
            conn = "" if ch["connected"] else " (not connected)"
            if ch["dnd"]:
                lock = " LOCKED" if ch["locked"] else ""
                click.echo(
                    f"  {name:9} DND {ch['kind']}{lock}: {reason_text(ch['reason'])} since {ch['since']}"
                    f" ({ch['source']}){conn}"
                )
            else:
                click.echo(f"  {name:9} off{conn}")
            if ch.get("inbound", {}).get("dnd"):
                click.echo(f"  {'':9} inbound DND since {ch['inbound']['since']}")


@click.command()
@click.argument("contact")
@location_option
@json_option
@pass_ctx
@user_errors
def history(ctx: Context, contact: str, location: str | None, as_json: bool) -> None:
    """A contact's ledger entries in order of occurrence, with each channel's state before and after."""
    with ctx.store.read() as session:
        found = ctx.contacts(session, contact, location)
        entries = {c.id: [{**e.as_dict(), "contact": c.id} for e in contact_history(session, c)] for c in found}
        names = {c.id: c.name for c in found}
    if as_json:
        emit_json([row for rows in entries.values() for row in rows])
        return
    for cid, rows in entries.items():
        click.echo(f"#{cid} {names[cid]}")
        for row in rows:
            before, after = row["before"], row["after"]
            assert isinstance(before, dict) and isinstance(after, dict)
            state = lambda s: f"{s['kind']} ({s['reason']})" if s["dnd"] else "off"  # noqa: E731
            click.echo(
                f"  {row['at']}  {row['channel']:9} {state(before)} -> {state(after)}  "
                f"{row['source']}/{row['reason']} by {row['actor']} [#{row['event']}]"
            )
        if not rows:
            click.echo("  no DND history")


COMMANDS = [contacts, status, history]
