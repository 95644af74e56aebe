"""Bulk DND changes from the window (RULES.md "Bulk changes and undo"): choose, preview, then apply one batch.

The dialog names its contacts by a :class:`BulkTarget` (the rows the agent selected, or every contact matching
the list's filter). Preview resolves them to ids on the database worker and runs the service's dry run, which
writes nothing; Apply is enabled only once a preview of exactly the choices shown was seen, and writes the same
contacts as one batch. Enter never applies before that: Cancel is the default button until the preview is shown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.domain.bulk import Preview
from console.domain.channels import CHANNEL_ORDER, Channel
from console.domain.explain import reason_text
from console.errors import WriterNeeded
from console.services import bulk, forwarded
from console.services.base import Outcome
from console.services.bulk import BulkResult, UndoResult
from console.services.context import AppContext
from console.store.contact_list import ContactFilter
from console.ui.naming import name_widget
from console.ui.operations import ChangeOp, QueryOp
from console.ui.plain import plain_label
from console.ui.taskman import TaskManager

NOTE_LIMIT = 500


def contacts_words(n: int) -> str:
    return "1 contact" if n == 1 else f"{n:,} contacts"


@dataclass(frozen=True, slots=True)
class BulkTarget:
    """The contacts a bulk change names: ``ids`` when the window knows them all, else the filtered list's
    ``rows`` (first, last) ranges, or (``rows`` None) every contact matching ``flt``."""

    flt: ContactFilter
    count: int
    words: str
    rows: tuple[tuple[int, int], ...] | None = None
    ids: tuple[int, ...] | None = None


# -- work on the database worker


def resolve(ctx: AppContext, target: BulkTarget) -> list[int]:
    if target.ids is not None:
        return list(target.ids)
    return bulk.listed_contacts(ctx, target.flt, target.rows)


def preview_work(ctx: AppContext, target: BulkTarget, channels: Sequence[Channel] | None, turn_on: bool,
                 note: str) -> tuple[list[int], BulkResult]:
    """The dry run; for a login set up with db grant, the team's writer runs it (``set --dry-run``)."""
    ids = resolve(ctx, target)
    refs = [str(i) for i in ids]
    try:
        result = bulk.bulk_set(ctx, refs, channels, turn_on, note, dry_run=True, where=target.flt.location_id).result
    except WriterNeeded as needed:
        result = forwarded.bulk_set(ctx, needed, ids, channels, turn_on, note, True, target.flt.location_id).result
    return ids, result


def apply_work(ctx: AppContext, location_id: int, ids: Sequence[int], channels: Sequence[Channel] | None,
               turn_on: bool, note: str) -> Outcome[BulkResult]:
    try:
        return bulk.bulk_set(ctx, [str(i) for i in ids], channels, turn_on, note, where=location_id)
    except WriterNeeded as needed:  # the team's writer applies the same contacts as one batch
        return forwarded.bulk_set(ctx, needed, ids, channels, turn_on, note, False, location_id)


def undo_work(ctx: AppContext, batch_id: int) -> Outcome[UndoResult]:
    try:
        return bulk.undo_batch(ctx, batch_id)
    except WriterNeeded as needed:
        return forwarded.undo_batch(ctx, needed, batch_id)


# -- what the preview says


def refusal_words(reason: str) -> str:
    """Why a channel was refused, in words: "Locked: Replied STOP; a bulk change never lifts a lock"."""
    if reason.startswith("locked"):
        code = reason.partition(": ")[2]
        why = f"Locked DND ({reason_text(code)})" if code else "Locked DND"
        return f"{why}: never lifted by a bulk change; it stays locked (the panel says how it lifts)"
    if reason == "provider_clearance_required":
        return ("DND from the email provider: lift it one contact at a time in the panel, after clearing the "
                "address at the provider")
    if reason == "not_connected":
        return "Channel not connected for this location: tick \"All six channels\" to change it anyway"
    return reason


def refusal_groups(preview: Preview) -> list[tuple[Channel, str, int]]:
    """(channel, reason, contacts) per kind of refusal, most contacts first."""
    groups = Counter((r.channel, r.reason) for r in preview.refused)
    return [(channel, reason, n) for (channel, reason), n in
            sorted(groups.items(), key=lambda item: (-item[1], CHANNEL_ORDER.index(item[0][0]), item[0][1]))]


