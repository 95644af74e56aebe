"""``audit verify [--checkpoint FILE] [--replay]``, ``audit checkpoint -o FILE`` and ``audit log`` (CLI.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from console.commands.support import emit_json, json_option, pass_ctx, user_errors
from console.domain.events import iso_utc
from console.services import audit as audit_services
from console.services.context import AppContext


@click.group()
def audit() -> None:
    """The sealed, tamper-evident audit chain."""


@audit.command("verify")
@click.option(
    "--checkpoint",
    "checkpoint_path",
    type=click.Path(path_type=Path),
    default=None,
    help="also check that the ledger still contains this checkpoint (from audit checkpoint)",
)
@click.option("--replay", is_flag=True, help="also compare every stored channel state with the replayed ledger")
@json_option
@pass_ctx
@user_errors
def audit_verify(ctx: AppContext, checkpoint_path: Path | None, replay: bool, as_json: bool) -> None:
    """Check the chain, its seals and anchors (exit 0 intact, 1 naming the first problem)."""
    found = audit_services.verify_all(ctx, checkpoint_path, replay)
    result = found.result
    if as_json:
        data: dict[str, Any] = {
            "ok": result.ok,
            "entries": result.entries,
            "broken_entry": result.broken_id,
            "problem": result.problem,
        }
        if found.checkpoint_entry is not None:
            data["checkpoint_entry"] = found.checkpoint_entry
        if result.contact_id is not None:
            data.update(contact=result.contact_id, channel=result.channel)
        emit_json(data)
    elif result.ok:
        checked = ["seals", "anchors"] + (["checkpoint"] if found.checkpoint_entry is not None else [])
        checked += ["stored states"] if replay else []
        click.echo(f"audit chain intact: {result.entries} entries ({', '.join(checked)} checked)")
    elif result.contact_id is not None:
        click.echo(f"stored state differs from the ledger: {result.problem}")
    elif result.broken_id is not None:
        click.echo(f"audit chain broken at entry {result.broken_id}: {result.problem}")
    else:
        click.echo(f"audit chain broken: {result.problem}")
    sys.exit(0 if result.ok else 1)


@audit.command("checkpoint")
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(path_type=Path),
    required=True,
    help="the file to write (keep it away from this desk)",
)
@json_option
@pass_ctx
@user_errors
def audit_checkpoint(ctx: AppContext, output: Path, as_json: bool) -> None:
    """Write the head's position and seal to a file (admin), for verify --checkpoint later."""
    data = audit_services.checkpoint(ctx, output)
    if as_json:
        emit_json(data)
    else:
        click.echo(f"checkpoint of entry {data['entry']} written to {output}")


@audit.command("log")
@click.option("--since", "since", default=None, metavar="WHEN", help="only entries at or after WHEN (ISO 8601, UTC)")
@json_option
@pass_ctx
@user_errors
def audit_log(ctx: AppContext, since: str | None, as_json: bool) -> None:
    """Every ledger entry not about one contact (connections, locations, agents, grants, batches, undo)."""
    entries = audit_services.audit_log(ctx, audit_services.parse_since(since) if since else None)
    if as_json:
        emit_json({"entries": [e.as_dict() for e in entries]})
        return
    for e in entries:
        detail = ", ".join(f"{k}={v}" for k, v in sorted(e.detail.items()))
        click.echo(f"#{e.id}\t{iso_utc(e.at_us)}\t{e.actor}\t{e.reason}" + (f"\t{detail}" if detail else ""))
    if not entries:
        click.echo("no entries" + (f" since {since}" if since else ""))


COMMANDS = [audit]
