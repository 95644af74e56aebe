"""Contacts: adding and editing them, their status and their history."""

from __future__ import annotations

import sys

import click

from console.commands import insight
from console.commands.support import channel_option, emit_json, json_option, location_option, pass_ctx, user_errors
from console.domain.channels import Channel, DndKind
from console.domain.explain import reason_text
from console.domain.state import Status
from console.errors import UserError
from console.services import contacts as contact_services
from console.services import reads
from console.services.contact_list import DEFAULT_LIMIT, contact_filter, export_contacts_csv, list_contacts
from console.services.context import AppContext
from console.services.inbound import add_inbound_to_status


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
    ctx: AppContext,
    name: str,
    email: str | None,
    phone: str | None,
    external_id: str | None,
    location: str | None,
    as_json: bool,
) -> None:
    """Add a contact; events already imported for its address apply at once."""
    added = contact_services.add_contact(ctx, name, email, phone, external_id, location).result
    if as_json:
        emit_json({"id": added.id})
    else:
        click.echo(added.id)


@contacts.command("edit")
@click.argument("contact")
@click.option("--name", default=None, help="the new name")
@click.option("--email", default=None, help="the new email address ('' removes it)")
@click.option("--phone", default=None, help="the new phone number, any common format ('' removes it)")
@location_option
@json_option
@pass_ctx
@user_errors
def contacts_edit(
    ctx: AppContext,
    contact: str,
    name: str | None,
    email: str | None,
    phone: str | None,
    location: str | None,
    as_json: bool,
) -> None:
    """Change a contact's name, email or phone. A new address applies the events already kept for it; the old
    address's DND stays in the history. Refused (exit 2) when CONTACT names several contacts."""
    edit = contact_services.edit_contact(ctx, contact, name, email, phone, location).result
    if as_json:
        emit_json({"contact": edit.status.as_dict(), "readdressed": edit.readdressed})
        return
    after = edit.after
    click.echo(f"#{after.id} {after.name} <{after.email or '-'}> {after.phone or '-'}  status: {edit.status.status}")


def _history_state(s: dict[str, object]) -> str:
    if not s["dnd"]:
        return "off"
    return f"{s['kind']} ({s['reason']})" + (f" until {s['until']}" if s.get("until") else "")


def _state_line(ch: dict[str, object]) -> str:
    if not ch["dnd"]:
        return "off"
    lock = " LOCKED" if ch["locked"] else ""
    end = f" until {ch['until']}" if ch.get("until") else ""
    return f"DND {ch['kind']}{lock}: {reason_text(str(ch['reason']))} since {ch['since']}{end} ({ch['source']})"


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
    ctx: AppContext,
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
    wanted = (
        Status(status_) if status_ else None,
        Channel(channel) if channel else None,
        DndKind(kind) if kind else None,
    )
    flt = contact_filter(ctx, location, search, *wanted)
    if as_csv:
        export_contacts_csv(ctx, flt, sys.stdout, limit or None)
        return
    result = list_contacts(ctx, flt, limit or None)
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
def status(
    ctx: AppContext, contact: str, at: str | None, as_known_now: bool, location: str | None, as_json: bool
) -> None:
    """A contact's DND on every channel, and the status badge (``--at``: as it was at that moment)."""
    if at is not None or as_known_now:
        return insight.show_status_at(ctx, contact, at, as_known_now, location, as_json)
    rows = add_inbound_to_status(ctx, [view.as_dict() for view in reads.status(ctx, contact, location)])
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
            click.echo(f"  {name:9} {_state_line(ch)}{conn}")
            if ch.get("inbound", {}).get("dnd"):
                click.echo(f"  {'':9} inbound DND since {ch['inbound']['since']}")


@click.command()
@click.argument("contact")
@location_option
@json_option
@pass_ctx
@user_errors
def history(ctx: AppContext, contact: str, location: str | None, as_json: bool) -> None:
    """A contact's ledger entries in order of occurrence, with each channel's state before and after."""
    views = reads.history(ctx, contact, location)
    if as_json:
        emit_json([{**e.as_dict(), "contact": v.contact.id} for v in views for e in v.entries])
        return
    for view in views:
        click.echo(f"#{view.contact.id} {view.contact.name}")
        for entry in view.entries:
            row = entry.as_dict()
            before, after = row["before"], row["after"]
            assert isinstance(before, dict) and isinstance(after, dict)
            state = _history_state
            detail = entry.event.detail or {}
            end = f"  {reason_text(entry.event.reason, detail)}" if "until" in detail else ""
            click.echo(
                f"  {row['at']}  {row['channel']:9} {state(before)} -> {state(after)}  "
                f"{row['source']}/{row['reason']} by {row['actor']} [#{row['event']}]{end}"
            )
        if not view.entries:
            click.echo("  no DND history")


COMMANDS = [contacts, status, history]
