"""The contact list's table view: rows not cells, columns that fit the screen, hidden and resized at will.

Every channel column is as wide as its header (icon and label) needs, so at 1280x800 all six are readable;
the name and email columns take what is left on a wide screen. The agent resizes a column by dragging its
edge and hides or shows columns from the header's context menu; both are remembered in QSettings by column
title (the channel columns come and go with the location's connections).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QStyle, QStyleOptionHeader, QTableView, QWidget

from console.ui.badges import StatusBadgeDelegate
from console.ui.contact_model import FIXED_COLUMNS, STATUS_COLUMN, ContactTableModel
from console.ui.naming import name_widget

#: Starting widths of Name, Email, Phone, Status; Name and Email share any room left over.
FIXED_WIDTHS = (130, 150, 112, 72)
STRETCHED = (0, 1)
MIN_STRETCHED = 90
HIDDEN_KEY = "contact_list/hidden"
WIDTHS_KEY = "contact_list/widths"
#: A visible focus: the current row is outlined, whichever widget has the keyboard.
FOCUS_STYLE = (
    "QTableView:focus { border: 2px solid palette(highlight); }"
    "QTableView::item:focus { border: 1px dotted palette(highlighted-text); }"
)


class ContactTable(QTableView):
    """The list; ``columns_changed`` after the agent hid, showed or resized a column."""

    columns_changed = Signal()

    def __init__(self, model: ContactTableModel, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name_widget(self, "contact_list", "Contacts")
        self.settings = settings
        self._fitting = False
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)  # Shift/Ctrl-click, Ctrl+A: bulk
        self.setItemDelegateForColumn(STATUS_COLUMN, StatusBadgeDelegate(self))
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setAlternatingRowColors(True)
        self.setTabKeyNavigation(False)  # Tab leaves the list (to the contact's panel); arrows move by row
        self.setStyleSheet(FOCUS_STYLE)
        rows = self.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(max(26, self.fontMetrics().height() + 10))
        rows.hide()
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(36)
        header.setTextElideMode(Qt.TextElideMode.ElideRight)
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        header.sectionResized.connect(self._section_resized)
        self.setSortingEnabled(True)
        model.modelReset.connect(self.fit_columns)
        self.fit_columns()

    # -- what is remembered, by column title

    def _title(self, column: int) -> str:
        return str(self.model().headerData(column, Qt.Orientation.Horizontal) or "")

    def hidden_titles(self) -> set[str]:
        value = self.settings.value(HIDDEN_KEY, [])
        if isinstance(value, str):
            value = [value] if value else []
        return {str(v) for v in value} if isinstance(value, list | tuple) else set()

    def _widths(self) -> dict[str, int]:
        value = self.settings.value(WIDTHS_KEY, {})
        if not isinstance(value, dict):
            return {}
        return {str(k): int(v) for k, v in value.items() if str(v).isdigit()}

    def set_column_hidden(self, title: str, hidden: bool) -> None:
        titles = self.hidden_titles() - {title} | ({title} if hidden else set())
        self.settings.setValue(HIDDEN_KEY, sorted(titles))
        self.fit_columns()
        self.columns_changed.emit()

    def reset_columns(self) -> None:
        self.settings.remove(HIDDEN_KEY)
        self.settings.remove(WIDTHS_KEY)
        self.fit_columns()
        self.columns_changed.emit()

    def _section_resized(self, column: int, _old: int, new: int) -> None:
        if self._fitting or new <= 0:
            return
        widths = self._widths()
        widths[self._title(column)] = new
        self.settings.setValue(WIDTHS_KEY, widths)
        self.columns_changed.emit()

    # -- widths

    def header_width(self, column: int) -> int:
        """What the header section needs to show its title and icon in full (the style's own measure)."""
        header = self.horizontalHeader()
        option = QStyleOptionHeader()
        option.initFrom(header)
        option.text = self._title(column)
        icon = self.model().headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DecorationRole)
        if icon is not None:
            option.icon = icon
        option.section = column
        size = header.style().sizeFromContents(QStyle.ContentsType.CT_HeaderSection, option, header.sizeHint(),
                                               header)
        return size.width() + 6  # room for the sort arrow's margin on styles that draw it inside

    def fit_columns(self) -> None:
        """Each column at its remembered width, else the width its header and content need; Name and Email
        share the room left over (a remembered width is the least they get)."""
        model = self.model()
        if model is None:
            return
        header = self.horizontalHeader()
        hidden, widths = self.hidden_titles(), self._widths()
        self._fitting = True
        try:
            for column in range(model.columnCount()):
                title = self._title(column)
                self.setColumnHidden(column, title in hidden)
                default = FIXED_WIDTHS[column] if column < len(FIXED_COLUMNS) else self.header_width(column)
                width = widths.get(title, default)
                if column >= len(FIXED_COLUMNS):
                    width = max(width, self.header_width(column)) if title not in widths else width
                header.resizeSection(column, width)
            spare = self.viewport().width() - sum(
                header.sectionSize(c) for c in range(model.columnCount()) if not header.isSectionHidden(c))
            growing = [c for c in STRETCHED if c < model.columnCount() and not header.isSectionHidden(c)]
            if spare > 0 and growing:
                for n, column in enumerate(growing):
                    share = spare // len(growing) + (spare % len(growing) if n == 0 else 0)
                    header.resizeSection(column, header.sectionSize(column) + share)
            elif spare < 0 and growing:  # a narrow window: Name and Email give up room first, down to a minimum
                for column in growing:
                    if self._title(column) in widths:
                        continue
                    give = min(-spare, max(0, header.sectionSize(column) - MIN_STRETCHED))
                    header.resizeSection(column, header.sectionSize(column) - give)
                    spare += give
        finally:
            self._fitting = False

    def moveCursor(self, action: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier) -> QModelIndex:
        """The list moves by row: Left and Right stay on the row, Home and End go to the first and last row; the
        current cell is always the row's first (the name), so the focus never wanders along a row."""
        rows = self.model().rowCount()
        current = self.currentIndex()
        Move = QAbstractItemView.CursorAction
        if action in (Move.MoveLeft, Move.MoveRight, Move.MoveNext, Move.MovePrevious):
            return self.model().index(current.row(), 0) if current.isValid() else current
        if action == Move.MoveHome and rows:
            return self.model().index(0, 0)
        if action == Move.MoveEnd and rows:
            return self.model().index(rows - 1, 0)
        moved = super().moveCursor(action, modifiers)
        return self.model().index(moved.row(), 0) if moved.isValid() else moved

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.fit_columns()

    # -- the header's menu

    def _header_menu(self, pos: QPoint) -> QMenu:
        menu = self.column_menu()
        menu.popup(self.horizontalHeader().mapToGlobal(pos))
        return menu

    def column_menu(self) -> QMenu:
        """Show or hide each column (the last visible one stays), and go back to the starting layout."""
        menu = QMenu(self)
        menu.setObjectName("column_menu")
        model = self.model()
        hidden = self.hidden_titles()
        visible = [c for c in range(model.columnCount()) if self._title(c) not in hidden]
        for column in range(model.columnCount()):
            title = self._title(column)
            tip = model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
            act = QAction(str(tip).split(":")[0] if tip else title, menu)
            act.setCheckable(True)
            act.setChecked(title not in hidden)
            act.setEnabled(not (title not in hidden and len(visible) == 1))
            act.toggled.connect(lambda on, t=title: self.set_column_hidden(t, not on))
            menu.addAction(act)
        menu.addSeparator()
        reset = QAction("Reset columns", menu)
        reset.triggered.connect(self.reset_columns)
        menu.addAction(reset)
        return menu

