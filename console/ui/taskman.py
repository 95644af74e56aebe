"""The window's one database worker: every read and write of the window runs on it, one at a time, in order.

Jobs are queued from the GUI thread; the worker thread runs each (it opens its own database session through the
services or the store, so a session never crosses threads) and hands the outcome back to the GUI thread by a
queued signal. A job that has waited or run for ``PROGRESS_DELAY_MS`` with a label shows a progress indicator.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, Signal

from console.services.context import AppContext
from console.ui.collector import main_thread_collector
from console.ui.problems import Problems

log = logging.getLogger("console.ui")

PROGRESS_DELAY_MS = 300
_current = threading.local()


class Cancelled(Exception):
    """The job was cancelled before it finished (raised by :meth:`Job.check_cancelled`)."""


@dataclass(eq=False)
class Job:
    """One unit of database work. ``work`` runs on the worker thread; ``done`` on the GUI thread."""

    work: Callable[[Job], Any]
    done: Callable[[Job], None]
    label: str | None = None
    number: int = 0
    #: A read the agent may stop waiting for (the indicator's Cancel); a write is never cancelled so.
    cancellable: bool = False
    queued_at: float = field(default_factory=time.monotonic)
    result: Any = None
    error: BaseException | None = None
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)

    def cancel(self) -> None:
        """Ask the job to stop: a queued job never starts; a running one stops at its next check."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check_cancelled(self) -> None:
        """For long work: call between steps so a cancel takes effect there."""
        if self._cancel.is_set():
            raise Cancelled

    def execute(self) -> None:
        if self.cancelled:
            self.error = Cancelled()
            return
        _current.job = self
        try:
            self.result = self.work(self)
        except BaseException as exc:  # handed to the GUI thread, which classifies it
            self.error = exc
        finally:
            _current.job = None


def checkpoint() -> None:
    """Called by long work on the worker between steps: raises :class:`Cancelled` if its job was cancelled."""
    job: Job | None = getattr(_current, "job", None)
    if job is not None:
        job.check_cancelled()


class DatabaseWorker(QThread):
    """A thread with its own queue; jobs run in the order they were queued.

    A finished job goes back through a second queue, and the thread lets go of it before it signals: the GUI
    thread is then the last holder of the job and of whatever its closures hold (widgets, models), so none of
    them is ever destroyed on this thread.
    """

    job_done = Signal()  # a finished job is waiting in the done queue

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("database_worker")
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._done: queue.SimpleQueue[Job] = queue.SimpleQueue()

    def submit(self, job: Job) -> None:
        self._jobs.put(job)

    def take_done(self) -> Job | None:
        """The next finished job (GUI thread), or None if the signal's job was already taken."""
        try:
            return self._done.get_nowait()
        except queue.Empty:
            return None

    def run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            job.execute()
            self._done.put(job)
            del job
            self.job_done.emit()

    def stop(self) -> None:
        """Finish the queued jobs, then end the thread."""
        self._jobs.put(None)
        self.wait()


class TaskManager(QObject):
    """Owns the window's worker and the application context; the GUI side of every database job."""

    progress_shown = Signal(str)  # a label: a job has taken longer than PROGRESS_DELAY_MS
    progress_hidden = Signal()
    idle = Signal()  # nothing queued or running any more

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("task_manager")
        self.ctx = ctx
        #: Where failures are shown unless an op says otherwise; the window points it at its message bar.
        self.problems = Problems(parent=self)
        self._submitted = 0
        self._pending: dict[int, Job] = {}
        self._showing: str | None = None
        self._worker = DatabaseWorker()
        self._worker.job_done.connect(self._take_finished)
        self._collector = main_thread_collector()
        self._collector.hold()
        self._holding = True
        self._worker.start()
        _RUNNING.add(self._worker)
        self._progress_timer = QTimer(self)
        self._progress_timer.setSingleShot(True)
        self._progress_timer.timeout.connect(self._update_progress)

    @property
    def pending(self) -> int:
        """Jobs queued or running."""
        return len(self._pending)

    @property
    def submitted(self) -> int:
        """Jobs queued since the start."""
        return self._submitted

    def run(self, work: Callable[[Job], Any], done: Callable[[Job], None], label: str | None = None,
            cancellable: bool = False) -> Job:
        """Queue ``work`` (worker thread); ``done(job)`` runs on the GUI thread with its result or error."""
        self._submitted += 1
        job = Job(work, done, label, self._submitted, cancellable)
        self._pending[job.number] = job
        if label is not None and self._showing is None and not self._progress_timer.isActive():
            self._progress_timer.start(PROGRESS_DELAY_MS)
        self._worker.submit(job)
        return job

    def _take_finished(self) -> None:
        job = self._worker.take_done()
        if job is not None:
            self._finished(job)

    def _finished(self, job: Job) -> None:
        self._pending.pop(job.number, None)
        try:
            job.done(job)
        finally:
            self._update_progress()
            if not self._pending:
                self.idle.emit()

    def _update_progress(self) -> None:
        """Show the oldest labelled job once it has waited long enough; hide when none is left."""
        labelled = [j for j in self._pending.values() if j.label is not None and not j.cancelled]
        if not labelled:
            if self._showing is not None:
                self._showing = None
                self.progress_hidden.emit()
            return
        oldest = min(labelled, key=lambda j: j.queued_at)
        waited_ms = (time.monotonic() - oldest.queued_at) * 1000
        if waited_ms < PROGRESS_DELAY_MS:
            self._progress_timer.start(max(1, int(PROGRESS_DELAY_MS - waited_ms)))
            return
        if oldest.label != self._showing:
            self._showing = oldest.label
            self.progress_shown.emit(oldest.label or "")

    def cancel_all(self) -> None:
        """Stop waiting for the reads in flight (the indicator's Cancel button); writes carry on."""
        for job in list(self._pending.values()):
            if job.cancellable:
                job.cancel()
        self._update_progress()

    def shutdown(self) -> None:
        """Let the queued jobs finish and stop the thread; their results are no longer delivered."""
        _RUNNING.discard(self._worker)
        if self._worker.isRunning():
            self._worker.job_done.disconnect(self._take_finished)
            self._worker.stop()
            log.debug("database worker stopped")
        if self._holding:
            self._holding = False
            self._collector.release()
        while self._worker.take_done() is not None:
            pass  # finished jobs nobody waits for: let them go here, on the GUI thread
        self._pending.clear()  # every queued job has run; none is waiting for an answer any more


#: Workers still running, so none is destroyed while its thread runs (and all stop when Python exits).
_RUNNING: set[DatabaseWorker] = set()


@atexit.register
def _stop_workers() -> None:
    for worker in list(_RUNNING):
        worker.stop()
