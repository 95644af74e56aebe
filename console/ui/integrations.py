"""Integrations of a location: connect or disconnect each channel; the window updates at once."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout

from console.domain.channels import CHANNEL_ORDER, Channel
from console.errors import UserError
from console.store.db import Store
from console.store.locations import connected_channels, set_connected
from console.store.models import Location
from console.ui.icons import channel_icon
from console.ui.naming import name_widget


class IntegrationsDialog(QDialog):
    """Each tick is applied immediately; disconnecting keeps every contact's DND state for that channel."""

    integrations_changed = Signal(int)  # location id
    message = Signal(str, str)

    def __init__(self, store: Store, location_id: int, parent: Any = None) -> None:
        super().__init__(parent)
        name_widget(self, "integrations_dialog", "Integrations")
        self._store = store
        self.location_id = location_id
        with store.read() as session:
            location = session.get(Location, location_id)
            connected = connected_channels(session, location_id)
        name = location.name if location else str(location_id)
        self.setWindowTitle(f"Integrations of {name}")
        intro = QLabel(
            f"Channels connected for <b>{name}</b>. Only connected channels can be toggled on contacts. "
            "Disconnecting keeps each contact's DND state; reconnecting shows it again unchanged.",
            self,
        )
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(name_widget(intro, "integrations_intro", "About integrations"))
        self.boxes: dict[Channel, QCheckBox] = {}
        for channel in CHANNEL_ORDER:
            box = name_widget(QCheckBox(channel.label, self), f"connect_{channel.value}",
                              f"{channel.label} connected")
            box.setIcon(channel_icon(channel))
            box.setIconSize(QSize(20, 20))
            box.setChecked(channel in connected)
            box.toggled.connect(lambda on, c=channel: self.set_connected(c, on))
            layout.addWidget(box)
            self.boxes[channel] = box
        buttons = name_widget(QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self), "integrations_buttons",
                              "Close integrations")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def set_connected(self, channel: Channel, connected: bool) -> None:
        try:
            with self._store.write() as session:
                set_connected(session, self.location_id, [channel], connected)
        except UserError as exc:
            self.message.emit("error", str(exc))
            box = self.boxes[channel]
            box.blockSignals(True)
            box.setChecked(not connected)
            box.blockSignals(False)
            return
        self.integrations_changed.emit(self.location_id)
