"""Running a whole import in a process of its own, for the window.

The window's interpreter then only relays progress: however big the import, the event loop never waits for
it, and the memory an import needs is given back when it ends. The importing process may start parsing
processes of its own for big files (``console.importers.parallel``).
"""

from __future__ import annotations

import multiprocessing
import queue
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from console.errors import ConsoleError, InvalidInput
from console.importers.pipeline import run_import
from console.importers.summary import ImportProgress, ImportSummary
from console.store.db import Store

PROGRESS_EVERY_S = 0.05


def _child(url: str, paths: list[str], options: dict[str, Any], messages: Any, stop: Any) -> None:
    store = Store(url, migrate=False)
    last = [0.0]

    def progress(update: ImportProgress) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY_S:
            last[0] = now
            messages.put(("progress", update))

    try:
        summary = run_import(store, [Path(p) for p in paths], progress=progress, should_stop=stop.is_set, **options)
        messages.put(("done", summary))
    except ConsoleError as exc:
        messages.put(("failed", str(exc)))
    except BaseException:
        messages.put(("crashed", traceback.format_exc()))
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
    """``run_import`` in a separate process; same arguments, same result and errors."""
    if ":memory:" in store.url or "mode=memory" in store.url:  # another process could not see that database
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
    context = multiprocessing.get_context("spawn")
    messages = context.Queue()
    stop = context.Event()
    options = {"location": location, "actor": actor, "fmt": fmt, "region": region, "workers": workers}
    child = context.Process(
        target=_child, args=(store.url, [str(p) for p in paths], options, messages, stop), name="dnd-import"
    )
    child.start()
    try:
        while True:
            if should_stop is not None and should_stop():
                stop.set()
            try:
                kind, payload = messages.get(timeout=0.1)
            except queue.Empty:
                if not child.is_alive() and messages.empty():
                    raise RuntimeError(
                        f"the import process stopped unexpectedly (exit code {child.exitcode})"
                    ) from None
                continue
            if kind == "progress":
                if progress is not None:
                    progress(payload)
            elif kind == "done":
                summary: ImportSummary = payload
                return summary
            elif kind == "failed":
                raise InvalidInput(payload)
            else:
                raise RuntimeError(f"the import process failed:\n{payload}")
    finally:
        stop.set()
        child.join(timeout=60)
        if child.is_alive():
            child.terminate()
