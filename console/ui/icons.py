"""SVG icons from ``resources/icons``: they scale on high-DPI screens."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QIcon

from console.domain.channels import Channel, DndKind
from console.resources import resource


@cache
def icon(name: str) -> QIcon:
    return QIcon(str(resource("icons", f"{name}.svg")))


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
