"""Bulk ``set`` (several contacts, ``--from-file``, ``--dry-run``) and ``undo BATCH``."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click

from console.commands.support import emit_json, json_option, pass_ctx, user_errors
from console.domain.bulk import refs_from_text
from console.domain.channels import parse_channel
from console.errors import InvalidInput
from console.services import bulk
from console.services.context import AppContext


def read_refs(contacts: Sequence[str], from_file: str | None) -> list[str]:
    refs = list(contacts)
    if from_file is not None:
        try:
            text = Path(from_file).read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise InvalidInput(f"cannot read {from_file}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise InvalidInput(f"{from_file} is not UTF-8 text") from None
        refs.extend(refs_from_text(text))
    return refs


def run_bulk_set(
    ctx: AppContext,
    contacts: Sequence[str],
    from_file: str | None,
    channel: str,
    turn_on: bool,
    note: str | None,
    dry_run: bool,
    location: str | None,
    as_json: bool,
    until: str | None = None,
) -> None:
    """A bulk change (or its dry run): the preview, then exit 1 when anything was refused or unknown."""
    if not note or not note.strip():
        raise InvalidInput("a bulk change needs --note (why, kept in the history)")
    channels = None if channel.lower() == "all" else [parse_channel(c) for c in channel.split(",")]
    refs = read_refs(contacts, from_file)
    result = bulk.bulk_set(ctx, refs, channels, turn_on, note, dry_run, location, until=until).result
    shape = result.as_dict()
    if as_json:
        emit_json(shape)
    else:
        head, verb = (
            ("dry run, nothing changed", "will change")
            if result.batch is None
            else (f"batch {result.batch}", "changed")
        )
        click.echo(
            f"{head}: {shape['contacts']} contacts, {shape['changed']} {verb}, {shape['unchanged']} already so,"
            f" {len(result.preview.refused)} refused, {len(result.preview.unknown)} unknown"
        )
        for refusal in result.preview.refused:
            click.echo(f"#{refusal.contact}: refused {refusal.channel.value}: {refusal.reason}", err=True)
        for ref in result.preview.unknown:
            click.echo(f"unknown: {ref}", err=True)
    sys.exit(1 if result.refused else 0)


@click.command()
@click.argument("batch", type=int)
@json_option
@pass_ctx
@user_errors
def undo(ctx: AppContext, batch: int, as_json: bool) -> None:
    """Revert what a bulk change (or an import) changed and is still in effect; what changed since is left."""
    result = bulk.undo_batch(ctx, batch).result
    if as_json:
        emit_json(result.as_dict())
        return
    click.echo(f"batch {result.batch} undid batch {result.undid}: {result.reverted} channels reverted")
    for row in result.left:
        click.echo(f"#{row['contact']}: {row['channel']} left alone: {row['reason']}")


COMMANDS = [undo]
