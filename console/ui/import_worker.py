"""Running an import on a background thread. Progress, the summary and errors come back to the GUI by signal."""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from console.errors import UserError
from console.services.context import AppContext

PROGRESS_EVERY_S = 0.05
#: An import run in place of the service (tests): ``runner(store, paths, location=, actor=, region=, progress=,
#: should_stop=)`` returning the summary.
Runner = Callable[..., Any]


class ImportSignals(QObject):
    progress = Signal(object)  # ImportProgress
    finished = Signal(object)  # ImportSummary
    failed = Signal(str)  # a message the agent can act on
    crashed = Signal(str)  # a traceback: a bug
    waiting = Signal(str)  # handed to the team's writer: the words to show while it imports


class ImportJob(QRunnable):
    """One import run. ``cancel()`` asks the importer to stop after the chunk in hand (committed chunks stay)."""

    def __init__(
        self,
        ctx: AppContext,
        paths: Sequence[Path],
        location: str,
        actor: str,
        runner: Runner | None = None,
    ) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.signals = ImportSignals()
        self._ctx = ctx
        self._paths = list(paths)
        self._location = location
        self._actor = actor
        self._runner = runner
        self._stop = threading.Event()
        self._last_progress = 0.0
        self.affected: frozenset[int] | None = None
        self.files: list[Any] | None = None
        #: Handed to the team's writer (a login set up with db grant): Cancel cancels the import in the writer.
        self.forwarded = False

    def cancel(self) -> None:
        self._stop.set()

    @property
    def cancelled(self) -> bool:
        return self._stop.is_set()

    def _progress(self, progress: Any) -> None:
        now = time.monotonic()
        if now - self._last_progress >= PROGRESS_EVERY_S:
            self._last_progress = now
            self.signals.progress.emit(progress)

    def _import(self) -> Any:
        """Through the import service, in a process of its own (the window's interpreter only relays progress)."""
        if self._runner is not None:
            return self._runner(self._ctx.store, self._paths, location=self._location, actor=self._actor,
                                region=self._ctx.region, progress=self._progress, should_stop=self._stop.is_set)
        from console.errors import WriterNeeded
        from console.services.imports import import_files

        try:
            return import_files(self._ctx, self._paths, location=self._location, progress=self._progress,
                                should_stop=self._stop.is_set, isolated=True).result
        except WriterNeeded as needed:  # a login set up with db grant: the team's writer imports the files
            from console.services import forwarded

            self.forwarded = True
            self.signals.waiting.emit("Sent to the team's writer; waiting for its summary...")
            return forwarded.import_files(self._ctx, needed, self._paths, self._location,
                                          should_stop=self._stop.is_set)

    def _file_results(self, summary: Any) -> list[Any] | None:
        """One line per file, read back here (not on the GUI thread); None when it cannot be read."""
        from console.services.imports import file_results

        try:
            return list(file_results(self._ctx, summary))
        except Exception:  # the summary still shows the totals and each file's record count
            logging.getLogger("console.imports").exception("could not read the per-file lines of the import")
            return None

    def run(self) -> None:
        RUNNING.add(self)
        try:
            summary = self._import()
        except UserError as exc:
            self.signals.failed.emit(str(exc))
        except Exception:
            self.signals.crashed.emit(traceback.format_exc())
        else:
            from console.ui.import_summary import affected_ids

            self.affected = affected_ids(summary)  # a million ids are gathered here, not on the GUI thread
            self.files = self._file_results(summary)
            self.signals.finished.emit(summary)
        finally:
            RUNNING.discard(self)


#: Imports in progress, so closing the window can stop them (what they committed stays).
RUNNING: set[ImportJob] = set()


def cancel_running_imports() -> None:
    for job in list(RUNNING):
        job.cancel()


def import_pool() -> QThreadPool:
    """One background worker for database work, so imports never compete with each other."""
    global _POOL
    if _POOL is None:
        _POOL = QThreadPool()
        _POOL.setObjectName("import_pool")
        _POOL.setMaxThreadCount(1)
    return _POOL


_POOL: QThreadPool | None = None
