"""The selected contact: one toggle per channel, the DND-all switch, locks that say why."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from console.domain.channels import CHANNEL_ORDER, Channel, DndKind, mask_of
from console.domain.events import now_us
from console.domain.explain import describe_state, end_words, explain_lock, short_date
from console.domain.gate import SendDecision, decide_send
from console.domain.inbound import INBOUND_CHANNELS, INBOUND_OFF, InboundState
from console.domain.reviews import Review
from console.domain.state import ChannelState, needs_provider_clearance, status_of
from console.services.dnd import DndResult
from console.services.inbound import InboundResult
from console.services.reads import ChannelView
from console.ui import ops
from console.ui.badges import BADGE_COLOURS
from console.ui.contact_model import STATUS_WORDS
from console.ui.context_menu import copy_text
from console.ui.dialogs import ProviderClearanceDialog
from console.ui.icons import KIND_WORDS, NO_ADDRESS_ICON, NOT_CONNECTED_ICON, OFF_ICON, channel_icon, icon
from console.ui.naming import name_widget
from console.ui.operations import ChangeOp, QueryOp
from console.ui.plain import plain_label
from console.ui.review_model import STATE_WORDS
from console.ui.review_submission import ReviewSubmissionDialog
from console.ui.snooze import UNTIL_PICK, UntilDialog, choice_named, end_button, short_end
from console.ui.taskman import TaskManager

ClearanceQuestion = Callable[[QWidget | None, str | None, ChannelState], bool]
UntilQuestion = Callable[[QWidget | None, Channel], int | None]
SubmissionQuestion = Callable[[QWidget | None, TaskManager, int, Channel], Review | None]
LINK_STYLE = (
    "QPushButton { border: none; padding: 0; color: palette(link); text-decoration: underline; text-align: left; }"
)
ICON_SIZE = QSize(20, 20)


class ChannelRow:
    """The widgets of one channel: its icon, toggle, kind or lock icon, and what its state means."""

    def __init__(self, channel: Channel, parent: QWidget) -> None:
        self.channel = channel
        self.channel_icon = name_widget(plain_label(parent), f"icon_{channel.value}", f"{channel.label} channel")
        self.channel_icon.setPixmap(channel_icon(channel).pixmap(ICON_SIZE))
        self.toggle = name_widget(
            QCheckBox(channel.label, parent), f"toggle_{channel.value}", f"DND on {channel.label}"
        )
        self.end_button = end_button(channel, parent)
        self.switch_box = QWidget(parent)  # the toggle and, beside it, the choice of its end
        switch = QHBoxLayout(self.switch_box)
        switch.setContentsMargins(0, 0, 0, 0)
        switch.setSpacing(2)
        switch.addWidget(self.toggle)
        switch.addWidget(self.end_button)
        self.switch_box.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        self.inbound_toggle: QCheckBox | None = None
        if channel in INBOUND_CHANNELS:
            what = "messages" if channel == Channel.SMS else "calls"
            self.inbound_toggle = name_widget(
                QCheckBox(f"Block incoming {what}", parent),
                f"inbound_{channel.value}",
                f"Block incoming {channel.label} from the contact",
                f"Inbound DND: {what} from this contact do not reach the team. Not counted in the DND badge.",
            )
        self.kind_icon = name_widget(plain_label(parent), f"kind_{channel.value}", f"{channel.label} DND kind")
        self.kind_icon.setFixedSize(ICON_SIZE)
        self.state_label = name_widget(plain_label(parent), f"state_{channel.value}", f"{channel.label} DND state")
        self.state_label.setWordWrap(True)
        self.review_button = name_widget(QPushButton("Request opt-in review...", parent),
                                         f"request_review_{channel.value}",
                                         f"Request an opt-in review to lift {channel.label} DND")
        self.review_button.setStyleSheet(LINK_STYLE)
        self.review_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.review_button.hide()
        self.open_review: Review | None = None
        self.decision: SendDecision | None = None
        self.icon_name = ""  # the state's icon (ui/icons.py), "" when no contact is shown
        self.state_box = QWidget(parent)
        box = QVBoxLayout(self.state_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(self.state_label)
        box.addWidget(self.review_button, 0, Qt.AlignmentFlag.AlignLeft)
        if self.inbound_toggle is not None:
            box.addWidget(self.inbound_toggle, 0, Qt.AlignmentFlag.AlignLeft)

    def show_review(self, state: ChannelState, connected: bool, review: Review | None) -> None:
        """The lock's way out: a link to request an opt-in review, or to the review already open."""
        self.open_review = review
        self.review_button.setVisible(state.locked and connected)
        if review is not None:
            words = STATE_WORDS[review.state].lower()
            self.review_button.setText(f"Review #{review.id} {words}")
            self.review_button.setAccessibleName(f"Open review #{review.id} of {self.channel.label} ({words})")
            self.review_button.setToolTip(f"Review #{review.id} by {review.submitted_by} is {words}; open it")
        else:
            self.review_button.setText("Request opt-in review...")
            self.review_button.setAccessibleName(f"Request an opt-in review to lift {self.channel.label} DND")
            self.review_button.setToolTip("Attach proof of the contact's opt-in; a reviewer can then lift the lock")

    def show_state(self, state: ChannelState, connected: bool, decision: SendDecision) -> None:
        """The row answers "can a message go out, and if not why" with ``decide_send``, the answer of ``check``."""
        self.toggle.blockSignals(True)
        self.toggle.setChecked(state.dnd)
        self.toggle.blockSignals(False)
        self.toggle.setEnabled(connected and not state.locked)
        self.end_button.setEnabled(connected and (not state.dnd or state.kind == DndKind.MANUAL))
        self.end_button.setToolTip(end_tip(self.channel, state))
        # the icon of ui/icons.py's state_icon_name, the list's and the legend's: one icon per state everywhere
        self.icon_name = (NOT_CONNECTED_ICON if not connected
                          else f"kind-{state.kind.value if state.kind else 'manual'}" if state.dnd
                          else NO_ADDRESS_ICON if decision.reason == "no_address" else OFF_ICON)
        self.kind_icon.setPixmap(icon(self.icon_name).pixmap(ICON_SIZE))
        self.kind_icon.show()
        if not connected:
            kept = KIND_WORDS[state.kind]
            text = f"Not connected: nothing is sent. Kept: {kept}" + (
                f", {describe_state(self.channel, state)}" if state.dnd else "")
            tip = f"{self.channel.label} is not connected for this location; its DND state is kept unchanged."
        elif state.dnd:
            text = dnd_words(self.channel, state)
            tip = explain_lock(self.channel, state)
        elif decision.reason == "no_address":
            need = "email address" if self.channel == Channel.EMAIL else "phone number"
            text = f"No address: no {need}, nothing can be sent"
            tip = (f"The contact has no {need}, so {self.channel.label} cannot reach it; edit the contact to add "
                   f"one. DND can still be turned on now and applies to the address added later.")
        else:
            text, tip = "Allowed: not DND", f"{self.channel.label} may send to this contact. Tick to turn DND on."
        self.decision = decision
        self.state_label.setText(text)
        self.state_label.setEnabled(connected)
        self.state_label.setStyleSheet("font-weight: bold; color: #c62828;" if state.locked and connected else "")
        for widget in (self.toggle, self.kind_icon, self.state_label):
            widget.setToolTip(tip)
        self.toggle.setToolTip(f"{tip} (Alt+{CHANNEL_ORDER.index(self.channel) + 1})")
        self.toggle.setAccessibleDescription(tip)

    def show_inbound(self, state: InboundState | None) -> None:
        """Inbound DND (sms, call): ticked while the contact's messages or calls are blocked; None: no contact."""
        box = self.inbound_toggle
        if box is None:
            return
        box.blockSignals(True)
        box.setChecked(state is not None and state.dnd)
        box.blockSignals(False)
        box.setEnabled(state is not None)  # connections and addresses do not matter (RULES.md "Inbound DND")
        what = "Messages" if self.channel == Channel.SMS else "Calls"
        if state is not None and state.dnd:
            since = f" since {short_date(state.since_us)}" if state.since_us is not None else ""
            box.setToolTip(f"{what} from this contact are blocked{since} (inbound DND). Untick to let them in again. "
                           "Not counted in the DND badge.")
        else:
            box.setToolTip(f"{what} from this contact reach the team. Tick to block them (inbound DND, audited). "
                           "Not counted in the DND badge.")

    def show_nothing(self) -> None:
        """No contact: no state, no icons that would say something about a contact."""
        self.toggle.blockSignals(True)
        self.toggle.setChecked(False)
        self.toggle.blockSignals(False)
        self.toggle.setEnabled(False)
        self.end_button.setEnabled(False)
        self.show_inbound(None)
        self.kind_icon.clear()
        self.icon_name = ""
        self.state_label.setText("")
        self.state_label.setStyleSheet("")
        self.review_button.hide()
        for widget in (self.toggle, self.kind_icon, self.state_label):
            widget.setToolTip("")


