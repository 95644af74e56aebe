"""Running a whole import in a process of its own, for the window.

The window's interpreter then only relays progress: however big the import, the event loop never waits for
it, and the memory an import needs is given back when it ends. The importing process may start parsing
processes of its own for big files (``console.importers.parallel``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from console.errors import ConsoleError
from console.importers import registry
from console.importers.pipeline import run_import
from console.importers.processes import Children, Done, Outbox
from console.importers.summary import ImportProgress, ImportSummary
from console.store.db import Store

PROGRESS_EVERY_S = 0.05


@dataclass(frozen=True, slots=True)
class Progressed:
    progress: ImportProgress


def _child(outbox: Outbox, url: str, paths: list[str], options: dict[str, Any]) -> ImportSummary:
    """The import; its summary (``Done``), or a ``ConsoleError`` said in one line, is sent for it by ``processes``."""
    store = Store(url, migrate=False)
    last = [0.0]

    def progress(update: ImportProgress) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY_S:
            last[0] = now
            outbox.send(Progressed(update))

    try:
        return run_import(store, [Path(p) for p in paths], progress=progress, should_stop=outbox.stopping, **options)
    finally:
        store.dispose()


def run_import_isolated(
    store: Store,
    paths: Sequence[Path],
    *,
    location: str | None,
    actor: str,
    fmt: str | None = None,
    region: str = "US",
    progress: Callable[[ImportProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    workers: int | None = None,
) -> ImportSummary:
    """``run_import`` in a separate process; same arguments, same result and errors.

    ``should_stop`` is relayed to the import process, which stops after the record batch in hand and reports
    what it committed (the batch is marked cancelled)."""
    here_only = not all(registry.in_every_process(f.name) for f in registry.formats())
    if here_only or ":memory:" in store.url or "mode=memory" in store.url:
        # another process could not see that database, or would not know a format registered at run time
        return run_import(
            store,
            paths,
            location=location,
            actor=actor,
            fmt=fmt,
            region=region,
            progress=progress,
            should_stop=should_stop,
            workers=workers,
        )
    options = {"location": location, "actor": actor, "fmt": fmt, "region": region, "workers": workers}
    job = (store.url, [str(p) for p in paths], options)
    with Children(_child, [job], "dnd-import", user_errors=(ConsoleError,)) as child:
        for message in child.relay("the import process", 0.05, should_stop, answer_stop=True):
            if isinstance(message, Progressed):
                if progress is not None:
                    progress(message.progress)
            elif isinstance(message, Done):
                summary: ImportSummary = message.result
                return summary
    raise RuntimeError("the import process ended without its summary")
