"""Importing provider exports and contacts files: one batch, committed in chunks (``console.importers.pipeline``).

The batch row (files, sha256, who, counts) is the import's audit record, named by every ledger entry it causes.
Region and parsing processes come from Settings.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import func, select

from console.errors import WriterNeeded
from console.importers import registry
from console.importers.base import Reject
from console.importers.contact_sync import ContactsSummary
from console.importers.pipeline import run_import as run_pipeline
from console.importers.summary import ImportProgress, ImportSummary
from console.services.base import Outcome, actor
from console.services.context import AppContext
from console.store.bulk import batch_contacts
from console.store.changes import DND, Change
from console.store.ledger import APPLIED, DUPLICATE, NO_EFFECT, UNMATCHED
from console.store.locations import get_location
from console.store.models import ImportBatch, ImportReject, LedgerEntry, PossibleOptOut

__all__ = [
    "FileResult",
    "ImportProgress",
    "ImportSummary",
    "file_patterns",
    "file_results",
    "format_names",
    "import_files",
    "is_contacts_format",
    "summary_from_json",
]

log = logging.getLogger("console.imports")

Progress = Callable[[ImportProgress], None]


def format_names() -> tuple[str, ...]:
    """The ``--format`` names: every registered format (``console.importers.registry``)."""
    return registry.names()


def file_patterns() -> tuple[str, ...]:
    """File name patterns of every registered format (``*.csv``, ``*.jsonl``...), for a file dialog's filter."""
    return registry.file_patterns()


def is_contacts_format(name: str) -> bool:
    """Whether a file of this format is a contacts file (synced into the contact list, no ledger events)."""
    return registry.is_contacts(name)


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
    caller's interpreter only relays progress. Stopping (``should_stop``, Ctrl-C) keeps what was committed.

    A login set up with ``db grant`` raises :class:`WriterNeeded` before anything is read: its import goes to the
    team's writer (``services.forwarded.import_files``, or the command line's forwarding)."""
    if ctx.store.writes_through_writer():
        raise WriterNeeded(ctx.store)
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
    contact_files = [f for f in files if registry.is_contacts(str(f["format"]))]
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
            if registry.is_contacts(fmt):
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


def summary_from_json(ctx: AppContext, data: dict[str, Any]) -> ImportSummary:
    """The summary of an import another process ran (the team's writer), from its ``import --json`` answer (CLI.md)
    and what the database says of its batch: each file's ledger entries (which file a record came from) and the
    contacts whose DND an entry of the batch changed, as a summary of an import run here has them. The contacts a
    contacts file created or updated are the answer's ``contact_ids``."""
    def rejects(rows: Any) -> list[Reject]:
        return [Reject(str(r["file"]), int(r["line"]), str(r["error"]), "") for r in rows or []]

    def contacts_of(part: dict[str, Any]) -> ContactsSummary:
        return ContactsSummary(int(part.get("records", 0)), int(part.get("created", 0)), int(part.get("updated", 0)),
                               int(part.get("unchanged", 0)), int(part.get("rejected", 0)),
                               rejects(part.get("rejects")), {int(i) for i in part.get("contact_ids") or ()})

    files = [dict(f) for f in data.get("files", [])]
    batch = data.get("batch")
    summary = ImportSummary(files=files, cancelled=bool(data.get("cancelled")),
                            batch_id=int(batch) if batch is not None else None)
    if "applied" not in data:  # only contacts files: the contacts' shape (CLI.md)
        summary.contacts = contacts_of(data)
    else:
        summary.counts = Counter({APPLIED: int(data["applied"]), NO_EFFECT: int(data.get("no_effect", 0)),
                                  DUPLICATE: int(data.get("duplicates", 0)), UNMATCHED: int(data.get("unmatched", 0))})
        summary.possible_opt_outs = int(data.get("possible_opt_outs", 0))
        summary.held_opt_ins = int(data.get("held_opt_ins", 0))
        summary.rejects = rejects(data.get("rejects"))
        summary.rejected_total = int(data.get("rejected", 0))
        by_label = data.get("no_effect_by_label") or {}
        summary.no_effect_by_label = Counter({str(k): int(v) for k, v in by_label.items()})
        if data.get("contacts"):
            summary.contacts = contacts_of(data["contacts"])
    if summary.batch_id is None:
        return summary
    with ctx.store.read() as session:
        row = session.get(ImportBatch, summary.batch_id)
        try:
            listed = orjson.loads(row.files) if row is not None and row.files else []
        except orjson.JSONDecodeError:
            listed = []
        for entry in listed:
            events = entry.get("events") if isinstance(entry, dict) else None
            if isinstance(events, list) and len(events) == 2:
                summary.event_ranges[str(entry["path"])] = [int(events[0]), int(events[1])]
        summary.affected_contact_ids = set(batch_contacts(session, summary.batch_id))
    return summary
