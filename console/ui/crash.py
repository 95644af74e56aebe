"""One dialog for unexpected errors (bugs), with the details ready to copy into a report."""

from __future__ import annotations

import sys
import traceback
from types import TracebackType
from typing import Any

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPlainTextEdit, QPushButton, QVBoxLayout

from console.errors import UserError
from console.ui.naming import name_widget
from console.ui.plain import plain_label


class CrashDialog(QDialog):
    def __init__(self, details: str, parent: Any = None) -> None:
        super().__init__(parent)
        name_widget(self, "crash_dialog", "Unexpected error")
        self.setWindowTitle("DND Console: unexpected error")
        self.resize(640, 400)
        intro = plain_label("Something went wrong inside DND Console. Nothing you did caused it. Copy the details "
                       "below into a report for the maintainers; the window stays open.", self)
        intro.setWordWrap(True)
        self.details = name_widget(QPlainTextEdit(details, self), "crash_details", "Error details")
        self.details.setReadOnly(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.copy_button = name_widget(QPushButton("Copy details", self), "copy_details", "Copy the error details")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.details.toPlainText())


class CrashReporter:
    """Shows unexpected errors one at a time; user errors that escape still get a clear message, not a trace."""

    def __init__(self) -> None:
        self.dialog: CrashDialog | None = None
        self.shown: list[str] = []

    def report(self, details: str) -> None:
        self.shown.append(details)
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.details.appendPlainText("\n" + details)
            return
        self.dialog = CrashDialog(details)
        self.dialog.show()

    def excepthook(self, kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if isinstance(error, KeyboardInterrupt):
            sys.__excepthook__(kind, error, tb)
            return
        if isinstance(error, UserError):
            details = f"{error}\n\n" + "".join(traceback.format_exception(kind, error, tb))
        else:
            details = "".join(traceback.format_exception(kind, error, tb))
        sys.stderr.write(details)
        self.report(details)

    def install(self) -> None:
        sys.excepthook = self.excepthook