def dnd_words(channel: Channel, state: ChannelState) -> str:
    """E.g. "Locked: DND (permanent), Replied STOP on 1 Mar 2024, until an approved opt-in review"."""
    if state.until_us is not None:
        return (f"DND until {short_end(state.until_us)} UTC (manual), set by an agent on "
                f"{short_date(state.since_us)}; then off again")
    kind = state.kind.value if state.kind else "manual"
    head = "Locked: DND" if state.locked else "DND"
    since = describe_state(channel, state)
    return f"{head} ({kind}), {since}, {UNTIL_WORDS.get(state.kind, 'until an agent turns it off')}"


def end_tip(channel: Channel, state: ChannelState) -> str:
    if state.dnd and state.kind != DndKind.MANUAL:
        return f"{channel.label} is {state.kind} DND: only a manual DND can have an end."
    if state.dnd and state.until_us is not None:
        return (f"{channel.label} is DND until {end_words(state.until_us)} UTC: move the end, or keep it until you "
                "turn it off")
    if state.dnd:
        return f"{channel.label} is DND until an agent turns it off: give it an end (1 day, 1 week, 30 days, until...)"
    return f"DND on {channel.label}: until I turn it off, for 1 day, 1 week, 30 days, or until..."


UNTIL_WORDS: dict[DndKind | None, str] = {
    DndKind.MANUAL: "until an agent turns it off",
    DndKind.TEMPORARY: "until the provider clears it or an agent turns it off",
    DndKind.PERMANENT: "until the contact texts START or an opt-in review is approved",
    DndKind.SPAM: "until an opt-in review is approved",
}


