"""Importing provider exports and contacts files: one batch, committed in chunks (``console.importers.pipeline``).

The batch row (files, sha256, who, counts) is the import's audit record, named by every ledger entry it causes.
Region and parsing processes come from Settings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from console.importers.base import FORMATS
from console.importers.pipeline import run_import as run_pipeline
from console.importers.summary import ImportProgress, ImportSummary
from console.services.base import Outcome, actor
from console.services.context import AppContext
from console.store.changes import DND, Change
from console.store.locations import get_location
from console.store.models import ImportReject, LedgerEntry, PossibleOptOut

__all__ = ["FORMATS", "FileResult", "ImportProgress", "ImportSummary", "file_results", "import_files"]

log = logging.getLogger("console.imports")

Progress = Callable[[ImportProgress], None]


def import_files(
    ctx: AppContext,
    paths: Sequence[Path],
    *,
    fmt: str | None = None,
    location: str | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    isolated: bool = False,
) -> Outcome[ImportSummary]:
    """Import ``paths`` into ``location`` as one batch. ``isolated``: in a process of its own (the window), so the
    caller's interpreter only relays progress. Stopping (``should_stop``, Ctrl-C) keeps what was committed."""
    with ctx.store.read() as session:
        who = actor(ctx, session)
        location_id = get_location(session, location).id
    log.info("import by %s into %s: %s", who, location or "Default", ", ".join(str(p) for p in paths))
    runner: Callable[..., ImportSummary] = run_pipeline
    if isolated:
        from console.importers.isolated import run_import_isolated

        runner = run_import_isolated
    summary = runner(
        ctx.store,
        list(paths),
        location=location,
        actor=who,
        fmt=fmt,
        region=ctx.region,
        progress=progress,
        should_stop=should_stop,
        workers=ctx.settings.import_workers,
    )
    log.info(
        "import batch %s %s: %s",
        summary.batch_id,
        "cancelled" if summary.cancelled else "done",
        {k: v for k, v in summary.as_dict().items() if isinstance(v, int)},
    )
    touched = frozenset(summary.affected_contact_ids)
    if summary.contacts is not None:
        touched |= frozenset(summary.contacts.contact_ids)
    return Outcome(summary, Change(DND, location_id, touched or None, who))


@dataclass(frozen=True, slots=True)
class FileResult:
    """What one file of a batch had: its records, the DND triggers it put in the ledger (applied, or kept
    unmatched), its possible opt-outs, its rejected records, and the rest (no effect, or already imported)."""

    path: str
    format: str
    records: int
    triggers: int = 0
    possible_opt_outs: int = 0
    rejected: int = 0
    other: int = 0
    #: For a contacts file: (created|updated|unchanged|rejected, count), when the batch had only that one.
    contacts: tuple[tuple[str, int], ...] = ()

    @property
    def name(self) -> str:
        return Path(self.path).name


def file_results(ctx: AppContext, summary: ImportSummary) -> list[FileResult]:
    """One line per file of an import, read back from the ledger (each file's entry range) and its rejects."""
    files = summary.files
    contact_files = [f for f in files if f["format"] == "contacts"]
    out: list[FileResult] = []
    with ctx.store.read() as session:
        rejected: dict[str, int] = {}
        if summary.batch_id is not None:
            rejected = {
                str(file): int(n)
                for file, n in session.execute(
                    select(ImportReject.file, func.count())
                    .where(ImportReject.batch_id == summary.batch_id)
                    .group_by(ImportReject.file)
                )
            }
        for f in files:
            path, fmt, records = str(f["path"]), str(f["format"]), int(f.get("records", 0))
            bad = rejected.get(path, rejected.get(Path(path).name, 0))
            if fmt == "contacts":
                counts: tuple[tuple[str, int], ...] = ()
                if summary.contacts is not None and len(contact_files) == 1:
                    c = summary.contacts
                    counts = (("created", c.created), ("updated", c.updated), ("unchanged", c.unchanged),
                              ("rejected", c.rejected))
                out.append(FileResult(path, fmt, records, rejected=bad, contacts=counts))
                continue
            entries = possible = 0
            span = summary.event_ranges.get(path)
            if span is not None:
                first, last = span
                entries = int(session.scalar(
                    select(func.count()).select_from(LedgerEntry)
                    .where(LedgerEntry.id.between(first, last), LedgerEntry.batch_id == summary.batch_id)
                ) or 0)
                possible = int(session.scalar(
                    select(func.count()).select_from(PossibleOptOut).where(PossibleOptOut.event_id.between(first, last))
                ) or 0)
            triggers = max(0, entries - possible)
            out.append(FileResult(path, fmt, records, triggers, possible, bad, max(0, records - entries - bad)))
    return out
