"""``dnd-console import``: provider exports and contacts files into the ledger."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from console.commands.support import Context, emit_json, json_option, location_option, pass_ctx, user_errors
from console.importers.base import FORMATS
from console.importers.pipeline import run_import
from console.importers.summary import ImportProgress, ImportSummary
from console.store.identity import current_actor


class TerminalProgress:
    """A one-line progress bar on stderr: percent of bytes read, records and records per second."""

    def __init__(self) -> None:
        self.shown = False

    def __call__(self, progress: ImportProgress) -> None:
        percent = 100.0 * progress.bytes_done / progress.bytes_total if progress.bytes_total else 100.0
        width = 30
        filled = int(width * min(percent, 100.0) / 100)
        bar = "#" * filled + "-" * (width - filled)
        name = Path(progress.file).name[-30:]
        sys.stderr.write(
            f"\r{name:30} [{bar}] {percent:5.1f}%  {progress.records:>10,} records  {progress.records_per_s:>9,.0f}/s"
        )
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")


def print_summary(summary: ImportSummary) -> None:
    data = summary.as_dict()
    for item in summary.files:
        click.echo(f"{item['path']}: {item['format']}, {item['records']} records")
    if summary.contacts is not None:
        c = summary.contacts
        click.echo(
            f"contacts: {c.records} records = {c.created} created + {c.updated} updated + "
            f"{c.unchanged} unchanged + {c.rejected} rejected"
        )
        for r in c.rejects[:50]:
            click.echo(f"  rejected {r.file}:{r.line}: {r.error}")
    if any(f["format"] != "contacts" for f in summary.files):
        click.echo(
            f"events: {data['records']} records = {data['applied']} applied + {data['no_effect']} no effect + "
            f"{data['duplicates']} duplicates + {data['unmatched']} unmatched + {data['rejected']} rejected"
        )
        if summary.possible_opt_outs:
            click.echo(
                f"possible opt-outs for an agent to review: {summary.possible_opt_outs} "
                "(dnd-console possible-opt-outs list)"
            )
        if summary.held_opt_ins:
            click.echo(
                f"opt-ins held for a reviewer (they would lift a permanent or spam DND): {summary.held_opt_ins} "
                "pending opt-in reviews (dnd-console review list)"
            )
        if summary.no_effect_by_label:
            click.echo("no effect, by event and reason:")
            for label, count in summary.no_effect_by_label.most_common():
                click.echo(f"  {label}: {count}")
        for r in summary.rejects[:200]:
            click.echo(f"  rejected {r.file}:{r.line}: {r.error}")
        if summary.rejected_total > len(summary.rejects[:200]):
            click.echo(f"  ... {summary.rejected_total - 200} more rejects kept in import batch {summary.batch_id}")
    if summary.cancelled:
        click.echo("import cancelled: what was committed is kept; run it again to complete it")


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None, help="override format detection")
@location_option
@json_option
@pass_ctx
@user_errors
def import_command(ctx: Context, files: tuple[Path, ...], fmt: str | None, location: str | None, as_json: bool) -> None:
    """Import provider exports and contacts files (format detected from content)."""
    with ctx.store.read() as session:
        actor = current_actor(session)
    bar = TerminalProgress() if sys.stderr.isatty() else None
    try:
        summary = run_import(
            ctx.store, list(files), location=location, actor=actor, fmt=fmt, region=ctx.region, progress=bar
        )
    finally:
        if bar is not None:
            bar.close()
    if as_json:
        emit_json(summary.as_dict())
    else:
        print_summary(summary)
    sys.exit(1 if summary.any_rejected else 0)


COMMANDS = [import_command]
