"""``dnd-console import``: provider exports and contacts files into the ledger."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from console.commands.support import emit_json, json_option, location_option, pass_ctx, user_errors
from console.services.context import AppContext
from console.services.imports import ImportProgress, ImportSummary, format_names, import_files, is_contacts_format


def _progress_text(progress: ImportProgress | None) -> str | None:
    if progress is None:
        return None
    return f"{progress.records:>10,} records  {progress.records_per_s:>9,.0f}/s"


class TerminalProgress:
    """click's progress bar on stderr, one per file: bytes read, records and records per second."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._file = ""

    def __call__(self, progress: ImportProgress) -> None:
        if self._bar is None or progress.file != self._file:
            self.close()
            self._file = progress.file
            self._bar = click.progressbar(
                length=max(progress.bytes_total, 1),
                label=f"{Path(progress.file).name[-30:]:30}",
                item_show_func=_progress_text,
                file=sys.stderr,
            )
            self._bar.__enter__()
        self._bar.update(max(progress.bytes_done - self._bar.pos, 0), progress)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


class FormatChoice(click.Choice):  # type: ignore[type-arg]
    """``--format``: the formats registered when the command runs (a format module may be added at any time)."""

    def __init__(self) -> None:
        super().__init__(())

    @property
    def choices(self) -> tuple[str, ...]:
        return format_names()

    @choices.setter
    def choices(self, value: object) -> None:
        pass  # click sets the choices it was built with: the registry's are read each time instead


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
    if not all(is_contacts_format(f["format"]) for f in summary.files):
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
@click.option("--format", "fmt", type=FormatChoice(), default=None, help="override format detection")
@location_option
@json_option
@pass_ctx
@user_errors
def import_command(
    ctx: AppContext, files: tuple[Path, ...], fmt: str | None, location: str | None, as_json: bool
) -> None:
    """Import provider exports and contacts files (format detected from content)."""
    bar = TerminalProgress() if sys.stderr.isatty() else None
    try:
        summary = import_files(ctx, list(files), fmt=fmt, location=location, progress=bar).result
    finally:
        if bar is not None:
            bar.close()
    if as_json:
        emit_json(summary.as_dict(contact_ids=True))
    else:
        print_summary(summary)
    sys.exit(1 if summary.any_rejected else 0)


COMMANDS = [import_command]
