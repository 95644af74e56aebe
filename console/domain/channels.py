"""Channels, DND kinds and their strength order."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    CALL = "call"
    FACEBOOK = "facebook"
    GMB = "gmb"
    WHATSAPP = "whatsapp"

    @property
    def label(self) -> str:
        return CHANNEL_LABELS[self]

    @property
    def bit(self) -> int:
        return 1 << CHANNEL_ORDER.index(self)


CHANNEL_ORDER: tuple[Channel, ...] = tuple(Channel)

CHANNEL_LABELS: dict[Channel, str] = {
    Channel.EMAIL: "Email",
    Channel.SMS: "SMS",
    Channel.CALL: "Calls",
    Channel.FACEBOOK: "Facebook Messenger",
    Channel.GMB: "Google Business Messages",
    Channel.WHATSAPP: "WhatsApp",
}

#: Channels that reach a contact through their phone number.
PHONE_CHANNELS = frozenset({Channel.SMS, Channel.CALL, Channel.WHATSAPP})


def parse_channel(text: str) -> Channel:
    try:
        return Channel(text.strip().lower())
    except ValueError:
        names = ", ".join(c.value for c in Channel)
        raise ValueError(f"unknown channel {text!r} (channels: {names})") from None


def mask_of(channels: Iterable[str]) -> int:
    mask = 0
    for channel in channels:
        mask |= Channel(channel).bit
    return mask


def channels_in(mask: int) -> list[Channel]:
    return [c for c in CHANNEL_ORDER if mask & c.bit]


class DndKind(StrEnum):
    MANUAL = "manual"
    TEMPORARY = "temporary"
    PERMANENT = "permanent"
    SPAM = "spam"

    @property
    def strength(self) -> int:
        return KIND_STRENGTH[self]

    @property
    def locked(self) -> bool:
        """Locked kinds cannot be lifted by an agent from the contact record."""
        return self in LOCKED_KINDS


KIND_STRENGTH: dict[DndKind, int] = {
    DndKind.MANUAL: 1,
    DndKind.TEMPORARY: 2,
    DndKind.PERMANENT: 3,
    DndKind.SPAM: 4,
}
AGENT_LIFTABLE = frozenset({DndKind.MANUAL, DndKind.TEMPORARY})
LOCKED_KINDS = frozenset({DndKind.PERMANENT, DndKind.SPAM})
