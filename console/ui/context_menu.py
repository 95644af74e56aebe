"""The contact list's right-click menu: DND on or off per channel, copy the addresses, open History, request an
opt-in review, edit the contact. It acts on the row under the pointer (selected first, so the panel shows it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu, QWidget

from console.domain.channels import Channel, DndKind


@dataclass(frozen=True)
class RowFacts:
    """What the menu needs to know of the row: its contact, addresses, and each shown channel's DND kind."""

    contact_id: int
    email: str
    phone: str
    kinds: dict[Channel, DndKind | None]


@dataclass(frozen=True)
class MenuActions:
    set_dnd: Callable[[int, Channel | None, bool], None]  # contact, channel (None: all), on
    open_history: Callable[[int], None]
    request_review: Callable[[int, Channel], None]
    edit_contact: Callable[[int], None]
    copied: Callable[[str, str], None] | None = None  # what ("email", "phone"), the text: say so in the window


def copy_text(text: str) -> None:
    clipboard = QGuiApplication.clipboard()
    if clipboard is not None:
        clipboard.setText(text)


def contact_menu(parent: QWidget, row: RowFacts, actions: MenuActions) -> QMenu:
    menu = QMenu(parent)
    menu.setObjectName("contact_menu")
    menu.setToolTipsVisible(True)
    on = menu.addMenu("DND &on")
    on.setObjectName("menu_dnd_on")
    off = menu.addMenu("DND o&ff")
    off.setObjectName("menu_dnd_off")
    def setter(channel: Channel | None, dnd: bool) -> Callable[[], None]:
        return lambda: actions.set_dnd(row.contact_id, channel, dnd)

    def reviewer(channel: Channel) -> Callable[[], None]:
        return lambda: actions.request_review(row.contact_id, channel)

    for channel, kind in row.kinds.items():
        turn_on = on.addAction(channel.label, setter(channel, True))
        turn_on.setObjectName(f"menu_on_{channel.value}")
        turn_on.setEnabled(kind is None)
        turn_off = off.addAction(channel.label, setter(channel, False))
        turn_off.setObjectName(f"menu_off_{channel.value}")
        turn_off.setEnabled(kind is not None and not kind.locked)
        if kind is not None and kind.locked:
            turn_off.setToolTip("Locked: only an approved opt-in review lifts it")
    on.addSeparator()
    on.addAction("All channels", lambda: actions.set_dnd(row.contact_id, None, True)).setObjectName("menu_on_all")
    off.addSeparator()
    off.addAction("All channels", lambda: actions.set_dnd(row.contact_id, None, False)).setObjectName(
        "menu_off_all")
    menu.addSeparator()
    def copy(what: str, text: str) -> None:
        copy_text(text)
        if actions.copied is not None:
            actions.copied(what, text)

    email = menu.addAction("Copy &email", lambda: copy("email", row.email))
    email.setObjectName("menu_copy_email")
    email.setEnabled(bool(row.email))
    phone = menu.addAction("Copy &phone", lambda: copy("phone", row.phone))
    phone.setObjectName("menu_copy_phone")
    phone.setEnabled(bool(row.phone))
    menu.addSeparator()
    menu.addAction("Open &history", lambda: actions.open_history(row.contact_id)).setObjectName("menu_history")
    review = menu.addMenu("Request opt-in &review")
    review.setObjectName("menu_review")
    locked = [c for c, k in row.kinds.items() if k is not None and k.locked]
    for channel in locked:
        review.addAction(channel.label, reviewer(channel)).setObjectName(
            f"menu_review_{channel.value}")
    review.setEnabled(bool(locked))
    if not locked:
        review.setToolTip("No locked channel: nothing to review")
    menu.addAction("Edit &contact...", lambda: actions.edit_contact(row.contact_id)).setObjectName("menu_edit")
    return menu
