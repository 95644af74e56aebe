"""The outbound gate: may a message go out on this channel?"""

from __future__ import annotations

from dataclasses import dataclass

from console.domain.channels import PHONE_CHANNELS, Channel, DndKind
from console.domain.events import iso_utc
from console.domain.state import ChannelState


@dataclass(frozen=True, slots=True)
class SendDecision:
    allowed: bool
    reason: str | None
    kind: DndKind | None = None
    #: The end of the manual DND that blocks, if it has one.
    until_us: int | None = None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "allowed": self.allowed,
            "reason": self.reason,
            "kind": self.kind.value if self.kind else None,
        }
        if self.until_us is not None:
            out["until"] = iso_utc(self.until_us)
        return out


def decide_send(
    channel: Channel, state: ChannelState, connected: bool, has_email: bool, has_phone: bool
) -> SendDecision:
    """Blocked when DND (any kind), when the channel is not connected, or when the address it needs is missing."""
    if state.dnd:
        return SendDecision(False, state.reason, state.kind, state.until_us)
    if not connected:
        return SendDecision(False, "not_connected")
    if (channel == Channel.EMAIL and not has_email) or (channel in PHONE_CHANNELS and not has_phone):
        return SendDecision(False, "no_address")
    return SendDecision(True, None)
