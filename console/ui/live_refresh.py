"""Live refresh: changes other consoles commit show in this window's list and panel within two seconds.

PostgreSQL tells which contacts changed (LISTEN/NOTIFY); SQLite only that something did (its data version),
so then the rows on screen and the open contact are read again: a few hundred rows, never the whole list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, QTimer

from console.errors import UserError
from console.store.changes import ANY, INTEGRATIONS, Change, ChangeFeed, open_change_feed
from console.store.db import Store

POLL_MS = 500


class LiveRefresh(QObject):
    """Polls the store's change feed and calls back: ``rows(ids or None)``, ``everything()``."""

    def __init__(
        self,
        store: Store,
        location_id: Callable[[], int],
        rows: Callable[[Iterable[int] | None], None],
        everything: Callable[[], None],
        parent: QObject | None = None,
        busy: Callable[[], bool] = lambda: False,
    ) -> None:
        super().__init__(parent)
        self._busy = busy
        self._held: list[Change] = []
        self.setObjectName("live_refresh")
        self._location_id, self._rows, self._everything = location_id, rows, everything
        self.feed: ChangeFeed | None = None
        try:
            self.feed = open_change_feed(store)
        except UserError:
            self.feed = None  # no live refresh; the window still works and refreshes after its own actions
        self.timer = QTimer(self)
        self.timer.setObjectName("live_refresh_timer")
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        if self.feed is not None:
            self.timer.start()

    def poll(self) -> None:
        """Apply what changed; while ``busy()`` (this window's own import) changes wait, then apply at once."""
        if self.feed is None:
            return
        self._held.extend(self.feed.poll())
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

    def stop(self) -> None:
        self.timer.stop()
        if self.feed is not None:
            self.feed.close()
            self.feed = None
