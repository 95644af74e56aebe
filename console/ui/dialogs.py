"""Small questions for the agent. Each dialog has an ``ask`` class method that returns the answer; tests
replace ``ask`` or drive the dialog object directly."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from console.domain.channels import Channel
from console.domain.explain import describe_state
from console.domain.state import ChannelState
from console.ui.naming import name_widget
from console.ui.plain import plain_label


class ProviderClearanceDialog(QDialog):
    """Before an email DND from a bounce or suppression is lifted: was the address cleared at the provider?"""

    def __init__(self, address: str | None, state: ChannelState, parent: Any = None) -> None:
        super().__init__(parent)
        name_widget(self, "provider_clearance_dialog", "Confirm provider clearance")
        self.setWindowTitle("Lift email DND")
        shown = address or "this address"
        why = describe_state(Channel.EMAIL, state)
        intro = plain_label(
            f"Email DND for {shown} came from the email provider: {why}.\n\n"
            "Before lifting it:\n"
            f"1. remove {shown} from the provider's suppression list (e.g. Mailgun bounces, unsubscribes);\n"
            "2. re-validate the address.",
            self,
        )
        intro.setWordWrap(True)
        name_widget(intro, "provider_clearance_text", "What to do before lifting")
        self.confirm_box = name_widget(
            QCheckBox("I removed the address from the suppression list and re-validated it", self),
            "provider_cleared_check",
            "Confirm the address was removed from the suppression list and re-validated",
        )
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.lift_button = self.buttons.addButton("Lift DND", QDialogButtonBox.ButtonRole.AcceptRole)
        name_widget(self.lift_button, "lift_button", "Lift email DND")
        name_widget(self.buttons, "clearance_buttons", "Lift or cancel")
        self.lift_button.setEnabled(False)
        self.lift_button.setAutoDefault(False)  # Enter never lifts a DND: Cancel is the default
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setDefault(True)
        cancel.setAutoDefault(True)
        self.confirm_box.toggled.connect(self.lift_button.setEnabled)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.confirm_box)
        layout.addWidget(self.buttons)

    def accept(self) -> None:
        if self.confirm_box.isChecked():
            super().accept()

    @classmethod
    def ask(cls, parent: QWidget | None, address: str | None, state: ChannelState) -> bool:
        """True when the agent confirmed the clearance and chose to lift."""
        dialog = cls(address, state, parent)
        return dialog.exec() == QDialog.DialogCode.Accepted and dialog.confirm_box.isChecked()
