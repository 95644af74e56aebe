"""The status badge: the word On / Off / Partial on a coloured pill, so colour is never the only signal."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter
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

