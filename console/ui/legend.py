"""What each state icon means: a strip under the list, and Help > Icon legend (F1) with a sentence per icon.

Both are made from ``icons.LEGEND``, the same table the list and the panel take their icons from."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from console.ui.icons import LEGEND, icon
from console.ui.naming import name_widget
from console.ui.plain import PlainLabel, plain_label

STRIP_ICON = QSize(16, 16)
DIALOG_ICON = QSize(22, 22)


class LegendStrip(QWidget):
    """One line under the list: each icon the list shows, with its name (its meaning in the tooltip), and a
    button that opens the full legend (with the panel's "not connected" too). The strip never widens the list:
    on a narrow one, the names that do not fit are hidden from the right (the button always shows)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        name_widget(self, "legend_strip", "Icon legend")
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 2, 4, 2)
        row.setSpacing(0)
        self.items: list[QWidget] = []
        for entry in LEGEND:
            if not entry.in_list:
                continue
            item = name_widget(QWidget(self), f"legend_{entry.icon}", entry.label, entry.meaning)
            pair = QHBoxLayout(item)
            pair.setContentsMargins(0, 0, 12, 0)
            pair.setSpacing(4)
            picture = plain_label(item)
            picture.setPixmap(icon(entry.icon).pixmap(STRIP_ICON))
            words = plain_label(entry.label, item)
            pair.addWidget(picture)
            pair.addWidget(words)
            for widget in (item, picture, words):
                widget.setToolTip(f"{entry.label}: {entry.meaning}")
            item.setFixedWidth(item.sizeHint().width())
            row.addWidget(item)
            self.items.append(item)
        row.addStretch(1)
        self.more = name_widget(QToolButton(self), "legend_more", "Open the icon legend")
        self.more.setText("Legend...")
        self.more.setToolTip("What each icon means (F1)")
        row.addWidget(self.more)

    def _fit(self) -> None:
        room = self.width() - self.more.sizeHint().width() - 12
        used = 0
        for item in self.items:
            used += item.width()
            item.setVisible(used <= room)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()


class LegendDialog(QDialog):
    """Every state icon with its name and what it means for sending."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        name_widget(self, "legend_dialog", "Icon legend")
        self.setWindowTitle("Icon legend")
        intro = plain_label("Each channel of a contact shows one of these icons, in the list and in the "
                             "contact's panel. The list's Status column says On (every connected channel DND), "
                             "Partial or Off.", self)
        intro.setWordWrap(True)
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setColumnStretch(2, 1)
        self.meanings: dict[str, PlainLabel] = {}
        for r, entry in enumerate(LEGEND):
            picture = plain_label(self)
            picture.setPixmap(icon(entry.icon).pixmap(DIALOG_ICON))
            name = plain_label(entry.label, self)
            name.setStyleSheet("font-weight: bold;")
            meaning = name_widget(plain_label(entry.meaning, self), f"legend_meaning_{entry.icon}",
                                        f"{entry.label}: meaning")
            meaning.setWordWrap(True)
            grid.addWidget(picture, r, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(name, r, 1, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(meaning, r, 2, Qt.AlignmentFlag.AlignTop)
            self.meanings[entry.icon] = meaning
        buttons = name_widget(QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self), "legend_buttons",
                              "Close the legend")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)
