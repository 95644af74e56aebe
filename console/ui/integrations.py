"""Integrations of a location: connect or disconnect each channel; the window updates at once."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QVBoxLayout

from console.domain.channels import CHANNEL_ORDER, Channel
from console.services import locations
from console.ui import ops
from console.ui.icons import channel_icon
from console.ui.naming import name_widget
from console.ui.operations import ChangeOp, QueryOp
from console.ui.plain import plain_label
from console.ui.taskman import TaskManager


class IntegrationsDialog(QDialog):
    """Each tick is saved on the database worker; disconnecting keeps every contact's DND state for that channel.

    The boxes stay disabled until the location's integrations are read, and while a change is saved.
    """

    integrations_changed = Signal(int)  # location id
    loaded = Signal()

    def __init__(self, tasks: TaskManager, location_id: int, parent: Any = None) -> None:
        super().__init__(parent)
        name_widget(self, "integrations_dialog", "Integrations")
        self._tasks = tasks
        self.location_id = location_id
        self.setWindowTitle("Integrations")
        self.intro = name_widget(plain_label(self), "integrations_intro", "About integrations")
        self.intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        self.boxes: dict[Channel, QCheckBox] = {}
        for channel in CHANNEL_ORDER:
            box = name_widget(QCheckBox(channel.label, self), f"connect_{channel.value}",
                              f"{channel.label} connected")
            box.setIcon(channel_icon(channel))
            box.setIconSize(QSize(20, 20))
            box.setEnabled(False)
            box.toggled.connect(lambda on, c=channel: self.set_connected(c, on))
            layout.addWidget(box)
            self.boxes[channel] = box
        buttons = name_widget(QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self), "integrations_buttons",
                              "Close integrations")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.reload()

    def reload(self) -> None:
        (QueryOp(self._tasks, lambda ctx: ops.integrations(ctx, self.location_id))
         .success(self._show)
         .run_in_background())

    def _show(self, found: locations.LocationView) -> None:
        name, connected = found.name, found.connected
        self.setWindowTitle(f"Integrations of {name}")
        self.intro.setText(
            f"Channels connected for {name}. Only connected channels can be toggled on contacts. "
            "Disconnecting keeps each contact's DND state; reconnecting shows it again unchanged."
        )
        for channel, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(channel in connected)
            box.blockSignals(False)
            box.setEnabled(True)
        self.loaded.emit()

    def set_connected(self, channel: Channel, connected: bool) -> None:
        for box in self.boxes.values():
            box.setEnabled(False)
        location_id = self.location_id
        (ChangeOp(self._tasks, lambda ctx: ops.set_connected(ctx, location_id, channel, connected))
         .with_progress(f"{'Connecting' if connected else 'Disconnecting'} {channel.label}...")
         .success(lambda _none: self._saved())
         .failure(lambda _error: self.reload())
         .run_in_background())

    def _saved(self) -> None:
        self.reload()
        self.integrations_changed.emit(self.location_id)
