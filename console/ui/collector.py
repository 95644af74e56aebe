"""Python's cyclic garbage collection runs on the GUI thread while the window has a database worker.

The collector runs on whichever thread happens to allocate past its threshold. When that is the database worker,
a cycle holding a widget or model (a closure of a finished job, a dialog that was closed) is destroyed there, and
Qt warns "Timers cannot be stopped from another thread" (or worse: a widget destroyed off the GUI thread). So while
any worker runs, automatic collection is off and a timer on the GUI thread collects, generation by generation, as
soon as the counts pass the usual thresholds (the oldest generation, a walk of the whole heap, at most once a
minute). Reference counting still frees everything that is not in a cycle at once, on any thread. When the last
worker stops, automatic collection is switched on again.
"""

from __future__ import annotations

import gc
import logging
import time

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger("console.ui")

CHECK_MS = 250
#: A full collection walks the whole heap (about 70 ms with the window and its plots loaded): at most this often.
#: Python itself runs one only when the long-lived objects grew by a quarter; cycles of widgets are young ones.
FULL_EVERY_S = 60.0


class MainThreadCollector(QObject):
    """Collects cyclic garbage on the thread it lives on (the GUI thread) every ``CHECK_MS`` while held."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("main_thread_collector")
        self._holders = 0
        self._was_enabled = True
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self.collect_due)
        self._last_full = time.monotonic()

    @property
    def holding(self) -> bool:
        return self._holders > 0

    def hold(self) -> None:
        """A worker has started: from now on only this thread collects."""
        if self._holders == 0:
            self._was_enabled = gc.isenabled()
            gc.disable()
            self._timer.start()
        self._holders += 1

    def release(self) -> None:
        """A worker has stopped; the last one gives collection back to Python."""
        if self._holders == 0:
            return
        self._holders -= 1
        if self._holders == 0:
            self._timer.stop()
            self.collect_due()
            if self._was_enabled:
                gc.enable()

    def collect_due(self) -> int:
        """Collect the oldest generation whose count has passed its threshold, as Python would have done, but the
        whole heap at most every ``FULL_EVERY_S``: the GUI thread never stalls on it more often than that."""
        first, second, third = gc.get_threshold()
        young, middle, old = gc.get_count()
        if third and old > third and time.monotonic() - self._last_full >= FULL_EVERY_S:
            generation = 2
            self._last_full = time.monotonic()
        elif second and middle > second:
            generation = 1
        elif first and young > first:
            generation = 0
        else:
            return 0
        found = gc.collect(generation)
        if found:
            log.debug("collected %d objects (generation %d) on the GUI thread", found, generation)
        return found


_collector: MainThreadCollector | None = None


def main_thread_collector() -> MainThreadCollector:
    """The process's one collector, created on first use (which must be on the GUI thread)."""
    global _collector
    if _collector is None:
        _collector = MainThreadCollector()
    return _collector
