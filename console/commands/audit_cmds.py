"""``audit verify [--checkpoint FILE] [--replay]`` and ``audit checkpoint -o FILE`` (CLI.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from console.commands.support import Context, emit_json, json_option, pass_ctx, user_errors
from console.domain.events import now_us
from console.errors import Refused
from console.store.audit import VerifyResult, verify_chain
from console.store.audit_checks import (
    checkpoint_data,
    checkpoint_problem,
    first_state_difference,
    read_checkpoint,
    write_checkpoint,
)
from console.store.identity import role_of


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
def audit_verify(ctx: Context, checkpoint_path: Path | None, replay: bool, as_json: bool) -> None:
    """Check the chain, its seals and anchors (exit 0 intact, 1 naming the first problem)."""
    checkpoint = read_checkpoint(checkpoint_path) if checkpoint_path is not None else None
    extra: dict[str, Any] = {}
    with ctx.store.read() as session:
        result = verify_chain(session)
        if result.ok and checkpoint is not None:
            problem = checkpoint_problem(session, checkpoint)
            extra["checkpoint_entry"] = checkpoint.entry
            if problem is not None:
                result = VerifyResult(False, result.entries, checkpoint.entry, problem)
        if result.ok and replay:
            difference = first_state_difference(session)
            if difference is not None:
                result = VerifyResult(
                    False, result.entries, None, difference.describe(), difference.contact_id, difference.channel.value
                )
    if as_json:
        data: dict[str, Any] = {
            "ok": result.ok,
            "entries": result.entries,
            "broken_entry": result.broken_id,
            "problem": result.problem,
            **extra,
        }
        if result.contact_id is not None:
            data.update(contact=result.contact_id, channel=result.channel)
        emit_json(data)
    elif result.ok:
        checked = ["seals", "anchors"] + (["checkpoint"] if checkpoint else []) + (["stored states"] if replay else [])
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
def audit_checkpoint(ctx: Context, output: Path, as_json: bool) -> None:
    """Write the head's position and seal to a file (admin), for verify --checkpoint later."""
    with ctx.store.read() as session:
        actor = ctx.actor(session)
        if role_of(session, actor) != "admin":
            raise Refused(f"{actor} is not an admin: only an admin can write an audit checkpoint")
        result = verify_chain(session)
    if not result.ok:
        raise Refused(f"no checkpoint written: the audit chain is broken ({result.problem})")
    data = checkpoint_data(result, actor, now_us())
    write_checkpoint(output, data)
    if as_json:
        emit_json(data)
    else:
        click.echo(f"checkpoint of entry {data['entry']} written to {output}")


COMMANDS = [audit]
