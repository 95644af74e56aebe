"""SVG icons from ``resources/icons``: they scale on high-DPI screens."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from console.domain.channels import Channel, DndKind
from console.domain.gate import decide_send
from console.domain.state import ChannelState
from console.resources import resource


@cache
def icon(name: str) -> QIcon:
    return QIcon(str(resource("icons", f"{name}.svg")))


#: The sizes a list icon is drawn at (16 and 20 logical pixels, at 1x, 1.5x, 2x and 3x).
LIST_ICON_SIDES = (16, 20, 24, 30, 32, 40, 48, 60)


@cache
def list_icon(name: str) -> QIcon:
    """The state icon as an item view draws it: the same glyph, and for a selected row that glyph on a white disc.

    A style draws a selected row's icon in its "selected" mode, which it would otherwise make by tinting the
    pixmap with the highlight colour: the icons looked dimmed and the grey "off" circle vanished. Giving the icon
    its own selected pixmaps keeps each state readable on the highlight, and the painting stays in Qt's C++ (a
    delegate in Python would cost each channel cell a Python call per repaint)."""
    source = icon(name)
    made = QIcon()
    for side in LIST_ICON_SIDES:
        normal = source.pixmap(QSize(side, side), 1.0)
        made.addPixmap(normal, QIcon.Mode.Normal)
        chip = QPixmap(side, side)
        chip.fill(Qt.GlobalColor.transparent)
        painter = QPainter(chip)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#ffffff"))
        painter.drawEllipse(QRectF(0, 0, side, side))
        painter.drawPixmap(0, 0, normal)
        painter.end()
        made.addPixmap(chip, QIcon.Mode.Selected)
    return made


def kind_icon(kind: DndKind | None) -> QIcon:
    return icon(f"kind-{kind.value}" if kind else "kind-off")


def channel_icon(channel: Channel) -> QIcon:
    return icon(f"channel-{channel.value}")


KIND_WORDS: dict[DndKind | None, str] = {
    None: "not DND",
    DndKind.MANUAL: "DND (manual)",
    DndKind.TEMPORARY: "DND (temporary)",
    DndKind.PERMANENT: "DND (permanent, locked)",
    DndKind.SPAM: "DND (spam, locked)",
}


#: The icon of each state a channel can be in, the same in the list, the panel and the legend.
OFF_ICON, NO_ADDRESS_ICON, NOT_CONNECTED_ICON = "kind-off", "no-address", "not-connected"


def state_icon_name(channel: Channel, state: ChannelState, connected: bool, has_email: bool, has_phone: bool) -> str:
    """Not connected, else the DND kind, else no address (``decide_send``'s ``no_address``), else allowed."""
    if not connected:
        return NOT_CONNECTED_ICON
    if state.dnd:
        return f"kind-{state.kind.value}" if state.kind else "kind-manual"
    if not decide_send(channel, state, connected, has_email, has_phone).allowed:
        return NO_ADDRESS_ICON
    return OFF_ICON


@dataclass(frozen=True, slots=True)
class LegendEntry:
    icon: str
    label: str  # short, for the strip under the list
    meaning: str  # a sentence, for the tooltip and the legend window
    in_list: bool = True  # the list shows it (it has columns for connected channels only)


LEGEND: tuple[LegendEntry, ...] = (
    LegendEntry(OFF_ICON, "Allowed", "Not DND: messages on this channel may go out."),
    LegendEntry("kind-manual", "Manual DND", "An agent turned DND on; an agent can turn it off."),
    LegendEntry("kind-temporary", "Temporary DND",
                "A bounce or a carrier error; it ends when the provider clears it or an agent turns it off."),
    LegendEntry("kind-permanent", "Permanent (locked)",
                "The contact replied STOP or unsubscribed; only a START or an approved opt-in review lifts it."),
    LegendEntry("kind-spam", "Spam (locked)",
                "The contact marked a message as spam; only an approved opt-in review lifts it."),
    LegendEntry(NO_ADDRESS_ICON, "No address",
                "The contact has no email (Email) or no phone number (SMS, Calls, WhatsApp): nothing can be sent."),
    LegendEntry(NOT_CONNECTED_ICON, "Not connected",
                "The channel is not connected for this location: nothing is sent, the DND state is kept. "
                "The list shows connected channels only; the panel shows all six.", in_list=False),
)
