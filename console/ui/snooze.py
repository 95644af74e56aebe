"""The end of a manual DND in the window (RULES.md "Manual DND with an end"): the choice beside each toggle and the
"Until..." date-time picker. Times are UTC, as in History."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QDateTime, QTimeZone
from PySide6.QtWidgets import QDateTimeEdit, QDialog, QDialogButtonBox, QMenu, QToolButton, QVBoxLayout, QWidget

from console.domain.channels import Channel
from console.domain.events import from_us, now_us, to_us
from console.ui.naming import name_widget
from console.ui.plain import plain_label

DAY_US = 86_400_000_000
UNTIL_PICK = "pick"


@dataclass(frozen=True, slots=True)
class EndChoice:
    """One entry of the choice: its words and how long the DND lasts (None: until an agent turns it off;
    ``UNTIL_PICK``: the agent picks the moment)."""

    words: str
    length_us: int | str | None


END_CHOICES: tuple[EndChoice, ...] = (
    EndChoice("Until I turn it off", None),
    EndChoice("For 1 day", DAY_US),
    EndChoice("For 1 week", 7 * DAY_US),
    EndChoice("For 30 days", 30 * DAY_US),
    EndChoice("Until...", UNTIL_PICK),
)


def short_end(until_us: int, now: int | None = None) -> str:
    """An end in a row: "8 Dec 09:00", with the year when it is not this year's."""
    moment, today = from_us(until_us), from_us(now_us() if now is None else now)
    year = f" {moment.year}" if moment.year != today.year else ""
    return f"{moment.day} {moment:%b}{year} {moment:%H:%M}"


def end_button(channel: Channel, parent: QWidget) -> QToolButton:
    """The "▾" beside a channel's toggle: DND with an end (or none), one menu entry per choice."""
    button = name_widget(
        QToolButton(parent),
        f"end_{channel.value}",
        f"DND on {channel.label} until...",
        "Turn manual DND on until you turn it off, for 1 day, 1 week, 30 days, or until a moment you pick",
    )
    button.setText("▾")
    button.setToolTip(f"DND on {channel.label}: until I turn it off, for 1 day, 1 week, 30 days, or until...")
    button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    button.setAutoRaise(True)
    button.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0; }")  # the ▾ is the indicator
    menu = QMenu(button)
    menu.setObjectName(f"end_menu_{channel.value}")
    for choice in END_CHOICES:
        action = menu.addAction(choice.words)
        action.setData(choice.words)
    button.setMenu(menu)
    return button


def choice_named(words: str) -> EndChoice:
    return next(c for c in END_CHOICES if c.words == words)


class UntilDialog(QDialog):
    """Pick the moment a manual DND ends (UTC); a moment that is not in the future cannot be chosen."""

    def __init__(self, channel: Channel, parent: Any = None, now: int | None = None) -> None:
        super().__init__(parent)
        name_widget(self, "until_dialog", f"{channel.label} DND until")
        self.setWindowTitle(f"{channel.label} DND until...")
        self._now = now
        intro = plain_label(f"{channel.label} is DND until this moment (UTC), then off again, unless another DND "
                       "(a STOP, a bounce) applies by then.", self)
        intro.setWordWrap(True)
        self.picker = name_widget(QDateTimeEdit(self), "until_picker", "End of the DND (UTC)")
        self.picker.setTimeZone(QTimeZone.utc())
        self.picker.setCalendarPopup(True)
        self.picker.setDisplayFormat("d MMM yyyy HH:mm 'UTC'")
        start = from_us(self._now_us()) + timedelta(days=1)
        self.picker.setDateTime(_qt_moment(start.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)))
        self.picker.setMinimumDateTime(_qt_moment(from_us(self._now_us())))
        self.problem = name_widget(plain_label(self), "until_problem", "Why the end cannot be chosen")
        self.problem.setStyleSheet("color: #c62828;")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Turn DND on")
        name_widget(self.ok_button, "until_ok", "Turn DND on until the chosen moment")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.picker.dateTimeChanged.connect(lambda _moment: self._check())
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.picker)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.resize(420, self.sizeHint().height())
        self._check()

    def _now_us(self) -> int:
        return now_us() if self._now is None else self._now

    def until_us(self) -> int:
        moment = self.picker.dateTime().toUTC().toPython()
        assert isinstance(moment, datetime)
        return to_us(moment.replace(tzinfo=UTC, second=0, microsecond=0))

    def _check(self) -> bool:
        past = self.until_us() <= self._now_us()
        self.problem.setText("That moment is not in the future: pick a later one." if past else "")
        self.problem.setVisible(past)
        self.ok_button.setEnabled(not past)
        return not past

    def accept(self) -> None:
        if self._check():  # the clock may have passed the moment while the dialog was open
            super().accept()

    @classmethod
    def ask(cls, parent: QWidget | None, channel: Channel) -> int | None:
        """The chosen end, or None when the agent cancelled."""
        dialog = cls(channel, parent)
        return dialog.until_us() if dialog.exec() == QDialog.DialogCode.Accepted else None


def _qt_moment(moment: datetime) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(moment.timestamp()), QTimeZone.utc())
