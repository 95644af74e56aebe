"""What an import did: every record in one bucket, one line per file, what had no effect and why (in words, the
raw label in the tooltip), rejected records by file and line, and the contacts it changed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.services.imports import is_contacts_format
from console.ui.naming import name_widget
from console.ui.plain import PlainLabel, plain_label

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
#: Labels of records that trigger nothing, said in words (others are put in words part by part).
LABEL_WORDS = {
    "delivered": "Delivered",
    "inbound/possible_opt_out": "Possible opt-out (an inbound message kept for an agent to decide)",
    "inbound/other": "Inbound message (not a keyword)",
    "inbound/help": "Inbound HELP message",
    "inbound/opt_in": "Inbound opt-in keyword",
    "inbound/opt_out": "Inbound opt-out keyword",
}
EVENT_WORDS = {"failed": "Failed", "inbound": "Inbound message", "unknown": "Unknown status"}


def plural(n: int, word: str, many: str | None = None) -> str:
    """ "1 record", "2 records", "1,000 records"."""
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def label_words(label: str) -> str:
    """A no-effect label as an agent reads it: ``failed/temporary/generic`` -> "Failed, temporary (generic)",
    ``undelivered/30008`` -> "Undelivered (error 30008)"."""
    if label in LABEL_WORDS:
        return LABEL_WORDS[label]
    first, *rest = [p for p in label.split("/") if p] or ["unknown"]
    head = EVENT_WORDS.get(first, first.replace("_", " ").replace("-", " ").capitalize())
    words = [f"error {p}" if p.isdigit() else p.replace("_", " ").replace("-", " ") for p in rest]
    if not words:
        return head
    if len(words) == 1:
        return f"{head} ({words[0]})"
    return f"{head}, {words[0]} ({', '.join(words[1:])})"


def affected_ids(summary: Any) -> frozenset[int]:
    """Every contact the import changed: created, updated (name or address) or whose DND an entry changed."""
    ids = set(getattr(summary, "affected_contact_ids", set()) or set())
    contacts = getattr(summary, "contacts", None)
    if contacts is not None:
        ids |= set(getattr(contacts, "contact_ids", set()) or set())
    return frozenset(ids)


def file_words(line: Any) -> str:
    """One file's line: "twilio-messages.csv (twilio-csv): 6 records: 4 DND triggers, 1 possible opt-out, ...".

    ``line`` is a :class:`console.services.imports.FileResult` (or the summary's plain file dict)."""
    if isinstance(line, dict):
        return f"{Path(str(line['path'])).name} ({line['format']}): {plural(int(line.get('records', 0)), 'record')}"
    head = f"{line.name} ({line.format}): "
    if is_contacts_format(line.format):
        parts = [plural(line.records, "contact row")]
        if line.contacts:
            parts += [f"{n:,} {key}" for key, n in line.contacts if n]
        return head + ", ".join(parts[:1]) + (": " + ", ".join(parts[1:]) if parts[1:] else "")
    found = [(line.triggers, "DND trigger"), (line.possible_opt_outs, "possible opt-out"),
             (line.rejected, "rejected record"), (line.other, "with no effect or already imported")]
    parts = [plural(n, w) if not w.startswith("with") else f"{n:,} {w}" for n, w in found if n]
    return head + plural(line.records, "record") + (": " + ", ".join(parts) if parts else "")


class ImportSummaryView(QWidget):
    show_contacts = Signal(object, str)  # frozenset of contact ids, a label

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        name_widget(self, "import_summary", "Import summary")
        self.headline = name_widget(plain_label(self), "summary_headline", "Import result")
        self.headline.setWordWrap(True)
        self.headline.setStyleSheet("font-weight: bold;")
        self.files = name_widget(plain_label(self), "summary_files", "What each file had")
        self.files.setWordWrap(True)
        self.files.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.waiting = name_widget(plain_label(self), "summary_waiting", "What waits for an agent or a reviewer")
        self.waiting.setWordWrap(True)
        self.waiting.setStyleSheet("color: #b26a00; font-weight: bold;")
        self.form = QFormLayout()
        self.values: dict[str, PlainLabel] = {}
        self.no_effect = name_widget(plain_label(self), "summary_no_effect", "Records with no effect, by kind")
        self.no_effect_kinds = name_widget(QWidget(self), "summary_no_effect_kinds", "Records with no effect, by kind")
        self.kinds = QFormLayout(self.no_effect_kinds)
        self.kinds.setContentsMargins(16, 0, 0, 0)
        self.kind_labels: dict[str, PlainLabel] = {}
        self.rejects = name_widget(QTableWidget(0, 3, self), "summary_rejects", "Rejected records")
        self.rejects.setHorizontalHeaderLabels(["File", "Line", "Error"])
        self.rejects.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rejects.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.rejects.horizontalHeader().setStretchLastSection(True)
        self.rejects.verticalHeader().hide()
        self.open_affected = name_widget(QPushButton("Show affected contacts", self), "show_affected",
                                         "Close this and show the contacts this import changed in the list")
        self.open_affected.setAutoDefault(False)
        self.open_affected.clicked.connect(self._open_affected)
        self._ids: frozenset[int] = frozenset()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.headline)
        layout.addWidget(self.files)
        layout.addWidget(self.waiting)
        layout.addLayout(self.form)
        layout.addWidget(self.no_effect)
        layout.addWidget(self.no_effect_kinds)
        layout.addWidget(self.rejects, 1)
        layout.addStretch(0)
        layout.addWidget(self.open_affected, 0, Qt.AlignmentFlag.AlignLeft)

    def _value(self, key: str, label: str, value: object) -> None:
        shown = self.values.get(key)
        if shown is None:
            shown = name_widget(plain_label(self), f"summary_{key}", label)
            self.values[key] = shown
            caption = plain_label(label + ":", self)
            self.form.addRow(caption, shown)
        shown.setText(str(value))

    def _show_kinds(self, by_label: dict[str, int]) -> None:
        for label in self.kind_labels.values():
            self.kinds.removeRow(label)
        self.kind_labels = {}
        for key, count in by_label.items():
            shown = name_widget(plain_label(f"{count:,}", self.no_effect_kinds), f"no_effect_{key}", label_words(key))
            shown.setToolTip(f"Counted as {key}")
            caption = plain_label(label_words(key) + ":", self.no_effect_kinds)
            caption.setToolTip(f"Counted as {key}")
            self.kinds.addRow(caption, shown)
            self.kind_labels[key] = shown

    def show_summary(self, summary: Any, affected: frozenset[int] | None = None,
                     files: Sequence[Any] | None = None) -> None:
        """``files``: one :class:`console.services.imports.FileResult` per file (else the summary's own list)."""
        data: dict[str, Any] = summary.as_dict()
        listed_files = list(files) if files is not None else list(data.get("files", []))
        state = "Import cancelled; what was read before stopping is kept" if data.get("cancelled") else "Import done"
        contacts = data.get("contacts") if "applied" in data else data
        read = []
        if "applied" in data:
            read.append(plural(int(data.get("records", 0)), "event record"))
        if contacts:
            read.append(plural(int(contacts.get("records", 0)), "contact row"))
        self.headline.setText(f"{state}: {plural(len(listed_files), 'file')}, {' and '.join(read)}")
        self.files.setText("\n".join(f"• {file_words(f)}" for f in listed_files))
        self.files.setVisible(bool(listed_files))
        possible, held = int(data.get("possible_opt_outs", 0)), int(data.get("held_opt_ins", 0))
        waiting = []
        if possible:
            waiting.append(f"{plural(possible, 'possible opt-out')} waiting for an agent "
                           "(Contacts > Possible opt-outs...; 10 business days to decide)")
        if held:
            waiting.append(f"{plural(held, 'opt-in')} held for a reviewer (see the Reviews tab)")
        self.waiting.setText("\n".join(waiting))
        self.waiting.setVisible(bool(waiting))
        if "applied" in data:
            self._value("records", "Event records", data["records"])
            for key, label in BUCKETS:
                if key == "no_effect" and possible:
                    label = "No effect (not a DND trigger; includes the possible opt-outs)"
                self._value(key, label, data.get(key, 0))
                self.values[key].setToolTip(
                    f"{plural(possible, 'possible opt-out')} counted here too: a possible opt-out changes no DND "
                    "until an agent confirms it" if key == "no_effect" and possible else "")
        if contacts:
            for key, label in CONTACT_BUCKETS:
                self._value(f"contacts_{key}", label, contacts.get(key, 0))
        by_label: dict[str, int] = dict(getattr(summary, "no_effect_by_label", {}) or {})
        self.no_effect.setText("No effect, by kind:" if by_label else "")
        self.no_effect.setVisible(bool(by_label))
        self._show_kinds(by_label)
        self.no_effect_kinds.setVisible(bool(by_label))
        listed = list(data.get("rejects", [])) + list(
            (contacts or {}).get("rejects", []) if contacts is not data else []
        )
        self.rejects.setRowCount(len(listed))
        for row, reject in enumerate(listed):
            for col, value in enumerate((Path(str(reject["file"])).name, reject["line"], reject["error"])):
                item = QTableWidgetItem(str(value))
                item.setToolTip(str(value))
                self.rejects.setItem(row, col, item)
        self.rejects.setVisible(bool(listed))
        self._ids = affected if affected is not None else affected_ids(summary)
        self.open_affected.setText(f"Show the {plural(len(self._ids), 'contact')} this import changed")
        self.open_affected.setEnabled(bool(self._ids))
        self.open_affected.setToolTip("Created, updated, or whose DND changed; the list is filtered to them"
                                      if self._ids else "This import changed no contact")

    def _open_affected(self) -> None:
        self.show_contacts.emit(self._ids, f"{plural(len(self._ids), 'contact')} changed by the import")
