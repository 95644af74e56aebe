"""Add or edit a contact: name, email, phone. Saved by ``services.contacts`` on the database worker; a new
address applies the events already kept for it (the panel then shows them)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QVBoxLayout

from console.services.reads import ContactView
from console.ui import ops
from console.ui.message_bar import MessageBar
from console.ui.naming import name_widget
from console.ui.operations import ChangeOp
from console.ui.problems import Problems
from console.ui.taskman import TaskManager


class ContactDialog(QDialog):
    """``contact`` None: a new contact in ``location_id``; else that contact, its fields filled in. Refusals (a
    bad phone, an empty name) are shown in the dialog, which stays open."""

    saved = Signal(int)  # the contact id

    def __init__(self, tasks: TaskManager, location_id: int, contact: ContactView | None = None,
                 parent: Any = None) -> None:
        super().__init__(parent)
        name_widget(self, "contact_dialog", "Edit contact" if contact else "New contact")
        self.setWindowTitle(f"Edit contact #{contact.id}" if contact else "New contact")
        self._tasks = tasks
        self.location_id = location_id
        self.contact = contact
        self.messages = MessageBar(self)
        self.problems = Problems(self.messages.show_message, tasks.problems.crashes, self)
        self.messages.dismissed.connect(self.problems.dismissed)
        self.name = name_widget(QLineEdit(contact.name if contact else "", self), "contact_name_edit", "Name")
        self.email = name_widget(QLineEdit(contact.email or "" if contact else "", self), "contact_email_edit",
                                 "Email")
        self.phone = name_widget(QLineEdit(contact.phone or "" if contact else "", self), "contact_phone_edit",
                                 "Phone", "Any format; national numbers use the console's region")
        form = QFormLayout()
        form.addRow("&Name:", self.name)
        form.addRow("&Email:", self.email)
        form.addRow("&Phone:", self.phone)
        self.buttons = name_widget(
            QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self),
            "contact_buttons", "Save or cancel")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.messages)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)

    def save(self) -> None:
        name, email, phone = self.name.text().strip(), self.email.text().strip(), self.phone.text().strip()
        self.buttons.setEnabled(False)
        before = self.contact
        location_id = self.location_id

        if before is not None and (name, email, phone) == (before.name, before.email or "", before.phone or ""):
            self.accept()
            return
        (ChangeOp(self._tasks, lambda ctx: ops.save_contact(ctx, location_id, before, name, email, phone))
         .reported_by(self.problems)
         .without_retry()
         .with_progress("Saving the contact...")
         .success(self._saved)
         .failure(lambda _error: self.buttons.setEnabled(True))
         .run_in_background())

    def _saved(self, contact_id: int) -> None:
        self.saved.emit(contact_id)
        self.accept()
