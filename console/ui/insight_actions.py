"""The window's bulk changes, their undo and the consent report: menu entries, context menu and message bar.

``InsightActions(window)`` adds "Change DND for selected..." (Ctrl+Shift+D), "Change DND for all matching the
filter..." and "Save consent report..." (Ctrl+Shift+R) to the window's menus, opens the :class:`BulkDialog` on
the list's selection, shows "Changed M contacts (batch #B)" with Undo in the message bar, undoes a batch from
History (asking first: an undo reverts the whole batch), and saves the selected contact's consent report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from console.services.base import Outcome
from console.services.bulk import BulkResult, UndoResult
from console.ui.bulk_dialog import BulkDialog, BulkTarget, applied_words, undo_work, undone_words
from console.ui.operations import ChangeOp
from console.ui.report_action import ReportSaver

if TYPE_CHECKING:
    from console.ui.main_window import MainWindow

Confirm = Callable[[QWidget, int], bool]


def confirm_undo(parent: QWidget, batch_id: int) -> bool:
    answer = QMessageBox.question(
        parent, f"Undo bulk change #{batch_id}",
        f"Undo bulk change #{batch_id}? It reverts, on every contact of the batch (not only this one), what the "
        "batch changed and is still in effect; what changed since is left alone.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
    return answer == QMessageBox.StandardButton.Yes


def selected_rows(window: MainWindow) -> list[tuple[int, int]]:
    """The selected rows as merged (first, last) ranges, read from the selection's ranges (never one index per
    cell: Ctrl+A on a million rows is one range)."""
    selection = window.table.selectionModel()
    ranges = selection.selection() if selection is not None else None
    spans = sorted((ranges.at(i).top(), ranges.at(i).bottom()) for i in range(ranges.count())) if ranges else []
    merged: list[tuple[int, int]] = []
    for top, bottom in spans:
        if merged and top <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], bottom))
        else:
            merged.append((top, bottom))
    return merged


class InsightActions(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.dialog: BulkDialog | None = None
        self.confirm: Confirm = confirm_undo
        self.reports = ReportSaver(window.tasks, window.messages.show_message, window)
        self.bulk_selected = self._action("Change DND for &selected...", "bulk_selected_action",
                                          self.open_for_selected, QKeySequence("Ctrl+Shift+D"))
        self.bulk_all = self._action("Change DND for &all matching the filter...", "bulk_all_action",
                                     self.open_for_all)
        self.report = self._action("Save consent &report...", "report_action", lambda: self.save_report(),
                                   QKeySequence("Ctrl+Shift+R"))
        window.history.at.report_requested.connect(lambda: self.save_report())
        window.history.batch_bar.undo_requested.connect(self.undo_from_history)
        window.model.count_changed.connect(self._count_changed)
        self._count_changed(window.model.rowCount())

    def _action(self, text: str, name: str, slot: Callable[[], object], keys: QKeySequence | None = None) -> QAction:
        act = QAction(text, self.window)
        act.setObjectName(name)
        if keys is not None:
            act.setShortcut(keys)
        act.triggered.connect(lambda _checked=False: slot())
        return act

    def add_to_menu(self, contacts_menu: QMenu) -> None:
        contacts_menu.addSeparator()
        contacts_menu.addAction(self.bulk_selected)
        contacts_menu.addAction(self.bulk_all)

    def add_to_context_menu(self, menu: QMenu, contact_id: int) -> None:
        """The bulk entries, and the report of the row right-clicked (which a multi-selection may not show)."""
        menu.addSeparator()
        menu.addAction(self.bulk_selected)
        menu.addAction(self.bulk_all)
        report = menu.addAction("Save consent &report...", lambda: self.save_report(contact_id))
        report.setObjectName("menu_report")

    def _count_changed(self, count: int) -> None:
        if self.window.model.counting:  # a lower bound: offered once every match is counted
            self.bulk_all.setText("Change DND for &all matching the filter (counting...)")
            self.bulk_all.setEnabled(False)
            return
        self.bulk_all.setText(f"Change DND for &all {count:,} matching the filter...")
        self.bulk_all.setEnabled(count > 0)

    # -- bulk changes

    def selected_target(self) -> BulkTarget | None:
        win = self.window
        flt = win.model.filter
        rows = selected_rows(win)
        count = sum(last - first + 1 for first, last in rows)
        if flt is None or not count:
            return None
        words = "1 selected contact" if count == 1 else f"{count:,} selected contacts"
        if rows == [(0, win.model.rowCount() - 1)]:  # Ctrl+A: the whole filtered list
            return BulkTarget(flt, count, f"all {count:,} contacts of the list (all selected)")
        return BulkTarget(flt, count, words, rows=tuple(rows))

    def open_for_selected(self) -> BulkDialog | None:
        target = self.selected_target()
        if target is None:
            self.window.messages.show_message("info", "Select contacts in the list first (Shift- or Ctrl-click, "
                                              "Ctrl+A for all), or use Change DND for all matching the filter.")
            return None
        return self.open_dialog(target)

    def open_for_all(self) -> BulkDialog | None:
        flt, count = self.window.model.filter, self.window.model.rowCount()
        if flt is None or not count:
            return None
        return self.open_dialog(BulkTarget(flt, count, f"all {count:,} contacts matching the filter"))

    def open_dialog(self, target: BulkTarget) -> BulkDialog:
        if self.dialog is not None:
            self.dialog.close()
        dialog = BulkDialog(self.window.tasks, target, self.window.model.channels, self.window)
        dialog.applied.connect(self._applied)
        dialog.finished.connect(lambda _code: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.show()
        return dialog

    def _applied(self, outcome: Outcome[BulkResult]) -> None:
        batch = outcome.result.batch
        assert batch is not None
        self._refresh()
        self.window.messages.show_message("info", applied_words(outcome), lambda: self._undo_now(batch), "Undo")

    def _undo_now(self, batch_id: int) -> None:
        self.undo(batch_id)

    def undo_from_history(self, batch_id: int) -> None:
        if self.confirm(self.window, batch_id):
            self.undo(batch_id)

    def undo(self, batch_id: int) -> ChangeOp[Outcome[UndoResult]]:
        op: ChangeOp[Outcome[UndoResult]] = ChangeOp(self.window.tasks, lambda ctx: undo_work(ctx, batch_id))
        op.with_progress(f"Undoing batch #{batch_id}...").success(self._undone)
        op.run_in_background()
        return op

    def _undone(self, outcome: Outcome[UndoResult]) -> None:
        self._refresh()
        self.window.messages.show_message("info", undone_words(outcome.result))

    def _refresh(self) -> None:
        win = self.window
        win.model.refresh()
        win.panel.reload()
        win.history.show_contact(win.panel.contact_id)

    # -- the consent report

    def save_report(self, contact_id: int | None = None) -> None:
        """The report of ``contact_id`` (None: the contact shown), named as the list shows it (the panel may
        still be reading it)."""
        win = self.window
        if contact_id is None:
            contact_id = win.panel.contact_id
        row = win.model.row_of(contact_id) if contact_id is not None else None
        name = str(win.model.index(row, 0).data() or "") if row is not None else win.panel.title.text()
        self.reports.save(contact_id, name or f"contact {contact_id}")
