"""How a failed database job is shown: by the error's class, never by its message text.

- the user's environment (database locked, busy, unreachable, disk full): one message per failure, with Retry
  when trying again may help (``Unavailable.retryable``); while it is shown, further failures of the same
  outage only join its Retry;
- a refusal or a conflict (the rules, someone else's change): a message saying why;
- anything else is a bug: the crash dialog, once.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from console.errors import Conflict, ConsoleError, Unavailable
from console.ui.crash import CrashReporter

log = logging.getLogger("console.ui")

Retry = Callable[[], None]
Show = Callable[[str, str, Retry | None], None]  # level, text, what Retry does (None: no Retry)


def environment_text(exc: Unavailable, writing: bool) -> str:
    return f"{exc}. " + ("Nothing was changed." if writing else "The window shows what it had read before.")


class Problems(QObject):
    """Shows failures in one place (a message bar, a form's label); ``shown`` carries every message."""

    shown = Signal(str, str)  # level, text

    def __init__(self, show: Show | None = None, crashes: CrashReporter | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._show = show
        self.crashes = crashes or CrashReporter()
        self._retries: list[Retry] | None = None  # None: no outage is being shown

    @property
    def outage_shown(self) -> bool:
        return self._retries is not None

    def report(self, exc: BaseException, retry: Retry | None = None, writing: bool = False) -> None:
        if isinstance(exc, Unavailable):
            log.warning("database unavailable: %s", exc)
            if not exc.retryable:
                retry = None  # a full disk, a missing permission, a newer schema: Retry would fail the same way
            if self._retries is not None:  # the same outage: one message, one Retry for all
                if retry is not None:
                    self._retries.append(retry)
                return
            self.message("error", environment_text(exc, writing), self._retry_all if retry is not None else None)
            self._retries = [retry] if retry is not None else []  # after showing: that replaced the last message
        elif isinstance(exc, Conflict):
            self.message("warning", str(exc))
        elif isinstance(exc, ConsoleError):
            self.message("error", str(exc))
        else:
            details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            log.error("unexpected error in a database job\n%s", details)
            self.crashes.report(details)

    def message(self, level: str, text: str, retry: Retry | None = None) -> None:
        if self._show is not None:
            self._show(level, text, retry)
        self.shown.emit(level, text)

    def dismissed(self) -> None:
        """The message shown was closed or replaced: the next failure is a new one."""
        self._retries = None

    def _retry_all(self) -> None:
        retries, self._retries = self._retries or [], None
        for retry in retries:
            retry()
