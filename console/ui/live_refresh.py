"""Live refresh: changes other consoles commit show in this window's list and panel within two seconds.

PostgreSQL tells which contacts changed (LISTEN/NOTIFY); SQLite only that something did (its data version),
so then the rows on screen and the open contact are read again: a few hundred rows, never the whole list.
The feed is opened, polled and closed on the database worker; at most one poll is queued at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, QTimer

from console.store.changes import ANY, INTEGRATIONS, Change, ChangeFeed, open_change_feed
from console.ui.operations import QueryOp
from console.ui.problems import Problems
from console.ui.taskman import TaskManager

POLL_MS = 500


class LiveRefresh(QObject):
    """Polls the store's change feed and calls back: ``rows(ids or None)``, ``everything()``."""

    def __init__(
        self,
        tasks: TaskManager,
        location_id: Callable[[], int],
        rows: Callable[[Iterable[int] | None], None],
        everything: Callable[[], None],
        parent: QObject | None = None,
        busy: Callable[[], bool] = lambda: False,
    ) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._busy = busy
        self._held: list[Change] = []
        self._polling = False
        self._stopped = False
        self.setObjectName("live_refresh")
        self._location_id, self._rows, self._everything = location_id, rows, everything
        #: Without a feed the window still works and refreshes after its own actions: failures are only logged.
        self._quiet = Problems(None, tasks.problems.crashes, self)
        self.feed: ChangeFeed | None = None
        self.timer = QTimer(self)
        self.timer.setObjectName("live_refresh_timer")
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        (QueryOp(tasks, lambda ctx: open_change_feed(ctx.store))
         .reported_by(self._quiet)
         .without_retry()
         .success(self._opened)
         .run_in_background())

    def _opened(self, feed: ChangeFeed) -> None:
        if self._stopped:
            self._close(feed)
            return
        self.feed = feed
        self.timer.start()

    def poll(self) -> None:
        """Apply what changed; while ``busy()`` (this window's own import) changes wait, then apply at once."""
        feed = self.feed
        if feed is None or self._polling:
            return
        self._polling = True
        (QueryOp(self._tasks, lambda _ctx: feed.poll())
         .reported_by(self._quiet)
         .without_retry()
         .success(self._polled)
         .failure(lambda _error: setattr(self, "_polling", False))
         .run_in_background())

    def _polled(self, changes: list[Change]) -> None:
        self._polling = False
        if self._stopped:
            return
        self._held.extend(changes)
        if self._held and not self._busy():
            held, self._held = self._held, []
            self.apply(held)

    def apply(self, changes: list[Change]) -> None:
        location = self._location_id()
        relevant = [c for c in changes if c.affects(location)]
        if not relevant:
            return
        if any(c.what == INTEGRATIONS for c in relevant):
            self._everything()
            return
        if any(c.what == ANY or c.contact_ids is None for c in relevant):
            self._rows(None)
            return
        ids = {cid for c in relevant for cid in (c.contact_ids or ())}
        if ids:
            self._rows(ids)

    def _close(self, feed: ChangeFeed) -> None:
        QueryOp(self._tasks, lambda _ctx: feed.close()).reported_by(self._quiet).without_retry().run_in_background()

    def stop(self) -> None:
        """Stop polling; the feed is closed on the worker, after what is queued there."""
        self._stopped = True
        self.timer.stop()
        if self.feed is not None:
            self._close(self.feed)
            self.feed = None
