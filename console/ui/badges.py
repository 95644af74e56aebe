"""The status badge: the word On / Off / Partial on a coloured pill, so colour is never the only signal; and the
channel cells' state icons, drawn the same on a selected row."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QIcon, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from console.domain.state import Status
from console.ui.contact_model import STATUS_ROLE

#: (fill, text) per status; chosen to read on light and dark palettes alike.
BADGE_COLOURS: dict[str, tuple[str, str]] = {
    Status.ON.value: ("#c62828", "#ffffff"),
    Status.PARTIAL.value: ("#f0a020", "#1a1a1a"),
    Status.OFF.value: ("#2e7d32", "#ffffff"),
}


def badge_colours(status: str) -> tuple[QColor, QColor]:
    fill, text = BADGE_COLOURS.get(status, ("#808080", "#ffffff"))
    return QColor(fill), QColor(text)


class StatusBadgeDelegate(QStyledItemDelegate):
    """Paints the status column as a pill; the text stays the model's DisplayRole."""

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        status = index.data(STATUS_ROLE)
        text = index.data(Qt.ItemDataRole.DisplayRole)
        if not status or not text:
            super().paint(painter, option, index)
            return
        self.initStyleOption(option, index)
        widget: Any = option.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            option.text = ""
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, widget)
        fill, ink = badge_colours(str(status))
        metrics = QFontMetrics(option.font)
        rect = option.rect
        width = metrics.horizontalAdvance(str(text)) + 16
        height = min(rect.height() - 4, metrics.height() + 4)
        pill = QRectF(rect.x() + 4, rect.y() + (rect.height() - height) / 2, width, height)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(pill, height / 2, height / 2)
        painter.setPen(ink)
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, str(text))
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(hint.width() + 24, hint.height() + 4)


class StateIconDelegate(QStyledItemDelegate):
    """Paints a channel cell's state icon in its own colours, centred, on every row.

    The style would draw a selected row's icon in its "selected" mode, tinted with the highlight colour: the
    icons looked dimmed and the grey "off" circle vanished. Here the row's background (selection, focus) comes
    from the style, and the icon is drawn in normal mode on a light disc when the row is selected, so each state
    reads the same on a selected row as on any other. Cells without an icon are painted as usual."""

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        decoration = index.data(Qt.ItemDataRole.DecorationRole)
        if not isinstance(decoration, QIcon):
            super().paint(painter, option, index)
            return
        self.initStyleOption(option, index)
        widget: Any = option.widget
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        option.icon = QIcon()
        option.features &= ~QStyleOptionViewItem.ViewItemFeature.HasDecoration
        option.text = ""
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, widget)
        side = min(option.decorationSize.width(), option.rect.height() - 4)
        rect = option.rect
        target = QRect(rect.x() + (rect.width() - side) // 2, rect.y() + (rect.height() - side) // 2, side, side)
        painter.save()
        if selected:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#ffffff"))
            painter.drawEllipse(QRectF(target).adjusted(-2.5, -2.5, 2.5, 2.5))
        decoration.paint(painter, target, Qt.AlignmentFlag.AlignCenter, QIcon.Mode.Normal, QIcon.State.Off)
        painter.restore()
