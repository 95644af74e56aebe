"""The Overview tab: the location's figures of ``dnd-console stats`` as plots (pyqtgraph), and the open work.

* DND contacts now by channel and kind (stacked horizontal bars, the total at the end of each bar);
* new DND per week over the last 12 months, by reason (stacked bars; reasons in a few groups of plain words);
* open work: opt-in reviews waiting, possible opt-outs by business days waited against the FCC deadline of 10
  business days, the overdue ones counted and one click away.

The figures are one :func:`console.services.stats.overview` call on the database worker, so the tab shows what
``stats --json`` prints. It is computed when the tab is shown and again when the data changes while it is shown
(at most once every few seconds); the window never waits for it.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPixmap, QShowEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.domain.channels import CHANNEL_ORDER, DndKind
from console.domain.deadlines import DEADLINE_BUSINESS_DAYS, week_index, week_monday
from console.domain.events import from_us
from console.services.stats import KIND_ORDER, Overview, overview, twelve_months_before
from console.ui.naming import name_widget
from console.ui.operations import QueryOp
from console.ui.plain import PlainLabel, plain_label
from console.ui.taskman import TaskManager

if TYPE_CHECKING:
    import pyqtgraph as pg

PLOTS_MODULE = "console.ui.overview_plots"
#: After this long the plotting library is loaded in the background even if the tab was not shown yet.
PRELOAD_MS = 3000
#: While the data keeps changing, the figures are computed again at most this often.
MIN_INTERVAL_MS = 5000

#: Okabe-Ito colours: told apart by colour-blind readers too.
KIND_COLOURS: dict[DndKind, str] = {
    DndKind.MANUAL: "#0072B2",
    DndKind.TEMPORARY: "#E69F00",
    DndKind.PERMANENT: "#D55E00",
    DndKind.SPAM: "#CC79A7",
}
KIND_NAMES: dict[DndKind, str] = {
    DndKind.MANUAL: "Manual (agent)",
    DndKind.TEMPORARY: "Temporary (provider)",
    DndKind.PERMANENT: "Permanent (locked)",
    DndKind.SPAM: "Spam (locked)",
}

#: The reasons of new DND in a few groups, in the order of the legend (the rest: "Other").
REASON_GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Replied STOP (SMS)", "#D55E00", ("sms.opt_out_keyword", "sms.opt_out_confirmed")),
    ("Carrier error (SMS)", "#E69F00", ("sms.error_",)),
    ("Email bounced", "#56B4E9", ("email.bounce", "email.generic", "email.suppress-bounce")),
    ("Unsubscribed (email)", "#009E73", ("email.unsubscribed", "email.suppress-unsubscribe")),
    ("Marked as spam (email)", "#CC79A7", ("email.complained", "email.suppress-complaint")),
    ("Set by an agent", "#0072B2", ("manual",)),
)
OTHER_GROUP = ("Other", "#999999")

#: Bars of the opt-out age histogram: each business day up to the deadline, then wider buckets.
AGE_BUCKETS: tuple[tuple[str, int, int], ...] = (
    *((str(d), d, d) for d in range(DEADLINE_BUSINESS_DAYS + 1)),
    ("11-15", 11, 15),
    ("16-30", 16, 30),
    ("31+", 31, 10**9),
)
WITHIN, NEAR, LATE = "#0072B2", "#E69F00", "#D55E00"
#: From this many business days waited, a message is close to the deadline (amber).
NEAR_DAYS = DEADLINE_BUSINESS_DAYS - 2


def reason_group(reason: str) -> str:
    for label, _colour, prefixes in REASON_GROUPS:
        if any(reason == p or (p.endswith("_") and reason.startswith(p)) for p in prefixes):
            return label
    return OTHER_GROUP[0]


def group_colours() -> dict[str, str]:
    return {label: colour for label, colour, _ in REASON_GROUPS} | {OTHER_GROUP[0]: OTHER_GROUP[1]}


def weekly_series(figures: Overview) -> tuple[list[int], dict[str, list[int]]]:
    """Every week of the last 12 months (as week indexes, oldest first) and, per reason group with any new
    DND, its count in each week (zeros included)."""
    first = week_index(twelve_months_before(figures.computed_at_us))
    last = week_index(figures.computed_at_us)
    weeks = list(range(first, last + 1))
    series: dict[str, list[int]] = {}
    for week in figures.new_dnd_by_week:
        index = week_index_of(week.monday) - first
        if 0 <= index < len(weeks):
            series.setdefault(reason_group(week.reason), [0] * len(weeks))[index] += week.count
    order = [label for label, _c, _p in REASON_GROUPS] + [OTHER_GROUP[0]]
    return weeks, {label: series[label] for label in order if label in series}


def week_index_of(monday: str) -> int:
    day = datetime.fromisoformat(monday).date()
    return (day.toordinal() - datetime(1970, 1, 1).date().toordinal() + 3) // 7


def age_buckets(by_age: Iterable[tuple[int, int]]) -> list[int]:
    counts = [0] * len(AGE_BUCKETS)
    for days, n in by_age:
        for position, (_label, low, high) in enumerate(AGE_BUCKETS):
            if low <= days <= high:
                counts[position] += n
                break
    return counts


def updated_words(figures: Overview) -> str:
    local = datetime.fromtimestamp(figures.computed_at_us / 1_000_000)
    return f"{figures.location}: updated {local:%H:%M}"


def _swatch(colour: str, size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(colour))
    return pixmap


class Legend(QWidget):
    """A legend in Qt widgets under a plot (never over the bars), one coloured square and name per series."""

    def __init__(self, object_name: str, accessible: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name_widget(self, object_name, accessible)
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(4, 0, 4, 0)
        self.row.setSpacing(14)
        self.entries: list[str] = []

    def set_entries(self, entries: Iterable[tuple[str, str]]) -> None:
        wanted = list(entries)
        if [text for text, _colour in wanted] == self.entries and self.entries:
            return  # the same series: nothing to lay out again
        while self.row.count():
            item = self.row.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.entries = []
        size = max(10, self.fontMetrics().height() - 4)
        for text, colour in wanted:
            box = plain_label(self)
            box.setPixmap(_swatch(colour, size))
            words = plain_label(text, self)
            pair = QHBoxLayout()
            pair.setSpacing(4)
            pair.addWidget(box)
            pair.addWidget(words)
            holder = QWidget(self)
            holder.setLayout(pair)
            pair.setContentsMargins(0, 0, 0, 0)
            self.row.addWidget(holder)
            self.entries.append(text)
        self.row.addStretch(1)


class OverviewTab(QWidget):
    """``open_opt_outs``: the agent asked for the possible opt-outs; ``open_reviews``: for the review queue;
    ``loaded(Overview)``: new figures are shown."""

    open_opt_outs = Signal()
    open_reviews = Signal()
    loaded = Signal(object)

    def __init__(self, tasks: TaskManager, location: Callable[[], str | None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name_widget(self, "overview_tab", "Overview of the location")
        self._tasks, self._location = tasks, location
        self.figures: Overview | None = None
        self.loading = False
        self._stale = True
        self._again = False
        self._last_started = 0.0
        self._timer = QTimer(self)
        self._timer.setObjectName("overview_timer")
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.reload)
        #: pyqtgraph (and numpy) load on a thread of their own at the first show: the window keeps answering.
        self._importer: threading.Thread | None = None
        self._import_timer = QTimer(self)
        self._import_timer.setObjectName("overview_import_timer")
        self._import_timer.setInterval(30)
        self._import_timer.timeout.connect(self._imported)
        #: ... or a few seconds after the window started, on that thread, so the first show need not wait for it.
        self._preload = QTimer(self)
        self._preload.setObjectName("overview_preload_timer")
        self._preload.setSingleShot(True)
        self._preload.timeout.connect(self._start_import)
        self._preload.start(PRELOAD_MS)
        self._waiting: Overview | None = None  # figures that came before the plotting library

        self.status = name_widget(plain_label("Not computed yet.", self), "overview_status", "When computed")
        self.refresh_button = name_widget(QPushButton("Refresh", self), "overview_refresh",
                                          "Compute the figures again")
        self.refresh_button.clicked.connect(self.reload)
        source = plain_label("The figures of dnd-console stats.", self)
        source.setEnabled(False)
        top = QHBoxLayout()
        top.addWidget(self.status)
        top.addWidget(source, 1)
        top.addWidget(self.refresh_button)

        #: The plots: made when the tab is first shown (see :mod:`console.ui.overview_plots`).
        self.dnd_plot: pg.PlotWidget | None = None
        self.weekly_plot: pg.PlotWidget | None = None
        self.age_plot: pg.PlotWidget | None = None
        self.deadline: pg.InfiniteLine | None = None
        self.dnd_legend = Legend("overview_dnd_legend", "Kinds of DND", self)
        self.dnd_legend.set_entries((KIND_NAMES[k], KIND_COLOURS[k]) for k in KIND_ORDER)
        self.dnd_note = self._note("overview_dnd_note")
        self.weekly_legend = Legend("overview_weekly_legend", "Reasons of new DND", self)
        self.weekly_note = self._note("overview_weekly_note")
        self.age_legend = Legend("overview_age_legend", "Possible opt-outs against the deadline", self)
        self.age_legend.set_entries([("within the deadline", WITHIN), (f"{NEAR_DAYS}-10 days: due soon", NEAR),
                                     ("overdue", LATE)])

        self.reviews_label = name_widget(plain_label(self), "overview_reviews", "Opt-in reviews waiting")
        self.reviews_button = name_widget(QPushButton("Open the reviews", self), "overview_open_reviews",
                                          "Show the opt-in review queue")
        self.reviews_button.clicked.connect(self.open_reviews.emit)
        self.opt_outs_label = name_widget(plain_label(self), "overview_opt_outs", "Possible opt-outs waiting")
        self.opt_outs_label.setWordWrap(True)
        self.overdue_label = name_widget(plain_label(self), "overview_overdue", "Possible opt-outs overdue")
        self.overdue_label.setWordWrap(True)
        self.overdue_button = name_widget(QPushButton("Show the possible opt-outs...", self), "overview_overdue_button",
                                          "Open the possible opt-outs to decide the overdue ones")
        self.overdue_button.clicked.connect(self.open_opt_outs.emit)

        dnd_box, self._dnd_column = self._box("DND contacts now, by channel and kind", "overview_dnd_box",
                                              [self.dnd_note, self.dnd_legend])
        weekly_box, self._weekly_column = self._box("New DND per week over the last 12 months, by reason",
                                                    "overview_weekly_box", [self.weekly_note, self.weekly_legend])
        reviews_row = QHBoxLayout()
        reviews_row.addWidget(self.reviews_label, 1)
        reviews_row.addWidget(self.reviews_button)
        overdue_row = QHBoxLayout()
        overdue_row.addWidget(self.overdue_label, 1)
        overdue_row.addWidget(self.overdue_button)
        work_box = name_widget(QGroupBox("Open work", self), "overview_work_box", "Open work")
        work = self._work_column = QVBoxLayout(work_box)
        work.addLayout(reviews_row)
        work.addWidget(self.opt_outs_label)
        work.addLayout(overdue_row)
        work.addStretch(1)  # where the histogram goes
        work.addWidget(self.age_legend)

        grid = QGridLayout()
        grid.addWidget(dnd_box, 0, 0)
        grid.addWidget(work_box, 0, 1)
        grid.addWidget(weekly_box, 1, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(0, 1)
        grid.setRowStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(grid, 1)
        self._show_nothing("Loading the figures...")

    def _note(self, object_name: str) -> PlainLabel:
        note = name_widget(plain_label(self), object_name, "About this plot")
        note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        note.hide()
        return note

    def _box(self, title: str, object_name: str, widgets: list[QWidget]) -> tuple[QGroupBox, QVBoxLayout]:
        box = name_widget(QGroupBox(title, self), object_name, title)
        column = QVBoxLayout(box)
        for widget in widgets:
            column.addWidget(widget)
        column.insertStretch(1, 1)  # where the plot goes
        return box, column

    def _make_plots(self) -> None:
        """Import pyqtgraph and put the three plots in their boxes (once; the first figures wait for it)."""
        if self.dnd_plot is not None:
            return
        from console.ui.overview_plots import deadline_line, make_plot

        self.dnd_plot = make_plot(self, "overview_dnd_plot", "DND contacts by channel and kind", "",
                                  "contacts with DND", counts="bottom")
        self.weekly_plot = make_plot(self, "overview_weekly_plot", "New DND per week by reason",
                                     "new DND", "week (Monday, UTC)")
        self.age_plot = make_plot(self, "overview_age_plot", "Possible opt-outs by business days waited",
                                  "messages", "business days waiting since received")
        self.deadline = deadline_line()
        for column, plot, at in ((self._dnd_column, self.dnd_plot, 1), (self._weekly_column, self.weekly_plot, 1),
                                 (self._work_column, self.age_plot, 3)):
            column.takeAt(at)  # the stretch that kept its place
            column.insertWidget(at, plot, 1)
        self._axes_shown(self.figures is not None)

    # -- when to compute ---------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale or self.figures is None:
            self.reload()
        if self.dnd_plot is None:  # loaded (or loading) while the worker computes
            self._start_import()
            self._import_timer.start()

    def _start_import(self) -> None:
        if self._importer is None:
            self._importer = threading.Thread(target=importlib.import_module, args=(PLOTS_MODULE,),
                                              name="overview-plots-import", daemon=True)
            self._importer.start()

    def _imported(self) -> None:
        if self._importer is not None and self._importer.is_alive():
            return
        self._import_timer.stop()
        self._make_plots()
        if self._waiting is not None:
            figures, self._waiting = self._waiting, None
            self._show(figures)

    def data_changed(self, *_args: Any) -> None:
        """Something changed (here or in another console): computed again soon if shown, else when shown."""
        self._stale = True
        if not self.isVisible():
            return
        wait = MIN_INTERVAL_MS - (time.monotonic() - self._last_started) * 1000
        if wait <= 0:
            self.reload()
        elif not self._timer.isActive():
            self._timer.start(int(wait))

    def location_changed(self, *_args: Any) -> None:
        """Another location was chosen: its figures at once if shown (no waiting for the interval)."""
        self._stale = True
        if self.isVisible():
            self.reload()

    def reload(self) -> None:
        """Compute the figures on the database worker; the ones shown stay until the new ones arrive."""
        if self.loading:
            self._again = True
            return
        self._timer.stop()
        self.loading, self._stale, self._again = True, False, False
        self._last_started = time.monotonic()
        self.refresh_button.setEnabled(False)
        self.status.setText("Computing the figures..." if self.figures is None
                            else f"{updated_words(self.figures)}; computing again...")
        location = self._location()
        (QueryOp(self._tasks, lambda ctx: overview(ctx, location))
         .with_progress("Computing the overview...")
         .success(self._show)
         .failure(lambda _error: self._done("The figures could not be computed (see the message above).", True))
         .cancelled(lambda: self._done("Cancelled: press Refresh to compute the figures.", True))
         .run_in_background())

    def _done(self, words: str | None, failed: bool = False) -> None:
        self.loading = False
        self.refresh_button.setEnabled(True)
        if words is not None:
            self.status.setText(words)
        if failed:
            self._stale = True
            if self.figures is None:
                self._show_nothing(words or "")
        elif self._again:  # asked for again (Refresh, another location) while computing: at once
            self.reload()

    # -- drawing -------------------------------------------------------------------------------------------

    @staticmethod
    def _describe(plot: pg.PlotWidget, words: str) -> None:
        """The plot's figures in words: its tooltip, and its description for a screen reader."""
        plot.setToolTip(words)
        plot.setAccessibleDescription(words)

    def _show_nothing(self, words: str) -> None:
        """Before the first figures (or when they could not be computed): the words, and no axes without data."""
        self._axes_shown(False)
        for note in (self.dnd_note, self.weekly_note):
            note.setText(words)
            note.show()
        self.reviews_label.setText(words)
        self.opt_outs_label.setText("")
        self.overdue_label.setText("")
        self.reviews_button.setEnabled(False)
        self.overdue_button.setEnabled(False)

    def _axes_shown(self, shown: bool) -> None:
        if self.dnd_plot is None or self.weekly_plot is None or self.age_plot is None:
            return
        for plot in (self.dnd_plot, self.weekly_plot, self.age_plot):
            for name in ("left", "bottom"):
                plot.getPlotItem().showAxis(name, shown)
            plot.getPlotItem().showGrid(x=plot is self.dnd_plot and shown, y=plot is not self.dnd_plot and shown,
                                        alpha=0.18)

    def _show(self, figures: Overview) -> None:
        if self.dnd_plot is None and self._importer is not None and self._importer.is_alive():
            self._waiting = figures  # drawn as soon as the plotting library is loaded
            return
        self._make_plots()
        if self.figures is None:
            self._axes_shown(True)
        self.figures = figures
        self._draw_dnd(figures)
        self._draw_weeks(figures)
        self._draw_work(figures)
        self._done(updated_words(figures))
        self.status.setToolTip(f"Computed at {from_us(figures.computed_at_us):%Y-%m-%d %H:%M} UTC: the figures "
                               "dnd-console stats --json prints for this location.")
        self.loaded.emit(figures)

    def _draw_dnd(self, figures: Overview) -> None:
        from console.ui.overview_plots import pg
        assert self.dnd_plot is not None
        plot = self.dnd_plot.getPlotItem()
        plot.clear()
        rows = len(CHANNEL_ORDER)
        totals = [0] * rows
        for kind in KIND_ORDER:
            counts = [figures.count(channel, kind) for channel in CHANNEL_ORDER]
            ys = [rows - 1 - i for i in range(rows)]
            bars = pg.BarGraphItem(x0=totals, y=ys, width=counts, height=0.62,
                                   brush=KIND_COLOURS[kind], pen=pg.mkPen("w", width=1))
            plot.addItem(bars)
            totals = [t + c for t, c in zip(totals, counts, strict=True)]
        widest = max(totals) if totals else 0
        for i, total in enumerate(totals):
            label = pg.TextItem(f"{total:,}", color="#222222", anchor=(0, 0.5))
            label.setPos(total, rows - 1 - i)
            plot.addItem(label)
        left = plot.getAxis("left")
        left.setTicks([[(rows - 1 - i, c.label) for i, c in enumerate(CHANNEL_ORDER)]])
        plot.setYRange(-0.6, rows - 0.4, padding=0)
        plot.setXRange(0, max(widest * 1.15, 5), padding=0)
        plot.getAxis("bottom").show_up_to(max(widest * 1.15, 5))
        none = widest == 0
        self.dnd_note.setText(f"No contact of {figures.location} has DND now." if none else "")
        self.dnd_note.setVisible(none)
        lines = [f"{c.label}: {total:,} ("
                 + ", ".join(f"{k.value} {figures.count(c, k):,}" for k in KIND_ORDER if figures.count(c, k)) + ")"
                 for c, total in zip(CHANNEL_ORDER, totals, strict=True) if total]
        self._describe(self.dnd_plot, "\n".join(lines) or "No contact has DND now.")

    def _draw_weeks(self, figures: Overview) -> None:
        from console.ui.overview_plots import pg
        assert self.weekly_plot is not None
        plot = self.weekly_plot.getPlotItem()
        plot.clear()
        weeks, series = weekly_series(figures)
        colours = group_colours()
        base = [0] * len(weeks)
        xs = list(range(len(weeks)))
        for label, counts in series.items():
            plot.addItem(pg.BarGraphItem(x=xs, y0=base, height=counts, width=0.8, brush=colours[label], pen=None))
            base = [b + c for b, c in zip(base, counts, strict=True)]
        ticks: list[tuple[float, str]] = []
        minor: list[tuple[float, str]] = []
        previous_month = None
        for x, week in enumerate(weeks):
            monday = week_monday(week)
            month = (monday.year, monday.month)
            if month != previous_month:
                words = f"{monday:%b}" if previous_month is not None and monday.month != 1 else f"{monday:%b %Y}"
                ticks.append((x, words))
                previous_month = month
            minor.append((x, ""))
        plot.getAxis("bottom").setTicks([ticks, minor])
        top = max(base) if base else 0
        plot.setXRange(-0.7, len(weeks) - 0.3, padding=0)
        plot.setYRange(0, max(top * 1.1, 5), padding=0)
        plot.getAxis("left").show_up_to(max(top * 1.1, 5))
        self.weekly_legend.set_entries((label, colours[label]) for label in series)
        total = sum(base)
        self.weekly_note.setText("" if total else f"No new DND in {figures.location} in the last 12 months.")
        self.weekly_note.setVisible(not total)
        busiest = max(range(len(base)), key=lambda i: base[i], default=None)
        summary = [f"{total:,} new DND since the week of {week_monday(weeks[0]):%d %b %Y}"]
        summary += [f"{label}: {sum(counts):,}" for label, counts in series.items()]
        if busiest is not None and total:
            summary.append(f"Busiest: the week of {week_monday(weeks[busiest]):%d %b %Y}, {base[busiest]:,}")
        self._describe(self.weekly_plot, "\n".join(summary))

    def _draw_work(self, figures: Overview) -> None:
        from console.ui.overview_plots import pg
        reviews = figures.reviews_pending
        self.reviews_label.setText(
            f"{reviews:,} opt-in review{'s' if reviews != 1 else ''} waiting for a reviewer." if reviews
            else "No opt-in review is waiting for a reviewer.")
        self.reviews_button.setEnabled(True)
        pending, overdue = figures.opt_outs_pending, figures.opt_outs_overdue
        self.opt_outs_label.setText(
            f"{pending:,} possible opt-out{'s' if pending != 1 else ''} waiting for a decision."
            if pending else "No possible opt-out is waiting for a decision.")
        style = f"color: {LATE}; font-weight: bold;" if overdue else ""
        if self.overdue_label.styleSheet() != style:  # a new style sheet restyles the label: only when it changes
            self.overdue_label.setStyleSheet(style)
        if overdue:
            self.overdue_label.setText(f"{overdue:,} overdue: waiting more than {DEADLINE_BUSINESS_DAYS} business "
                                       "days, past the FCC deadline.")
            self.overdue_button.setText(f"Decide the {overdue:,} overdue...")
        else:
            self.overdue_label.setText(f"None is past the FCC deadline ({DEADLINE_BUSINESS_DAYS} business days).")
            self.overdue_button.setText("Show the possible opt-outs...")
        self.overdue_button.setEnabled(pending > 0)
        assert self.age_plot is not None
        plot = self.age_plot.getPlotItem()
        plot.clear()
        counts = age_buckets(figures.opt_outs_by_age)
        colours = [LATE if low > DEADLINE_BUSINESS_DAYS else NEAR if low >= NEAR_DAYS else WITHIN
                   for _label, low, _high in AGE_BUCKETS]
        plot.addItem(pg.BarGraphItem(x=list(range(len(counts))), height=counts, width=0.8,
                                     brushes=colours, pen=None))
        plot.addItem(self.deadline)
        for x, n in enumerate(counts):  # the count over each bar: a few beside many stay readable
            if n:
                label = pg.TextItem(f"{n:,}", color="#222222", anchor=(0.5, 1))
                label.setPos(x, n)
                plot.addItem(label)
        plot.getAxis("bottom").setTicks([[(i, b[0]) for i, b in enumerate(AGE_BUCKETS)]])
        top = max(counts) if counts else 0
        plot.setXRange(-0.7, len(counts) - 0.3, padding=0)
        plot.setYRange(0, max(top * 1.25, 3), padding=0)
        plot.getAxis("left").show_up_to(max(top * 1.25, 3))
        waited = [f"{label} business days: {n:,}" for (label, _low, _high), n in zip(AGE_BUCKETS, counts, strict=True)
                  if n]
        self._describe(self.age_plot, "\n".join(waited) or "No possible opt-out is waiting.")