class AddressLine(QWidget):
    """One address of the contact: "Email  ann@example.com  [Copy]". The address is elided to the panel's width
    (a long email never widens the panel), whole in its tooltip and in what Copy puts on the clipboard."""

    copied = Signal(str, str)  # what (email, phone), the address

    def __init__(self, what: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.what = what
        self.address = ""
        self.shown_width = 0
        self.partner: AddressLine | None = None  # the other address line: their Copy buttons line up
        name_widget(self, f"{what}_line", f"Contact {what}")
        self.caption = plain_label("Email:" if what == "email" else "Phone:", self)
        self.caption.setMinimumWidth(self.caption.fontMetrics().horizontalAdvance("Phone:") + 4)
        self.value = name_widget(plain_label(self), f"contact_{what}", f"Contact {what}")
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.value.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.copy_button = name_widget(QPushButton("Copy", self), f"copy_{what}", f"Copy the contact's {what}")
        self.copy_button.setAutoDefault(False)
        self.copy_button.clicked.connect(self.copy)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.caption)
        row.addWidget(self.value, 1)
        row.addWidget(self.copy_button)
        row.addStretch(0)  # the Copy button stays beside the address; the rest of the line is empty

    def show_address(self, address: str | None) -> None:
        self.address = address or ""
        none = "no email address" if self.what == "email" else "no phone number"
        self.value.setEnabled(bool(self.address))
        self.value.setToolTip(self.address or f"The contact has {none}; edit the contact (Ctrl+E) to add one.")
        self.copy_button.setEnabled(bool(self.address))
        self.copy_button.setToolTip(f"Copy {self.address} to the clipboard" if self.address else f"No {self.what}")
        self._elide()

    def _elide(self) -> None:
        text = self.address or ("none (no email address)" if self.what == "email" else "none (no phone number)")
        layout = self.layout()
        spacing = 3 * max(0, layout.spacing()) if layout is not None else 18
        room = max(20, self.width() - self.caption.sizeHint().width() - self.copy_button.sizeHint().width()
                   - spacing - 4)
        metrics = self.value.fontMetrics()
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, room)
        self.value.setText(shown)
        self.shown_width = metrics.horizontalAdvance(shown) + 6
        width = max(self.shown_width, self.partner.shown_width if self.partner is not None else 0)
        for line in (self, self.partner):
            if line is not None:
                line.value.setMaximumWidth(width)  # Copy right after the longer address, both buttons aligned

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def copy(self) -> None:
        if self.address:
            copy_text(self.address)
            self.copied.emit(self.what, self.address)


