"""Importing provider exports and contacts files: one batch, committed in chunks (``console.importers.pipeline``).

The batch row (files, sha256, who, counts) is the import's audit record, named by every ledger entry it causes.
Region and parsing processes come from Settings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from console.importers import registry
from console.importers.pipeline import run_import as run_pipeline
from console.importers.summary import ImportProgress, ImportSummary
from console.services.base import Outcome, actor
from console.services.context import AppContext
from console.store.changes import DND, Change
from console.store.locations import get_location

__all__ = ["ImportProgress", "ImportSummary", "file_patterns", "format_names", "import_files", "is_contacts_format"]

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
