"""Database operations of the window, in one fluent shape: ``Op(tasks, work).success(cb).run_in_background()``.

``work(ctx)`` runs on the database worker (see :mod:`console.ui.taskman`); ``success(result)`` and
``failure(error)`` on the GUI thread. A failure is first reported by the op's :class:`Problems` (the window's
message bar unless told otherwise), with Retry running the same op again; ``failure`` callbacks then tidy up.
:class:`QueryOp` reads: a cancelled or superseded read is dropped. :class:`ChangeOp` writes: once it ran, its
result is delivered even if cancelled, since the change is made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Self, TypeVar

from console.services.context import AppContext
from console.ui.problems import Problems
from console.ui.taskman import Cancelled, Job, TaskManager

T = TypeVar("T")


class _Op(Generic[T]):
    writing = False

    def __init__(self, tasks: TaskManager, work: Callable[[AppContext], T]) -> None:
        self._tasks = tasks
        self._work = work
        self._success: Callable[[T], Any] | None = None
        self._failure: Callable[[BaseException], Any] | None = None
        self._cancelled: Callable[[], Any] | None = None
        self._label: str | None = None
        self._problems: Problems | None = None
        self._retry = True
        self._wanted: Callable[[], bool] = lambda: True
        self.job: Job | None = None

    def success(self, callback: Callable[[T], Any]) -> Self:
        self._success = callback
        return self

    def failure(self, callback: Callable[[BaseException], Any]) -> Self:
        """Called after the failure was reported (to reload what the agent sees, re-enable a button)."""
        self._failure = callback
        return self

    def cancelled(self, callback: Callable[[], Any]) -> Self:
        """Called when the op was cancelled before it could deliver (a read only: a write always delivers)."""
        self._cancelled = callback
        return self

    def with_progress(self, label: str) -> Self:
        """Show ``label`` with a busy indicator if the op takes longer than a moment."""
        self._label = label
        return self

    def reported_by(self, problems: Problems) -> Self:
        self._problems = problems
        return self

    def without_retry(self) -> Self:
        self._retry = False
        return self

    def only_if(self, wanted: Callable[[], bool]) -> Self:
        """Drop the result (and any error) when ``wanted()`` is False by then: the agent moved on."""
        self._wanted = wanted
        return self

    def run_in_background(self) -> Job:
        ctx = self._tasks.ctx
        self.job = self._tasks.run(lambda _job: self._work(ctx), self._done, self._label, not self.writing)
        return self.job

    def _run_again(self) -> None:
        self.run_in_background()

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def _done(self, job: Job) -> None:
        error = job.error
        if isinstance(error, Cancelled) or (job.cancelled and not self.writing):
            if self._cancelled is not None:
                self._cancelled()
            return
        if error is not None and not isinstance(error, Exception):
            raise error  # KeyboardInterrupt, SystemExit: not ours to show
        if not self._wanted():
            return
        if error is not None:
            problems = self._problems or self._tasks.problems
            problems.report(error, self._run_again if self._retry else None, self.writing)
            if self._failure is not None:
                self._failure(error)
            return
        if self._success is not None:
            self._success(job.result)


class QueryOp(_Op[T]):
    """A read."""


class ChangeOp(_Op[T]):
    """A write (a service: it opens and commits its own transaction)."""

    writing = True
