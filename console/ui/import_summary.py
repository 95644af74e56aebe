"""What an import did: every record in one bucket, what had no effect and why, rejected records by file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.ui.naming import name_widget

BUCKETS = [
    ("applied", "Applied (a DND trigger matched to a contact)"),
    ("no_effect", "No effect (not a DND trigger)"),
    ("duplicates", "Duplicates (imported before, or repeated)"),
    ("unmatched", "Unmatched (no contact has the address yet: kept)"),
    ("rejected", "Rejected (unreadable record)"),
    ("possible_opt_outs", "Possible opt-outs waiting for an agent"),
    ("held_opt_ins", "Opt-ins held for a reviewer (pending reviews)"),
]
CONTACT_BUCKETS = [("created", "Contacts created"), ("updated", "Contacts updated"),
                   ("unchanged", "Contacts unchanged"), ("rejected", "Contact rows rejected")]


def affected_ids(summary: Any) -> frozenset[int]:
    ids = set(getattr(summary, "affected_contact_ids", set()) or set())
    contacts = getattr(summary, "contacts", None)
    if contacts is not None:
        ids |= set(getattr(contacts, "contact_ids", set()) or set())
    return frozenset(ids)


class ImportSummaryView(QWidget):
    show_contacts = Signal(object, str)  # frozenset of contact ids, a label

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        name_widget(self, "import_summary", "Import summary")
        self.headline = name_widget(QLabel(self), "summary_headline", "Import result")
        self.headline.setTextFormat(Qt.TextFormat.PlainText)
        self.headline.setWordWrap(True)
        self.headline.setStyleSheet("font-weight: bold;")
        self.form = QFormLayout()
        self.values: dict[str, QLabel] = {}
        self.no_effect = name_widget(QLabel(self), "summary_no_effect", "Records with no effect, by kind")
        self.no_effect.setTextFormat(Qt.TextFormat.PlainText)
        self.no_effect.setWordWrap(True)
        self.rejects = name_widget(QTableWidget(0, 3, self), "summary_rejects", "Rejected records")
        self.rejects.setHorizontalHeaderLabels(["File", "Line", "Error"])
        self.rejects.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rejects.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.rejects.horizontalHeader().setStretchLastSection(True)
        self.rejects.verticalHeader().hide()
        self.open_affected = name_widget(QPushButton("Show affected contacts", self), "show_affected",
                                         "Show the contacts this import changed")
        self.open_affected.clicked.connect(self._open_affected)
        self._ids: frozenset[int] = frozenset()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.headline)
        layout.addLayout(self.form)
        layout.addWidget(self.no_effect)
        layout.addWidget(self.rejects, 1)
        layout.addWidget(self.open_affected)

    def _value(self, key: str, label: str, value: object) -> None:
        shown = self.values.get(key)
        if shown is None:
            shown = name_widget(QLabel(self), f"summary_{key}", label)
            shown.setTextFormat(Qt.TextFormat.PlainText)
            self.values[key] = shown
            self.form.addRow(label, shown)
        shown.setText(str(value))

    def show_summary(self, summary: Any, affected: frozenset[int] | None = None) -> None:
        data: dict[str, Any] = summary.as_dict()
        files = ", ".join(f"{Path(str(f['path'])).name} ({f['format']}, {f.get('records', 0)} records)"
                          for f in data.get("files", []))
        state = "Import cancelled; what was read before stopping is kept" if data.get("cancelled") else "Import done"
        self.headline.setText(f"{state}: {files}")
        contacts = data.get("contacts") if "applied" in data else data
        if "applied" in data:
            self._value("records", "Event records", data["records"])
            for key, label in BUCKETS:
                self._value(key, label, data.get(key, 0))
        if contacts:
            for key, label in CONTACT_BUCKETS:
                self._value(f"contacts_{key}", label, contacts.get(key, 0))
        by_label: dict[str, int] = dict(getattr(summary, "no_effect_by_label", {}) or {})
        if by_label:
            self.no_effect.setText("No effect, by kind: " + ", ".join(f"{k}: {v}" for k, v in by_label.items()))
        else:
            self.no_effect.setText("")
        listed = list(data.get("rejects", [])) + list(
            (contacts or {}).get("rejects", []) if contacts is not data else []
        )
        self.rejects.setRowCount(len(listed))
        for row, reject in enumerate(listed):
            for col, value in enumerate((Path(str(reject["file"])).name, reject["line"], reject["error"])):
                self.rejects.setItem(row, col, QTableWidgetItem(str(value)))
        self.rejects.setVisible(bool(listed))
        self._ids = affected if affected is not None else affected_ids(summary)
        self.open_affected.setText(f"Show the {len(self._ids):,} affected contacts")
        self.open_affected.setEnabled(bool(self._ids))

    def _open_affected(self) -> None:
        self.show_contacts.emit(self._ids, f"{len(self._ids):,} contacts changed by the import")
