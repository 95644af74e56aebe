"""Outside text (names, addresses, reasons, notes from imports or typed by agents) is shown as plain text, never
markup: every label is made by :func:`plain_label` and every tooltip of the application is shown escaped."""

from __future__ import annotations

import html
from typing import Any, TypeVar

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QAbstractItemView, QApplication, QHeaderView, QLabel, QToolTip, QWidget

L = TypeVar("L", bound=QLabel)

#: The type of a label made by :func:`plain_label` (for annotations: the window names no bare ``QLabel`` type).
PlainLabel = QLabel


def plain_label(*args: Any) -> QLabel:
    """The window's label (``QLabel``'s arguments): it shows its text as typed (``<b>`` stays ``<b>``, a link is no
    link), whatever the text is or becomes. Every label of the window is made here, so none is left to Qt's guess
    at markup."""
    label = QLabel(*args)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def bold(label: L) -> L:
    """A heading: the label's font in bold (never ``<b>`` markup, which a plain label shows as typed)."""
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def plain_tip(text: str) -> str:
    """Rich text whose rendering is exactly ``text`` (Qt guesses whether a tooltip is markup; this is never
    guessed as anything else than what it says)."""
    return "<qt>" + html.escape(text, quote=False).replace("\n", "<br>") + "</qt>"


class PlainToolTips(QObject):
    """An application event filter: shows each widget's and each item's tooltip escaped (``plain_tip``)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.ToolTip or not isinstance(watched, QWidget) \
                or not isinstance(event, QHelpEvent):
            return False
        text = tooltip_at(watched, event)
        if text is None:
            return False
        if text:
            QToolTip.showText(event.globalPos(), plain_tip(text), watched)
        else:
            QToolTip.hideText()
            event.ignore()
        return True


def tooltip_at(widget: QWidget, event: QHelpEvent) -> str | None:
    """The tooltip a widget (or the item under the pointer in a view) would show; None: not ours to show."""
    view = widget.parentWidget()
    if isinstance(view, QAbstractItemView) and not isinstance(view, QHeaderView) and widget is view.viewport():
        index = view.indexAt(event.pos())
        value = index.data(Qt.ItemDataRole.ToolTipRole) if index.isValid() else None
        return "" if value is None else str(value)
    if isinstance(widget, QAbstractItemView):
        return None
    return widget.toolTip()


_FILTER: list[PlainToolTips] = []


def install_plain_tooltips() -> None:
    """Once per application (the window calls it; so does the app)."""
    app = QApplication.instance()
    if app is None or _FILTER:
        return
    tips = PlainToolTips(app)
    app.installEventFilter(tips)
    _FILTER.append(tips)
