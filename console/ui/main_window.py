"""The console window: the contact list in the centre, the selected contact on the right."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QItemSelection, QModelIndex, QPoint, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMainWindow,
    QMenu,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from console.domain.channels import Channel, DndKind
from console.domain.reviews import Review
from console.domain.roles import admin_action_blockers
from console.services import agents
from console.services.context import AppContext, Settings
from console.services.dnd import DndResult
from console.services.reads import ContactView
from console.store.contact_list import ContactFilter
from console.store.db import Store
from console.ui import ops
from console.ui.contact_dialog import ContactDialog
from console.ui.contact_model import CONTACT_ID_ROLE, FIXED_COLUMNS, KIND_ROLE, ContactTableModel
from console.ui.contact_panel import ContactPanel
from console.ui.contact_table import ContactTable
from console.ui.context_menu import MenuActions, RowFacts, contact_menu
from console.ui.crash import CrashReporter
from console.ui.export_list import ask_export_path, write_list_csv
from console.ui.filter_bar import FilterBar
from console.ui.history_view import HistoryView
from console.ui.icons import icon
from console.ui.import_dialog import ImportDialog
from console.ui.import_worker import cancel_running_imports, import_pool
from console.ui.insight_actions import InsightActions
from console.ui.integrations import IntegrationsDialog
from console.ui.legend import LegendDialog, LegendStrip
from console.ui.live_refresh import LiveRefresh
from console.ui.message_bar import MessageBar
from console.ui.naming import name_widget
from console.ui.operations import ChangeOp, QueryOp
from console.ui.opt_outs import OptOutCount, PossibleOptOutsDialog
from console.ui.plain import install_plain_tooltips, plain_label
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
        install_plain_tooltips()
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
        self.acting: agents.ActingView | None = None
        self.open_at_contact: str | None = None  # gui --contact: selected once the window has started
        self.pending_selection: int | None = None
        self.pending_row: int | None = None  # the selected row before a refresh: where to look for it again
        self.awaited_row: tuple[int, int] | None = None  # (contact, row): selected once that row's page is read
        self.context_menu: QMenu | None = None
        self.contact_dialog: ContactDialog | None = None
        self.locations: list[tuple[int, str]] = []
        self.ask_export_path: Callable[[QWidget | None, str], Path | None] = ask_export_path  # tests answer it

        self.filters = FilterBar(self)
        self.model = ContactTableModel(self.tasks, None, self)
        self.table = ContactTable(self.model, self.settings, self)
        self.panel = ContactPanel(self.tasks, self)
        self.history = HistoryView(self.tasks, self)
        self.tabs = name_widget(QTabWidget(self), "contact_tabs", "Contact details")
        self.tabs.addTab(self.panel, "DND by channel")
        self.tabs.addTab(self.history, "History")
        self.splitter = name_widget(QSplitter(Qt.Orientation.Horizontal, self), "main_splitter", "List and contact")
        self.legend = LegendStrip(self)
        self.legend.more.clicked.connect(lambda: self.open_legend())
        self.legend_dialog: LegendDialog | None = None
        list_side = QWidget(self)
        list_layout = QVBoxLayout(list_side)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.setSpacing(2)
        list_layout.addWidget(self.table, 1)
        list_layout.addWidget(self.legend)
        self.splitter.addWidget(list_side)
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
        # The overview (stats as plots): computed when shown, after the start, a location change or new data.
        from console.ui.overview_tab import OverviewTab

        self.overview = OverviewTab(self.tasks, lambda: dict(self.locations).get(self.filters.location_id), self)
        self.overview.open_opt_outs.connect(lambda: self.open_possible_opt_outs())
        self.overview.open_reviews.connect(lambda: self.main_tabs.setCurrentWidget(self.reviews))
        self.filters.location_changed.connect(self.overview.location_changed)
        self.ready.connect(self.overview.data_changed)
        self.main_tabs.addTab(self.overview, "Overview")
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
        self.acting = start.acting
        self._show_acting(start.acting)
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
        if self.open_at_contact:
            self.select_contact(self.open_at_contact)

    def select_contact(self, ref: str) -> None:
        """Select the contact an id, email or phone names (``gui --contact``): the list shows it alone, selected."""
        (QueryOp(self.tasks, lambda ctx: ops.find_contact(ctx, ref))
         .success(lambda found: self._show_found(found[0], found[1], ref))
         .run_in_background())

    def _show_found(self, contact_id: int, location_id: int, ref: str) -> None:
        if location_id != self.filters.location_id:
            self.filters.set_locations(self.locations, location_id)
            self._location_changed(location_id)
        self.pending_selection = contact_id
        self.filters.show_only(frozenset({contact_id}), f"Contact {ref}")
        self.panel.show_contact(contact_id)
        self.history.show_contact(contact_id)

    def _select_pending(self) -> None:
        """After a reset: select the row of the contact asked for (or still shown), if the list has it.

        Only the first page is loaded after a reset; a contact that was selected further down (``pending_row``,
        kept by ``refresh_everything``) is looked for again when the page of its old row has been read."""
        wanted = self.pending_selection if self.pending_selection is not None else self.panel.contact_id
        hint, self.pending_row, self.pending_selection, self.awaited_row = self.pending_row, None, None, None
        if wanted is None:
            return
        row = self.model.row_of(wanted)
        if row is None and hint is not None and 0 <= hint < self.model.rowCount():
            self.awaited_row = (wanted, hint)
            self.model.contact_id(hint)  # asks for the page of its old row; _page_arrived looks again
            return
        self._select_row(row)

    def _select_row(self, row: int | None) -> None:
        if row is not None:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    def _page_arrived(self, top: QModelIndex, bottom: QModelIndex) -> None:
        if self.awaited_row is None or not top.row() <= self.awaited_row[1] <= bottom.row():
            return
        wanted, self.awaited_row = self.awaited_row[0], None
        if self.panel.contact_id == wanted:  # the agent did not move on meanwhile
            self._select_row(self.model.row_of(wanted))

    def _show_acting(self, who: agents.ActingView) -> None:
        """Who acts, in the title and the status bar; what their role cannot do is disabled, saying why."""
        self.setWindowTitle(f"{self.windowTitle()} — {who.name} ({who.role})")
        self.acting_label.setText(who.words)
        self.acting_label.setToolTip(
            "The name is the one this console was started with (SQLite has no logins): "
            "set it with DND_CONSOLE_ACTOR (default: the login name)." if who.claimed
            else "The PostgreSQL user this console is logged in as.")
        blockers = admin_action_blockers(who.name, who.role, who.admin_exists, "connect or disconnect channels")
        self.integrations_action.setEnabled(not blockers)
        self.integrations_action.setToolTip(blockers[0] if blockers else "Connect or disconnect channels")
        self.integrations_action.setStatusTip(blockers[0] if blockers else "")
        if blockers:
            self.integrations_action.setText("&Integrations... (admins only)")

    def _make_progress(self) -> None:
        """What the database worker is busy with, beside the tabs, once it takes more than a moment.

        Words in a box of fixed size, not an animated bar in a status bar: showing them never relayouts (and
        repaints) the window, and a busy bar would repaint many times a second while the database waits."""
        corner = QWidget(self.main_tabs)
        row = QHBoxLayout(corner)
        row.setContentsMargins(0, 0, 4, 0)
        self.progress = name_widget(plain_label(corner), "db_progress", "Waiting for the database")
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
        self.insight = InsightActions(self)  # bulk changes, their undo, the consent report (insight_actions.py)
        file_menu.addAction(self.insight.report)
        self.export_action = action(file_menu, "&Export list...", "export_action", lambda: self.export_list(),
                                    QKeySequence("Ctrl+Shift+E"))
        self.export_action.setToolTip("Save the list as shown (search and filters applied) as a CSV file")
        file_menu.addSeparator()
        action(file_menu, "&Quit", "quit_action", self.close, QKeySequence.StandardKey.Quit)
        contacts = self.menuBar().addMenu("&Contacts")
        self.new_contact_action = action(contacts, "&New contact...", "new_contact_action",
                                         lambda: self.open_contact_dialog(None), QKeySequence("Ctrl+N"))
        self.edit_contact_action = action(contacts, "&Edit contact...", "edit_contact_action",
                                          lambda: self.edit_shown_contact(), QKeySequence("Ctrl+E"))
        self.find_action = action(contacts, "&Find", "find_action", self.focus_search, QKeySequence("Ctrl+F"))
        action(contacts, "&Possible opt-outs...", "opt_outs_action", lambda: self.open_possible_opt_outs())
        action(contacts, "Opt-in &reviews", "reviews_action", lambda: self.main_tabs.setCurrentWidget(self.reviews),
               QKeySequence("Ctrl+R"))
        self.insight.add_to_menu(contacts)
        location = self.menuBar().addMenu("&Location")
        self.integrations_action = action(location, "&Integrations...", "integrations_action",
                                          lambda: self.open_integrations())
        location.setToolTipsVisible(True)
        help_menu = self.menuBar().addMenu("&Help")
        self.legend_action = action(help_menu, "Icon &legend", "legend_action", lambda: self.open_legend(),
                                    QKeySequence.StandardKey.HelpContents)
        self.acting_label = name_widget(plain_label(self), "acting_as", "Who is acting")
        self.acting_label.setText("Acting as ...")
        self.statusBar().addPermanentWidget(self.acting_label)
        self.opt_out_count = OptOutCount(self.tasks, self)  # pending and overdue possible opt-outs; opens them
        self.opt_out_count.clicked.connect(lambda: self.open_possible_opt_outs())
        self.reviews.model.loaded.connect(lambda: self.opt_out_count.refresh(self.reviews.model.location_id))
        self.statusBar().addPermanentWidget(self.opt_out_count)

    def _connect(self) -> None:
        self.filters.changed.connect(self.apply_filters)
        self.filters.location_changed.connect(self._location_changed)
        self.model.count_changed.connect(lambda count: self.filters.show_count(count, self.model.counting))
        self.model.count_changed.connect(lambda _count: self._select_pending())
        self.model.dataChanged.connect(self._page_arrived)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        for keys in ("Shift+F10", "Menu"):  # the same menu from the keyboard, for the current row
            menu_keys = QShortcut(QKeySequence(keys), self.table)
            menu_keys.setContext(Qt.ShortcutContext.WidgetShortcut)
            menu_keys.activated.connect(self.keyboard_context_menu)
        self.model.count_changed.connect(self._show_empty_hint)
        self.panel.contact_changed.connect(self._contact_changed)
        self.panel.message.connect(self.messages.show_message)
        self.panel.stale.connect(self.messages.close_note)
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
        # Many rows may be selected (Ctrl+A): the panel shows the current row, read from ranges, never per cell.
        current = self.table.currentIndex()
        rows = [selected.at(i).top() for i in range(selected.count())]
        row = current.row() if current.isValid() and self.table.selectionModel().isRowSelected(current.row()) \
            else (rows[0] if rows else -1)
        contact_id = self.model.index(row, 0).data(CONTACT_ID_ROLE) if row >= 0 else None
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
        self.overview.data_changed()

    def refresh_everything(self) -> None:
        """Read the list, the open contact and the reviews again (all queued on the worker, in this order); the
        selected contact is selected again in the new list."""
        rows = self.table.selectionModel().selectedRows()
        self.pending_row = rows[0].row() if rows else None
        self.model.refresh()
        self.panel.reload()
        self.history.show_contact(self.panel.contact_id)
        self.reviews.refresh()
        self.overview.data_changed()

    def _show_pending(self, pending: int) -> None:
        self.main_tabs.setTabText(self.main_tabs.indexOf(self.reviews), tab_title(pending))

    def _main_tab_changed(self, _index: int) -> None:
        """The search and DND filters are about contacts: greyed while the reviews are shown."""
        on_contacts = self.main_tabs.currentWidget() is self.splitter
        for widget in (self.filters.search, self.filters.status, self.filters.channel, self.filters.kind):
            widget.setEnabled(on_contacts)
        if not on_contacts:
            self.reviews.refresh()

    def _show_empty_hint(self, count: int) -> None:
        """An empty location (no filter narrowing it): say how to get contacts in."""
        f = self.model.filter
        unfiltered = f is not None and not (f.search or f.status or f.channel or f.kind or f.contact_ids is not None)
        if count == 0 and unfiltered:
            self.messages.show_message("info", "No contacts yet: import a provider export (File > Import, Ctrl+I, "
                                       "or drop files here) or add a contact (Contacts > New contact, Ctrl+N).")

    def row_facts(self, row: int) -> RowFacts | None:
        contact_id = self.model.contact_id(row)
        if contact_id is None:
            return None
        kinds: dict[Channel, DndKind | None] = {}
        for offset, channel in enumerate(self.model.channels):
            value = self.model.index(row, len(FIXED_COLUMNS) + offset).data(KIND_ROLE)
            kinds[channel] = DndKind(value) if value else None
        return RowFacts(contact_id, self.model.index(row, 1).data() or "", self.model.index(row, 2).data() or "",
                        kinds)

    def _context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        facts = self.row_facts(index.row()) if index.isValid() else None
        if facts is None:
            return
        if not self.table.selectionModel().isRowSelected(index.row()):  # a right-click keeps a multi-selection
            self.table.selectRow(index.row())
        self.context_menu = contact_menu(self.table, facts, MenuActions(
            self._menu_set_dnd, self._menu_history, self._menu_review, lambda cid: self.open_contact_dialog(cid),
            lambda what, text: self.messages.show_message("info", f"Copied the {what} {text} to the clipboard.")))
        self.insight.add_to_context_menu(self.context_menu, facts.contact_id)
        self.context_menu.popup(self.table.viewport().mapToGlobal(pos))

    def keyboard_context_menu(self) -> None:
        current = self.table.currentIndex()
        if current.isValid():
            self._context_menu(self.table.visualRect(self.model.index(current.row(), 0)).center())

    def _menu_set_dnd(self, contact_id: int, channel: Channel | None, turn_on: bool) -> None:
        def done(result: DndResult) -> None:
            refused = [r.message for c in result.contacts for r in c.refused]
            if refused:
                self.messages.show_message("warning", " ".join(refused))
            self._contact_changed(contact_id)
            if self.panel.contact_id == contact_id:
                self.panel.reload()

        channels = None if channel is None else [channel]
        (ChangeOp(self.tasks, lambda ctx: ops.set_dnd(ctx, contact_id, channels, turn_on, False, None))
         .with_progress("Saving the DND change...")
         .success(done)
         .run_in_background())

    def _menu_history(self, contact_id: int) -> None:
        self.history.show_contact(contact_id)
        self.tabs.setCurrentWidget(self.history)

    def _menu_review(self, contact_id: int, channel: Channel) -> None:
        self.tabs.setCurrentWidget(self.panel)
        if self.panel.contact_id == contact_id:
            self.panel.request_review(channel)

    def edit_shown_contact(self) -> None:
        if self.panel.contact_id is not None:
            self.open_contact_dialog(self.panel.contact_id)

    def open_contact_dialog(self, contact_id: int | None) -> None:
        """New contact (None) in the shown location, or the contact's fields read first on the worker."""
        if contact_id is None:
            self._show_contact_dialog(None)
            return
        QueryOp(self.tasks, lambda ctx: ops.contact_view(ctx, contact_id)).success(
            self._show_contact_dialog).run_in_background()

    def _show_contact_dialog(self, contact: ContactView | None) -> ContactDialog:
        location_id = contact.location_id if contact else self.filters.location_id
        dialog = ContactDialog(self.tasks, location_id, contact, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._contact_saved)
        dialog.finished.connect(lambda _code: setattr(self, "contact_dialog", None))
        self.contact_dialog = dialog
        dialog.show()
        return dialog

    def _contact_saved(self, contact_id: int) -> None:
        self.messages.close_note()
        self.pending_selection = contact_id
        self.model.refresh()
        self.panel.show_contact(contact_id)
        self.history.show_contact(contact_id)

    # -- dialogs

    def open_legend(self) -> LegendDialog:
        if self.legend_dialog is None:
            self.legend_dialog = LegendDialog(self)
        self.legend_dialog.show()
        self.legend_dialog.raise_()
        return self.legend_dialog

    def export_list(self) -> None:
        """File > Export list...: the list as filtered now, written on the worker; the file and count said after."""
        if not self.locations:
            return
        flt = self.current_filter()
        path = self.ask_export_path(self, dict(self.locations).get(flt.location_id, ""))
        if path is None:
            return
        (QueryOp(self.tasks, lambda ctx: write_list_csv(ctx, flt, path))
         .with_progress(f"Exporting the list to {path.name}...")
         .without_retry()
         .success(lambda count: self.messages.show_message(
             "info", f"Exported {count:,} contact{'' if count == 1 else 's'} to {path}."))
         .run_in_background())

    def open_import_dialog(self, paths: list[Path] | None = None) -> ImportDialog:
        names = [n for _, n in self.locations]
        current = dict(self.locations).get(self.filters.location_id, names[0])
        dialog = ImportDialog(self.ctx, names, current, self.actor, parent=self, settings=self.settings)
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
        dialog.counted.connect(self.opt_out_count.show_counts)
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
        for timer in self.findChildren(QTimer):  # ends, refreshes, the plots' preload: none fires after closing,
            timer.stop()  # and none is left running for whichever thread lets go of the window last
        super().closeEvent(event)
