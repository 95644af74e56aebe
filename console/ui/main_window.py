"""The console window: the contact list in the centre, the selected contact on the right."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QItemSelection, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from console.domain.reviews import Review
from console.services.context import AppContext, Settings
from console.store.contact_list import ContactFilter
from console.store.db import Store
from console.ui import ops
from console.ui.contact_model import CONTACT_ID_ROLE, ContactTableModel
from console.ui.contact_panel import ContactPanel
from console.ui.contact_table import ContactTable
from console.ui.crash import CrashReporter
from console.ui.filter_bar import FilterBar
from console.ui.history_view import HistoryView
from console.ui.icons import icon
from console.ui.import_dialog import ImportDialog
from console.ui.import_worker import cancel_running_imports, import_pool
from console.ui.integrations import IntegrationsDialog
from console.ui.live_refresh import LiveRefresh
from console.ui.message_bar import MessageBar
from console.ui.naming import name_widget
from console.ui.operations import QueryOp
from console.ui.opt_outs import PossibleOptOutsDialog
from console.ui.problems import Problems
from console.ui.review_dialog import ReviewDialog
from console.ui.reviews_tab import ReviewsView, tab_title
from console.ui.taskman import TaskManager

Shortcut = QKeySequence | QKeySequence.StandardKey | str | None


class MainWindow(QMainWindow):
    """Every read and write of the window runs on its database worker (``self.tasks``); the window shows at
    once, and fills in when the worker answers (``ready``: the actor and the locations are known)."""

    ready = Signal()

    def __init__(self, ctx: AppContext | Store, settings: QSettings | None = None,
                 crashes: CrashReporter | None = None) -> None:
        super().__init__()
        name_widget(self, "main_window", "DND Console")
        self.setWindowTitle("DND Console")
        self.setWindowIcon(icon("app"))
        self.setAcceptDrops(True)
        if isinstance(ctx, Store):  # an opened store alone: the settings of the environment around it
            ctx = AppContext.with_store(ctx, Settings.from_env(db_url=ctx.url))
        self.ctx = ctx
        self.settings = settings or QSettings()
        self.crashes = crashes or CrashReporter()
        self.messages = MessageBar(self)
        self.tasks = TaskManager(ctx, self)
        self.tasks.problems = Problems(self.messages.show_message, self.crashes, self)
        self.messages.dismissed.connect(self.tasks.problems.dismissed)
        self.actor = ""
        self.locations: list[tuple[int, str]] = []

        self.filters = FilterBar(self)
        self.model = ContactTableModel(self.tasks, None, self)
        self.table = ContactTable(self.model, self.settings, self)
        self.panel = ContactPanel(self.tasks, self)
        self.history = HistoryView(self.tasks, self)
        self.tabs = name_widget(QTabWidget(self), "contact_tabs", "Contact details")
        self.tabs.addTab(self.panel, "DND by channel")
        self.tabs.addTab(self.history, "History")
        self.splitter = name_widget(QSplitter(Qt.Orientation.Horizontal, self), "main_splitter", "List and contact")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([880, 520])
        self.tabs.setMinimumWidth(380)  # an explicit minimum: a long email in the panel never pushes the list
        self.reviews = ReviewsView(self.tasks, None, self, load=False)
        self.review_dialogs: dict[int, ReviewDialog] = {}
        self.main_tabs = name_widget(QTabWidget(self), "main_tabs", "Contacts and opt-in reviews")
        self.main_tabs.addTab(self.splitter, "Contacts")
        self.main_tabs.addTab(self.reviews, tab_title(0))
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.addWidget(self.messages)
        layout.addWidget(self.filters)
        layout.addWidget(self.main_tabs, 1)
        self.setCentralWidget(central)
        self._make_progress()
        self._make_menus()
        self._connect()
        self.filters.show_count(0)
        self._restore()
        self.live: LiveRefresh | None = None
        QueryOp(self.tasks, ops.window_start).with_progress("Opening the database...").success(
            self._started).run_in_background()

    def _started(self, start: ops.WindowStart) -> None:
        """The worker's first answer: who acts, the locations; then the list, the reviews and live refresh."""
        self.actor = start.actor
        self.locations = list(start.locations)
        remembered = str(self.settings.value("location", ""))
        location_id = next((i for i, n in self.locations if n == remembered), self.locations[0][0])
        self.filters.set_locations(self.locations, location_id)
        self.model.set_filter(ContactFilter(location_id, region=self.ctx.region))
        self.reviews.model.set_location(location_id)
        self.live = LiveRefresh(
            self.tasks,
            lambda: self.filters.location_id,
            self.refresh_changed,
            self.refresh_everything,
            self,
            busy=lambda: import_pool().activeThreadCount() > 0,  # the import's own commits: refreshed at its end
        )
        self.ready.emit()

    def _make_progress(self) -> None:
        """What the database worker is busy with, beside the tabs, once it takes more than a moment.

        Words in a box of fixed size, not an animated bar in a status bar: showing them never relayouts (and
        repaints) the window, and a busy bar would repaint many times a second while the database waits."""
        corner = QWidget(self.main_tabs)
        row = QHBoxLayout(corner)
        row.setContentsMargins(0, 0, 4, 0)
        self.progress = name_widget(QLabel(corner), "db_progress", "Waiting for the database")
        self.progress.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.progress.setFixedWidth(300)
        self.progress_cancel = name_widget(QPushButton("Cancel", corner), "db_progress_cancel",
                                           "Stop waiting for the search")
        self.progress_cancel.clicked.connect(self.tasks.cancel_all)
        keep = self.progress_cancel.sizePolicy()
        keep.setRetainSizeWhenHidden(True)
        self.progress_cancel.setSizePolicy(keep)
        self.progress_cancel.hide()
        row.addWidget(self.progress)
        row.addWidget(self.progress_cancel)
        self.main_tabs.setCornerWidget(corner, Qt.Corner.TopRightCorner)
        self.tasks.progress_shown.connect(self._show_progress)
        self.tasks.progress_hidden.connect(self._hide_progress)

    def _show_progress(self, label: str) -> None:
        self.progress.setText(label)
        self.progress_cancel.setVisible(label.startswith("Searching"))  # a read: nothing is lost by stopping

    def _hide_progress(self) -> None:
        self.progress.setText("")
        self.progress_cancel.hide()

    def _make_menus(self) -> None:
        def action(menu: Any, text: str, name: str, slot: Any, keys: Shortcut = None) -> QAction:
            act = QAction(text, self)
            act.setObjectName(name)
            if keys is not None:
                act.setShortcut(keys)
            act.triggered.connect(slot)
            menu.addAction(act)
            return act

        file_menu = self.menuBar().addMenu("&File")
        self.import_action = action(file_menu, "&Import provider export...", "import_action",
                                    lambda: self.open_import_dialog(), QKeySequence("Ctrl+I"))
        file_menu.addSeparator()
        action(file_menu, "&Quit", "quit_action", self.close, QKeySequence.StandardKey.Quit)
        contacts = self.menuBar().addMenu("&Contacts")
        self.find_action = action(contacts, "&Find", "find_action", self.focus_search, QKeySequence("Ctrl+F"))
        action(contacts, "&Possible opt-outs...", "opt_outs_action", lambda: self.open_possible_opt_outs())
        action(contacts, "Opt-in &reviews", "reviews_action", lambda: self.main_tabs.setCurrentWidget(self.reviews),
               QKeySequence("Ctrl+R"))
        location = self.menuBar().addMenu("&Location")
        action(location, "&Integrations...", "integrations_action", lambda: self.open_integrations())

    def _connect(self) -> None:
        self.filters.changed.connect(self.apply_filters)
        self.filters.location_changed.connect(self._location_changed)
        self.model.count_changed.connect(self.filters.show_count)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.panel.contact_changed.connect(self._contact_changed)
        self.panel.message.connect(self.messages.show_message)
        self.panel.review_submitted.connect(lambda review_id: self.reviews.refresh(review_id))
        self.panel.review_requested.connect(self.open_review)
        self.reviews.open_requested.connect(self.open_review)
        self.reviews.model.pending_count_changed.connect(self._show_pending)
        self.main_tabs.currentChanged.connect(self._main_tab_changed)

    # -- reacting to the agent

    def focus_search(self) -> None:
        self.filters.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filters.search.selectAll()

    def current_filter(self) -> ContactFilter:
        f, base = self.filters, self.model.filter or ContactFilter(self.filters.location_id)
        return ContactFilter(f.location_id, f.search.text(), f.status_value, f.channel_value, f.kind_value,
                             f.only_ids, base.sort, base.descending, self.ctx.region)

    def apply_filters(self) -> None:
        if self.locations:
            self.model.set_filter(self.current_filter())

    def _location_changed(self, location_id: int) -> None:
        self.settings.setValue("location", dict(self.locations).get(location_id, ""))
        self.panel.show_contact(None)
        self.history.show_contact(None)
        self.reviews.model.set_location(location_id)
        self.apply_filters()

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        contact_id = indexes[0].data(CONTACT_ID_ROLE) if indexes else None
        if contact_id is not None:
            self.panel.show_contact(int(contact_id))
            self.history.show_contact(int(contact_id))

    def _contact_changed(self, contact_id: int) -> None:
        self.model.refresh_contacts([contact_id])
        self.history.show_contact(contact_id)

    def refresh_changed(self, ids: Iterable[int] | None) -> None:
        """Another console changed these contacts (None: some contacts): re-read their rows and the panel."""
        shown = self.model.cached_ids()
        wanted = shown if ids is None else [cid for cid in shown if cid in set(ids)]
        if wanted:
            self.model.refresh_contacts(wanted)
        current = self.panel.contact_id
        if current is not None and (ids is None or current in set(ids)):
            self.panel.reload()
            self.history.show_contact(current)

    def refresh_everything(self) -> None:
        """Read the list, the open contact and the reviews again (all queued on the worker, in this order)."""
        self.model.refresh()
        self.panel.reload()
        self.history.show_contact(self.panel.contact_id)
        self.reviews.refresh()

    def _show_pending(self, pending: int) -> None:
        self.main_tabs.setTabText(self.main_tabs.indexOf(self.reviews), tab_title(pending))

    def _main_tab_changed(self, _index: int) -> None:
        """The search and DND filters are about contacts: greyed while the reviews are shown."""
        on_contacts = self.main_tabs.currentWidget() is self.splitter
        for widget in (self.filters.search, self.filters.status, self.filters.channel, self.filters.kind):
            widget.setEnabled(on_contacts)
        if not on_contacts:
            self.reviews.refresh()

    # -- dialogs

    def open_import_dialog(self, paths: list[Path] | None = None) -> ImportDialog:
        names = [n for _, n in self.locations]
        current = dict(self.locations).get(self.filters.location_id, names[0])
        dialog = ImportDialog(self.ctx, names, current, self.actor, parent=self)
        dialog.imported.connect(lambda _summary: self.refresh_everything())
        dialog.crashed.connect(self.crashes.report)
        dialog.summary.show_contacts.connect(self.filters.show_only)
        if paths:
            dialog.set_files(paths)
        dialog.show()
        return dialog

    def open_integrations(self) -> IntegrationsDialog:
        dialog = IntegrationsDialog(self.tasks, self.filters.location_id, self)
        dialog.integrations_changed.connect(lambda _id: self.refresh_everything())
        dialog.show()
        return dialog

    def open_possible_opt_outs(self) -> PossibleOptOutsDialog:
        dialog = PossibleOptOutsDialog(self.tasks, self.filters.location_id, self)
        dialog.decided.connect(self._opt_out_decided)
        dialog.show()
        return dialog

    def open_review(self, review_id: int) -> ReviewDialog:
        """The review's dialog (one per review), beside the window."""
        dialog = self.review_dialogs.get(review_id)
        if dialog is not None:
            dialog.raise_()
            dialog.activateWindow()
            return dialog
        dialog = ReviewDialog(self.tasks, review_id, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.review_changed.connect(self._review_changed)
        dialog.finished.connect(lambda _code: self.review_dialogs.pop(review_id, None))
        self.review_dialogs[review_id] = dialog
        dialog.show()
        return dialog

    def _review_changed(self, review: Review) -> None:
        self.model.refresh_contacts([review.contact_id])
        self.panel.reload()
        self.history.show_contact(self.panel.contact_id)
        self.reviews.refresh(review.id)

    def _opt_out_decided(self, contact_ids: frozenset[int]) -> None:
        self.model.refresh_contacts(contact_ids)
        self.panel.reload()
        self.history.show_contact(self.panel.contact_id)

    # -- drag and drop, settings

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and all(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_import_dialog(paths)

    def _restore(self) -> None:
        geometry = self.settings.value("geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 820)
        splitter = self.settings.value("splitter")
        if isinstance(splitter, QByteArray) and not splitter.isEmpty():
            self.splitter.restoreState(splitter)

    def closeEvent(self, event: QCloseEvent) -> None:
        cancel_running_imports()  # an import stops after the chunk in hand; running it again completes it
        if self.live is not None:
            self.live.stop()
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("splitter", self.splitter.saveState())
        self.settings.sync()
        self.tasks.shutdown()  # what is queued (a toggle being saved) still completes
        super().closeEvent(event)
