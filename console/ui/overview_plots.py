"""The Overview's plotting, apart: pyqtgraph (and numpy under it) is imported when the tab is first shown, so
the window starts as fast as before and an agent who never opens the Overview never pays for it."""

from __future__ import annotations

import pyqtgraph as pg

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QWidget

from console.domain.deadlines import DEADLINE_BUSINESS_DAYS
from console.ui.naming import name_widget

__all__ = ["CountAxis", "deadline_line", "make_plot", "pg"]


class CountAxis(pg.AxisItem):  # type: ignore[misc]
    """An axis of whole counts: 1,500 not 1500 nor "x1e+03", and never a tick between two whole numbers."""

    def __init__(self, orientation: str) -> None:
        super().__init__(orientation)
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [f"{v:,.0f}" if abs(v - round(v)) < 1e-6 else "" for v in values]

    def show_up_to(self, top: float) -> None:
        """Major ticks at a round whole step for a range of 0..top (about five of them)."""
        step = min(c * 10**p for c in (1, 2, 5) for p in range(15) if top / (c * 10**p) <= 6)
        self.setTickSpacing(step, step)


def make_plot(parent: QWidget, object_name: str, accessible: str, left: str, bottom: str,
          counts: str = "left") -> pg.PlotWidget:
    """A plot for reading, not exploring: white, no mouse zoom or menu, legible axes with their units;
    the ``counts`` axis shows whole numbers."""
    widget = pg.PlotWidget(parent, background="w", axisItems={counts: CountAxis(counts)})
    name_widget(widget, object_name, accessible)
    item = widget.getPlotItem()
    item.setMenuEnabled(False)
    item.hideButtons()
    item.setMouseEnabled(x=False, y=False)
    item.showGrid(x=counts == "bottom", y=counts == "left", alpha=0.18)
    font = QFont(widget.font())
    for name, label in (("left", left), ("bottom", bottom)):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen("#555555"))
        axis.setTextPen(pg.mkPen("#222222"))
        axis.setStyle(tickFont=font, tickTextOffset=4)
        if label:
            axis.setLabel(label, color="#222222", **{"font-size": f"{max(font.pointSize(), 9)}pt"})
    widget.setMinimumHeight(170)
    return widget


def deadline_line() -> pg.InfiniteLine:
    """The FCC deadline, a dashed line between 10 and 11 business days."""
    return pg.InfiniteLine(pos=DEADLINE_BUSINESS_DAYS + 0.5, angle=90,
                           pen=pg.mkPen("#222222", width=1, style=Qt.PenStyle.DashLine),
                           label="FCC deadline", labelOpts={"position": 0.92, "color": "#222222",
                                                            "anchors": [(1, 0.5), (1, 0.5)]})