def summary_words(preview: Preview, turn_on: bool, applied: bool = False) -> str:
    refused = len({r.contact for r in preview.refused})
    verb = "changed" if applied else "will change"
    what = "on" if turn_on else "off"
    text = (f"{contacts_words(preview.contacts)}: {preview.changed_contacts:,} {verb} (DND {what}), "
            f"{refused:,} refused on some channel, the rest already so.")
    if preview.unknown:
        text += f" {len(preview.unknown):,} no longer exist."
    return text


class BulkDialog(QDialog):
    """``applied(outcome)`` once the batch is written (the window shows it, with Undo)."""

    applied = Signal(object)  # Outcome[BulkResult]

    def __init__(self, tasks: TaskManager, target: BulkTarget, connected: Sequence[Channel],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name_widget(self, "bulk_dialog", "Change DND for many contacts")
        self.setWindowTitle("Change DND for many contacts")
        self._tasks = tasks
        self.target = target
        self.connected = frozenset(connected)
        self.previewed: tuple[Any, ...] | None = None  # the choices the preview shown was made for
        self.preview: Preview | None = None
        self.ids: list[int] = []
        self.heading = name_widget(plain_label(f"Change DND for {target.words}", self), "bulk_heading",
                                         "Which contacts")
        self.heading.setStyleSheet("font-size: 13pt; font-weight: bold;")
        self.heading.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self._channel_box())
        layout.addWidget(self._change_box())
        self.note = name_widget(QLineEdit(self), "bulk_note", "Note (required)",
                                "Why: kept with every entry of the batch and shown in History")
        self.note.setPlaceholderText("Note (required): why, kept in History")
        self.note.setMaxLength(NOTE_LIMIT)
        note_row = QHBoxLayout()
        note_label = name_widget(plain_label("&Note (required):", self), "bulk_note_label", "Note (required)")
        note_label.setBuddy(self.note)
        note_row.addWidget(note_label)
        note_row.addWidget(self.note, 1)
        layout.addLayout(note_row)
        row = QHBoxLayout()
        self.preview_button = name_widget(QPushButton("&Preview", self), "bulk_preview", "Preview the change",
                                          "Counts what would change and what is refused; writes nothing")
        self.preview_button.setAutoDefault(False)
        self.preview_button.clicked.connect(self.run_preview)
        self.hint = name_widget(plain_label(self), "bulk_hint", "What is needed before the preview")
        self.hint.setWordWrap(True)
        row.addWidget(self.preview_button)
        row.addWidget(self.hint, 1)
        layout.addLayout(row)
        layout.addWidget(self._preview_box(), 1)
        self.buttons = name_widget(QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self), "bulk_buttons",
                                   "Apply or cancel")
        self.apply_button = self.buttons.addButton("&Apply", QDialogButtonBox.ButtonRole.AcceptRole)
        name_widget(self.apply_button, "bulk_apply", "Apply the change", "Writes the change previewed as one batch")
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        name_widget(self.cancel_button, "bulk_cancel", "Cancel")
        self.apply_button.clicked.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        for widget in (*self.channel_boxes.values(), self.all_channels, self.turn_on, self.turn_off):
            widget.toggled.connect(self._choices_changed)
        self.note.textChanged.connect(self._choices_changed)
        self.resize(780, 680)
        self._choices_changed()

    # -- building

    def _channel_box(self) -> QGroupBox:
        box = name_widget(QGroupBox("Channels", self), "bulk_channels", "Channels to change")
        grid = QGridLayout(box)
        self.channel_boxes: dict[Channel, QCheckBox] = {}
        for n, channel in enumerate(CHANNEL_ORDER):
            words = channel.label if channel in self.connected else f"{channel.label} (not connected)"
            check = name_widget(QCheckBox(words, box), f"bulk_channel_{channel.value}", f"Change {channel.label}")
            grid.addWidget(check, n // 3, n % 3)
            self.channel_boxes[channel] = check
        self.all_channels = name_widget(
            QCheckBox("All six channels, connected or not (like DND all)", box), "bulk_all_channels",
            "All six channels", "Acts on disconnected channels too, as the panel's DND all does")
        self.all_channels.toggled.connect(self._all_toggled)
        grid.addWidget(self.all_channels, 2, 0, 1, 3)
        return box

    def _change_box(self) -> QGroupBox:
        box = name_widget(QGroupBox("Change", self), "bulk_change", "Turn DND on or off")
        row = QHBoxLayout(box)
        self.turn_on = name_widget(QRadioButton("Turn DND &on", box), "bulk_turn_on", "Turn DND on")
        self.turn_off = name_widget(QRadioButton("Turn DND o&ff", box), "bulk_turn_off", "Turn DND off")
        group = QButtonGroup(box)
        group.addButton(self.turn_on)
        group.addButton(self.turn_off)
        self.turn_on.setChecked(True)
        row.addWidget(self.turn_on)
        row.addWidget(self.turn_off)
        row.addStretch(1)
        return box

    def _preview_box(self) -> QGroupBox:
        box = name_widget(QGroupBox("Preview (nothing is written until Apply)", self), "bulk_preview_box",
                          "Preview of the change")
        layout = QVBoxLayout(box)
        self.summary = name_widget(plain_label("No preview yet.", box), "bulk_summary", "What would change")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-weight: bold;")
        layout.addWidget(self.summary)
        self.per_channel = self._table(box, "bulk_per_channel", "Per channel",
                                       ("Channel", "Will change", "Already so", "Refused"))
        self.per_channel.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.per_channel)
        self.refused_label = name_widget(plain_label("Refused, and why:", box), "bulk_refused_label",
                                               "Refused, and why")
        layout.addWidget(self.refused_label)
        self.refused = self._table(box, "bulk_refused", "Refused channels, grouped by reason",
                                   ("Channel", "Why", "Contacts"))
        self.refused.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.refused.setWordWrap(True)  # a reason is a sentence: wrapped, never cut
        self.refused.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.refused, 1)
        return box

    def _table(self, parent: QWidget, name: str, words: str, columns: Sequence[str]) -> QTableWidget:
        table = name_widget(QTableWidget(0, len(columns), parent), name, words)
        table.setHorizontalHeaderLabels(list(columns))
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.setTabKeyNavigation(False)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.verticalHeader().hide()
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(False)
        return table

    # -- the choices

    def channels(self) -> list[Channel] | None:
        """The channels chosen; None: all six, connected or not."""
        if self.all_channels.isChecked():
            return None
        return [c for c, box in self.channel_boxes.items() if box.isChecked()]

    def choices(self) -> tuple[Any, ...]:
        channels = self.channels()
        return (None if channels is None else tuple(channels), self.turn_on.isChecked(), self.note.text().strip())

    def _all_toggled(self, on: bool) -> None:
        for box in self.channel_boxes.values():
            box.setEnabled(not on)

    def _missing(self) -> str:
        channels = self.channels()
        if channels is not None and not channels:
            return "Choose at least one channel."
        if not self.note.text().strip():
            return "A note is required: say why (it is kept with every entry of the batch)."
        return ""

    def _choices_changed(self, *_args: Any) -> None:
        """Any change of the choices makes the preview shown stale: it is dropped, and Apply waits for a new one."""
        missing = self._missing()
        self.preview_button.setEnabled(not missing)
        if self.previewed is not None and self.previewed != self.choices():
            self.previewed, self.preview, self.ids = None, None, []
            self.summary.setText("The choices changed: preview again before applying.")
            self.per_channel.setRowCount(0)
            self.refused.setRowCount(0)
        fresh = self.preview is not None
        self.hint.setText(missing or ("" if fresh else "Preview first: nothing is written until Apply."))
        self._set_apply(self.preview is not None and self.preview.changed_contacts > 0)

    def _set_apply(self, enabled: bool) -> None:
        """Apply is the default button (Enter) only once its preview is shown; Cancel is until then."""
        self.apply_button.setEnabled(enabled)
        self.apply_button.setAutoDefault(False)
        self.apply_button.setDefault(enabled)
        self.cancel_button.setAutoDefault(not enabled)
        self.cancel_button.setDefault(not enabled)
        if self.preview is not None and enabled:
            self.apply_button.setText(f"&Apply to {contacts_words(self.preview.changed_contacts)}")
        else:
            self.apply_button.setText("&Apply")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter in the note previews (when it can) rather than closing the dialog or applying."""
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and self.focusWidget() is self.note and not self.apply_button.isEnabled():
            if self.preview_button.isEnabled():
                self.run_preview()
            event.accept()
            return
        super().keyPressEvent(event)

    # -- preview and apply

    def _busy(self, busy: bool) -> None:
        for widget in (self.preview_button, self.note, *self.channel_boxes.values(), self.all_channels,
                       self.turn_on, self.turn_off):
            widget.setEnabled(not busy)
        if not busy:
            self._all_toggled(self.all_channels.isChecked())
            self._choices_changed()
        else:
            self._set_apply(False)

    def run_preview(self) -> None:
        if self._missing():
            return
        choices = self.choices()
        channels, turn_on, note = choices
        wanted = None if channels is None else list(channels)
        target = self.target
        self.summary.setText(f"Previewing {contacts_words(target.count)}...")
        self._busy(True)
        (QueryOp(self._tasks, lambda ctx: preview_work(ctx, target, wanted, turn_on, note))
         .with_progress(f"Previewing the change of {target.count:,} contacts...")
         .success(lambda found: self._show_preview(choices, found[0], found[1].preview))
         .failure(lambda _error: self._preview_failed())
         .cancelled(self._preview_failed)
         .run_in_background())

    def _preview_failed(self) -> None:
        self.summary.setText("No preview: see the message in the window.")
        self._busy(False)

    def _show_preview(self, choices: tuple[Any, ...], ids: list[int], preview: Preview) -> None:
        self.previewed, self.preview, self.ids = choices, preview, ids
        self.summary.setText(summary_words(preview, bool(choices[1])))
        refused = Counter(r.channel for r in preview.refused)
        self.per_channel.setRowCount(len(preview.channels))
        for row, channel in enumerate(preview.channels):
            values = (channel.label, f"{preview.changed[channel]:,}", f"{preview.unchanged[channel]:,}",
                      f"{refused[channel]:,}")
            for column, value in enumerate(values):  # centred under their stretched headers
                self._cell(self.per_channel, row, column, value, column > 0, centred=True)
        self._fit(self.per_channel)
        groups = refusal_groups(preview)
        self.refused.setRowCount(len(groups))
        for row, (channel, reason, n) in enumerate(groups):
            words = refusal_words(reason)
            self._cell(self.refused, row, 0, channel.label)
            self._cell(self.refused, row, 1, words, tip=f"{words}\n(code: {reason})")
            self._cell(self.refused, row, 2, f"{n:,}", True)
        self.refused_label.setText("Refused, and why:" if groups else "Nothing is refused.")
        self.refused.setVisible(bool(groups))
        self._busy(False)
        if not preview.changed_contacts:
            self.hint.setText("Nothing would change: there is nothing to apply.")

    def _cell(self, table: QTableWidget, row: int, column: int, text: str, number: bool = False,
              tip: str | None = None, centred: bool = False) -> None:
        item = QTableWidgetItem(text)
        item.setToolTip(tip or text)
        if number:
            side = Qt.AlignmentFlag.AlignHCenter if centred else Qt.AlignmentFlag.AlignRight
            item.setTextAlignment(side | Qt.AlignmentFlag.AlignVCenter)
        table.setItem(row, column, item)

    def _fit(self, table: QTableWidget) -> None:
        """As tall as its rows: a table of six channels never scrolls."""
        height = table.horizontalHeader().height() + 2 * table.frameWidth()
        height += sum(table.rowHeight(r) for r in range(table.rowCount()))
        table.setFixedHeight(height)

    def apply(self) -> None:
        if not self.apply_button.isEnabled() or self.preview is None or self.previewed != self.choices():
            return
        channels, turn_on, note = self.previewed
        wanted = None if channels is None else list(channels)
        ids, location_id = list(self.ids), self.target.flt.location_id
        self._busy(True)
        self.summary.setText(f"Applying the change to {contacts_words(self.preview.changed_contacts)}...")
        (ChangeOp(self._tasks, lambda ctx: apply_work(ctx, location_id, ids, wanted, turn_on, note))
         .with_progress(f"Changing DND of {len(ids):,} contacts...")
         .success(self._applied)
         .failure(lambda _error: self._preview_failed())
         .run_in_background())

    def _applied(self, outcome: Outcome[BulkResult]) -> None:
        self.applied.emit(outcome)
        self.accept()


def applied_words(outcome: Outcome[BulkResult]) -> str:
    """The message bar's line after a bulk change: "Changed 9 contacts (batch #4); 1 refused ..."."""
    result = outcome.result
    touched = len(outcome.change.contact_ids or ())
    text = f"Changed {contacts_words(touched)} (batch #{result.batch})"
    refused = len({r.contact for r in result.preview.refused})
    if refused:
        text += f"; {refused:,} refused on some channel (locked or unconfirmed: left as they were)"
    return text + "."


def undone_words(result: UndoResult) -> str:
    text = f"Undid batch #{result.undid}: {result.reverted:,} channels reverted (batch #{result.batch})"
    if result.left:
        reasons = Counter(str(row["reason"]) for row in result.left)
        text += "; left alone: " + ", ".join(f"{n:,} {why}" for why, n in reasons.most_common())
    return text + "."