class ContactPanel(QWidget):
    """Changes go through ``set_dnd`` on the database worker, which checks the rules; refusals come back as
    messages. While a contact is read or a change is saved its toggles are disabled."""

    contact_changed = Signal(int)
    message = Signal(str, str)  # level, text
    review_submitted = Signal(int)  # review id
    review_requested = Signal(int)  # review id: open it
    loaded = Signal(object)  # the contact id shown, or None
    stale = Signal()  # notes about the previous state no longer apply (a change was saved, another contact)

    def __init__(self, tasks: TaskManager, parent: Any = None) -> None:
        super().__init__(parent)
        name_widget(self, "contact_panel", "Selected contact")
        self._tasks = tasks
        self.ask_clearance: ClearanceQuestion = ProviderClearanceDialog.ask
        self.ask_submission: SubmissionQuestion = ReviewSubmissionDialog.ask
        self.ask_until: UntilQuestion = UntilDialog.ask
        #: When the earliest end of a shown manual DND comes, the contact is read again (and the list told): the
        #: store reads it as off from then on, with no job run.
        self._end_timer = QTimer(self)
        self._end_timer.setSingleShot(True)
        self._end_timer.timeout.connect(self._end_came)
        self._inbound: dict[Channel, InboundState] = {}
        self._reviews: dict[Channel, Review | None] = {}
        self.contact_id: int | None = None
        self._email: str | None = None
        self._stored: dict[Channel, ChannelView] = {}
        self._connected: frozenset[Channel] = frozenset()
        self.title = name_widget(plain_label("No contact selected", self), "contact_name", "Contact name")
        self.title.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.title.setWordWrap(True)
        self.details = name_widget(plain_label(self), "contact_details", "About the contact shown")
        self.details.setWordWrap(True)
        self.email_line = AddressLine("email", self)
        self.phone_line = AddressLine("phone", self)
        self.email_line.partner, self.phone_line.partner = self.phone_line, self.email_line
        for address in (self.email_line, self.phone_line):
            address.copied.connect(self._copied)
        self.badge = name_widget(plain_label(self), "contact_status", "DND status")
        self.dnd_all = name_widget(QCheckBox("DND all channels", self), "dnd_all", "DND on all channels",
                                   "Turns DND on or off on all six channels, connected or not")
        self.dnd_all.clicked.connect(self._dnd_all_clicked)
        self.note = name_widget(QLineEdit(self), "change_note", "Note for the next change",
                                "Optional; saved with the next DND change and shown in History")
        self.note.setPlaceholderText("Note for the next change (optional, shown in History)")
        self.note.setMaxLength(500)
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        channels = QVBoxLayout()
        channels.setSpacing(10)
        self.rows: dict[Channel, ChannelRow] = {}
        for channel in CHANNEL_ORDER:
            row = ChannelRow(channel, self)
            row.toggle.clicked.connect(lambda checked, c=channel: self._toggle_clicked(c, checked))
            row.review_button.clicked.connect(lambda _checked=False, c=channel: self._review_clicked(c))
            menu = row.end_button.menu()
            menu.triggered.connect(lambda action, c=channel: self.choose_end(c, str(action.data())))
            if row.inbound_toggle is not None:
                row.inbound_toggle.clicked.connect(lambda checked, c=channel: self._inbound_clicked(c, checked))
            # the toggle on one line, what the state means on the next at the panel's whole width (a lock's
            # explanation takes two or three lines there, not six in a column beside the toggle)
            grid = QGridLayout()
            grid.setContentsMargins(0, 0, 0, 0)
            grid.setHorizontalSpacing(6)
            grid.setVerticalSpacing(2)
            grid.setColumnStretch(2, 1)
            grid.addWidget(row.channel_icon, 0, 0, Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(row.switch_box, 0, 1, 1, 2, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(row.kind_icon, 1, 1, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(row.state_box, 1, 2)  # no alignment: the row grows to a wrapped explanation
            channels.addLayout(grid)
            self.rows[channel] = row
        self._shortcuts()
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.details)
        layout.addWidget(self.email_line)
        layout.addWidget(self.phone_line)
        layout.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.dnd_all)
        layout.addWidget(self.note)
        layout.addWidget(line)
        layout.addLayout(channels)
        layout.addStretch(1)
        self.show_contact(None)

    def _shortcuts(self) -> None:
        """Alt+1..Alt+6 toggle the channels in their order, Alt+0 DND on all channels (README lists them)."""
        for n, channel in enumerate(CHANNEL_ORDER, start=1):
            toggle = self.rows[channel].toggle
            keys = QShortcut(QKeySequence(f"Alt+{n}"), self)
            keys.setContext(Qt.ShortcutContext.WindowShortcut)
            keys.activated.connect(lambda t=toggle: t.click() if t.isEnabled() else None)
        keys = QShortcut(QKeySequence("Alt+0"), self)
        keys.setContext(Qt.ShortcutContext.WindowShortcut)
        keys.activated.connect(lambda: self.dnd_all.click() if self.dnd_all.isEnabled() else None)
        self.dnd_all.setText("DND all channels (Alt+0)")

    def show_contact(self, contact_id: int | None) -> None:
        if contact_id != self.contact_id:
            self._set_editable(False)  # not the shown contact's toggles any more
            self.stale.emit()
            self.note.clear()
        self.contact_id = contact_id
        self.reload()

    def reload(self) -> None:
        """Read the contact again on the worker; shown when it arrives (if it is still the one asked for)."""
        contact_id = self.contact_id
        if contact_id is None:
            self._show_card(None)
            return
        (QueryOp(self._tasks, lambda ctx: ops.contact_card(ctx, contact_id))
         .only_if(lambda: self.contact_id == contact_id)
         .success(self._show_card)
         .run_in_background())

    def _set_editable(self, enabled: bool) -> None:
        self.dnd_all.setEnabled(enabled)
        for row in self.rows.values():
            row.toggle.setEnabled(enabled and row.channel in self._connected and not self._locked(row.channel))
            stored = self._stored.get(row.channel)
            endable = stored is not None and (not stored.state.dnd or stored.state.kind == DndKind.MANUAL)
            row.end_button.setEnabled(enabled and row.channel in self._connected and endable)
            if row.inbound_toggle is not None:
                row.inbound_toggle.setEnabled(enabled and stored is not None)

    def _locked(self, channel: Channel) -> bool:
        stored = self._stored.get(channel)
        return stored is not None and stored.state.locked

    def _show_card(self, card: ops.ContactCard | None) -> None:
        if card is None:
            self.contact_id = None
            self._stored, self._connected, self._reviews, self._inbound = {}, frozenset(), {}, {}
            self._end_timer.stop()
            self.title.setText("No contact selected")
            self.details.setText("Select a contact in the list to see and change its DND on each channel.")
            self.details.show()
            self.badge.hide()
            for widget in (self.email_line, self.phone_line, self.dnd_all, self.note):
                widget.hide()  # a neutral empty state: nothing that would say something about a contact
            self.dnd_all.setEnabled(False)
            for row in self.rows.values():
                row.show_nothing()
            self.loaded.emit(None)
            return
        self._email = card.email
        self._stored, self._connected, self._reviews = dict(card.channels), card.connected, dict(card.reviews)
        self._inbound = dict(card.inbound)
        self.title.setText(card.name)
        self.details.hide()
        self.email_line.show_address(card.email)
        self.phone_line.show_address(card.phone)
        for widget in (self.email_line, self.phone_line, self.dnd_all, self.note):
            widget.show()
        self.dnd_all.setEnabled(True)
        for channel, row in self.rows.items():
            state, connected = self._stored[channel].state, channel in self._connected
            row.show_state(state, connected, decide_send(channel, state, connected, bool(card.email),
                                                         bool(card.phone)))
            row.show_review(self._stored[channel].state, channel in self._connected, self._reviews.get(channel))
            row.show_inbound(self._inbound.get(channel, INBOUND_OFF))
        self._show_status()
        self._fit_explanations()
        self._watch_ends()
        self.loaded.emit(card.id)

    def _watch_ends(self) -> None:
        ends = [v.state.until_us for v in self._stored.values() if v.state.dnd and v.state.until_us is not None]
        self._end_timer.stop()
        if ends:
            wait_ms = max(0, (min(ends) - now_us()) // 1000) + 500
            if wait_ms < 2**31 - 1:  # within about 24 days; a later end is met by a later reading
                self._end_timer.start(int(wait_ms))

    def _end_came(self) -> None:
        if self.contact_id is not None:
            self.reload()
            self.contact_changed.emit(self.contact_id)

    def _fit_explanations(self) -> None:
        """Give each wrapped explanation the height it needs at its width (the grid alone gives one line)."""
        for row in self.rows.values():
            box = row.state_box
            layout = box.layout()
            fits = layout is not None and layout.hasHeightForWidth()
            box.setMinimumHeight(layout.heightForWidth(box.width()) if layout is not None and fits else 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_explanations()

    def _show_status(self) -> None:
        dnd_mask = mask_of(c for c, s in self._stored.items() if s.state.dnd)
        status = status_of(dnd_mask, mask_of(self._connected))
        fill, ink = BADGE_COLOURS[status.value]
        self.badge.setText(f"  DND: {STATUS_WORDS[status]}  ")
        self.badge.setStyleSheet(f"background: {fill}; color: {ink}; border-radius: 8px; font-weight: bold;")
        self.badge.show()
        connected = [c for c in CHANNEL_ORDER if c in self._connected]
        on = [c for c in connected if self._stored[c].state.dnd]
        self.dnd_all.blockSignals(True)
        if connected and len(on) == len(connected):
            self.dnd_all.setCheckState(Qt.CheckState.Checked)
        elif on:
            self.dnd_all.setCheckState(Qt.CheckState.PartiallyChecked)
        else:
            self.dnd_all.setCheckState(Qt.CheckState.Unchecked)
        self.dnd_all.blockSignals(False)

    def _copied(self, what: str, address: str) -> None:
        self.message.emit("info", f"Copied the {what} {address} to the clipboard.")

    # -- the agent's changes

    def request_review(self, channel: Channel) -> None:
        """The channel's "Request opt-in review..." (or its open review), as if clicked."""
        self._review_clicked(channel)

    def _review_clicked(self, channel: Channel) -> None:
        """Open the channel's open review, or ask for one with the submission form."""
        if self.contact_id is None:
            return
        already = self.rows[channel].open_review
        if already is not None:
            self.review_requested.emit(already.id)
            return
        review = self.ask_submission(self, self._tasks, self.contact_id, channel)
        if review is None:
            return
        self.reload()
        self.message.emit("info", f"Review #{review.id} of {channel.label} submitted: another reviewer will check it.")
        self.review_submitted.emit(review.id)

    def _toggle_clicked(self, channel: Channel, turn_on: bool) -> None:
        stored = self._stored[channel]
        cleared = False
        if not turn_on and needs_provider_clearance(channel, stored.state):
            cleared = self.ask_clearance(self, self._email, stored.state)
            if not cleared:
                self.message.emit("info", f"{channel.label} DND kept: the provider clearance was not confirmed.")
                self.reload()
                return

        def done(result: DndResult) -> None:
            if result.refused:
                self.message.emit("warning", " ".join(r.message for c in result.contacts for r in c.refused))

        self._act([channel], turn_on, cleared, {channel: stored.version}, done)

    def choose_end(self, channel: Channel, words: str) -> None:
        """One entry of the channel's "▾" choice: manual DND on until the agent turns it off, for a while, or until
        a picked moment. On a manual DND it moves or removes the end (RULES.md "Manual DND with an end")."""
        if self.contact_id is None or channel not in self._stored:
            return
        choice = choice_named(words)
        until: int | None = None
        if choice.length_us == UNTIL_PICK:
            until = self.ask_until(self, channel)
            if until is None:
                return
        elif isinstance(choice.length_us, int):
            until = now_us() + choice.length_us
            until -= until % 60_000_000  # whole minutes, as the rows show them
        stored = self._stored[channel]

        def done(result: DndResult) -> None:
            if result.refused:
                self.message.emit("warning", " ".join(r.message for c in result.contacts for r in c.refused))
            elif result.changed:
                end = f"until {end_words(until)} UTC" if until is not None else "until an agent turns it off"
                self.message.emit("info", f"{channel.label} is DND {end}.")

        self._act([channel], True, False, {channel: stored.version}, done, until)

    def _inbound_clicked(self, channel: Channel, turn_on: bool) -> None:
        """Block (or let in again) messages or calls from the contact: inbound DND, through the service."""
        contact_id = self.contact_id
        if contact_id is None:
            return
        self._set_editable(False)
        note = self.note.text().strip() or None
        what = "messages" if channel == Channel.SMS else "calls"

        def saved(_result: InboundResult | None) -> None:
            self.note.clear()
            word = "blocked" if turn_on else "let in again"
            self.message.emit("info", f"Incoming {what} from this contact are {word} (inbound DND).")
            self._after_change(contact_id)

        (ChangeOp(self._tasks, lambda ctx: ops.set_inbound(ctx, contact_id, channel, turn_on, note))
         .with_progress("Saving the inbound DND change...")
         .success(saved)
         .failure(lambda _error: self._after_change(contact_id))
         .run_in_background())

    def _dnd_all_clicked(self, turn_on: bool) -> None:
        cleared = False
        email = self._stored.get(Channel.EMAIL)
        if not turn_on and email is not None and needs_provider_clearance(Channel.EMAIL, email.state):
            cleared = self.ask_clearance(self, self._email, email.state)
        before = dict(self._stored)

        def done(result: DndResult) -> None:
            if turn_on:
                self.message.emit("info", "DND is on for all channels.")
                return
            kept = [f"{r.channel.label} ({describe_state(r.channel, before[r.channel].state)})"
                    for c in result.contacts for r in c.refused]
            if kept:
                self.message.emit("info", "DND is off except on locked or unconfirmed channels, still DND: "
                                  + "; ".join(kept) + ".")
            else:
                self.message.emit("info", "DND is off for all channels.")

        self._act(None, turn_on, cleared, None, done)

    def _act(self, channels: Sequence[Channel] | None, turn_on: bool, cleared: bool,
             versions: dict[Channel, int] | None, done: Callable[[DndResult], None],
             until_us: int | None = None) -> None:
        """Save the change on the worker; the toggles wait for it, then show what is stored."""
        contact_id = self.contact_id
        if contact_id is None:
            return
        self._set_editable(False)

        def saved(result: DndResult) -> None:
            self.stale.emit()  # a note about the state before this change would now mislead
            self.note.clear()  # it went with this change
            done(result)
            self._after_change(contact_id)

        note = self.note.text().strip() or None
        (ChangeOp(self._tasks,
                  lambda ctx: ops.set_dnd(ctx, contact_id, channels, turn_on, cleared, versions, note, until_us))
         .with_progress("Saving the DND change...")
         .success(saved)
         .failure(lambda _error: self._after_change(contact_id))
         .run_in_background())

    def _after_change(self, contact_id: int) -> None:
        if self.contact_id == contact_id:
            self.reload()
        self.contact_changed.emit(contact_id)
