"""A bar at the top of the window for messages the agent can act on (refusals, locked database, bad file)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from console.ui.naming import name_widget
from console.ui.plain import plain_label

LEVEL_COLOURS = {"info": "#1e6fd9", "warning": "#b26a00", "error": "#c62828"}


class MessageBar(QWidget):
    """Shows one message at a time, with its level as a word and a colour, until closed or replaced.

    A message may offer Retry; ``dismissed`` tells when a message went away (closed, or replaced by another).
    """

    dismissed = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        name_widget(self, "message_bar", "Messages")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        self.level_label = name_widget(plain_label(self), "message_level", "Message level")
        self.text_label = name_widget(plain_label(self), "message_text", "Message")
        self.text_label.setWordWrap(True)
        self.retry_button = name_widget(QPushButton("Retry", self), "message_retry", "Try again")
        self.retry_button.clicked.connect(self._retry_clicked)
        self.retry_button.hide()
        self.close_button = name_widget(QPushButton("Close", self), "message_close", "Close the message")
        self.close_button.clicked.connect(self.close_message)
        layout.addWidget(self.level_label)
        layout.addWidget(self.text_label, 1)
        layout.addWidget(self.retry_button)
        layout.addWidget(self.close_button)
        self.level = ""
        self._retry: Callable[[], None] | None = None
        keep = self.sizePolicy()
        keep.setRetainSizeWhenHidden(True)  # a message never pushes the window down under the pointer
        self.setSizePolicy(keep)
        self.hide()

    @property
    def text(self) -> str:
        return self.text_label.text()

    def show_message(self, level: str, text: str, retry: Callable[[], None] | None = None,
                     retry_text: str = "Retry") -> None:
        """``retry`` runs when the agent clicks the message's button, labelled ``retry_text`` (e.g. "Undo")."""
        self._dismiss()
        self.level = level
        colour = LEVEL_COLOURS.get(level, LEVEL_COLOURS["info"])
        self.level_label.setText({"info": "Note:", "warning": "Not done:", "error": "Problem:"}.get(level, "Note:"))
        self.level_label.setStyleSheet(f"color: {colour}; font-weight: bold;")
        self.setStyleSheet(f"MessageBar {{ border: 1px solid {colour}; border-radius: 4px; }}")
        self.text_label.setText(text)
        self._retry = retry
        self.retry_button.setText(retry_text)
        self.retry_button.setAccessibleName("Try again" if retry_text == "Retry" else retry_text)
        self.retry_button.setVisible(retry is not None)
        self.show()

    def close_note(self) -> None:
        """Close an informational note (problems with Retry stay until handled)."""
        if self.isVisible() and self.level == "info":
            self.close_message()

    def close_message(self) -> None:
        self._dismiss()
        self.hide()

    def _dismiss(self) -> None:
        self._retry = None
        self.retry_button.hide()
        self.dismissed.emit()

    def _retry_clicked(self) -> None:
        retry, self._retry = self._retry, None
        self.retry_button.hide()
        self.hide()
        if retry is not None:
            retry()
