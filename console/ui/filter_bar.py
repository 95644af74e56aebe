"""Search box, filters, location selector and the count of matching contacts."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QPushButton, QWidget

from console.domain.channels import CHANNEL_ORDER, Channel, DndKind
from console.domain.state import Status
from console.ui.naming import name_widget
from console.ui.plain import plain_label

SEARCH_DELAY_MS = 150
STATUS_CHOICES: list[tuple[str, Status | None]] = [
    ("Any status", None), ("DND on", Status.ON), ("DND partial", Status.PARTIAL), ("DND off", Status.OFF),
]
KIND_CHOICES: list[tuple[str, DndKind | None]] = [
    ("Any DND kind", None), ("Manual", DndKind.MANUAL), ("Temporary", DndKind.TEMPORARY),
    ("Permanent (locked)", DndKind.PERMANENT), ("Spam (locked)", DndKind.SPAM),
]


class FilterBar(QWidget):
    """Emits ``changed`` when what the agent wants to see changes; typing waits a moment for more keys."""

    changed = Signal()
    location_changed = Signal(int)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        name_widget(self, "filter_bar", "Search and filters")
        self.location = name_widget(QComboBox(self), "location", "Location")
        self.location.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)  # filled once read
        self.search = name_widget(QLineEdit(self), "search", "Search contacts",
                                  "Name, email or phone number in any format")
        self.search.setPlaceholderText("Search name, email or phone (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.status = self._combo("status_filter", "Filter by status", STATUS_CHOICES)
        channels = [("Any channel", None)] + [(f"DND on {c.label}", c) for c in CHANNEL_ORDER]
        self.channel = self._combo("channel_filter", "Filter by DND channel", channels)
        self.kind = self._combo("kind_filter", "Filter by DND kind", KIND_CHOICES)
        self.only_ids: frozenset[int] | None = None
        self.only_label = name_widget(QPushButton(self), "clear_only_ids", "Show all contacts again")
        self.only_label.clicked.connect(self.clear_only_ids)
        self.only_label.hide()
        self.count_label = name_widget(plain_label(self), "match_count", "Matching contacts")
        self._typing = QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(SEARCH_DELAY_MS)
        self._typing.timeout.connect(self.changed)
        self.search.textChanged.connect(lambda _text: self._typing.start())
        self.search.returnPressed.connect(self.apply_now)
        for combo in (self.status, self.channel, self.kind):
            combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.location.currentIndexChanged.connect(self._location_picked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.location)
        layout.addWidget(self.search, 1)
        for widget in (self.status, self.channel, self.kind, self.only_label, self.count_label):
            layout.addWidget(widget)

    def _combo(self, object_name: str, accessible: str, choices: list[tuple[str, Any]]) -> QComboBox:
        combo = name_widget(QComboBox(self), object_name, accessible)
        for text, value in choices:
            combo.addItem(text, value)
        return combo

    def set_locations(self, locations: list[tuple[int, str]], current: int) -> None:
        self.location.blockSignals(True)
        self.location.clear()
        for location_id, name in locations:
            self.location.addItem(name, location_id)
        index = self.location.findData(current)
        self.location.setCurrentIndex(max(index, 0))
        self.location.blockSignals(False)

    def _location_picked(self, _index: int) -> None:
        self.only_ids = None
        self.only_label.hide()
        self.location_changed.emit(self.location_id)

    @property
    def location_id(self) -> int:
        return int(self.location.currentData())

    @property
    def status_value(self) -> Status | None:
        value = self.status.currentData()
        return Status(value) if value else None

    @property
    def channel_value(self) -> Channel | None:
        value = self.channel.currentData()
        return Channel(value) if value else None

    @property
    def kind_value(self) -> DndKind | None:
        value = self.kind.currentData()
        return DndKind(value) if value else None

    def apply_now(self) -> None:
        self._typing.stop()
        self.changed.emit()

    def show_only(self, ids: frozenset[int], label: str) -> None:
        """Narrow the list to these contacts (e.g. those an import changed) until the agent clears it."""
        self.only_ids = ids
        self.only_label.setText(f"{label} ✕")
        self.only_label.show()
        self.changed.emit()

    def clear_only_ids(self) -> None:
        self.only_ids = None
        self.only_label.hide()
        self.changed.emit()

    def show_count(self, count: int, at_least: bool = False) -> None:
        """``at_least``: more match, still being counted."""
        if at_least:
            self.count_label.setText(f"{count - 1:,}+ contacts (counting...)")
        else:
            self.count_label.setText(f"{count:,} contact{'s' if count != 1 else ''}")
