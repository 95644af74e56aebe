"""Ledger events: every change to a contact's DND is one of these."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import NamedTuple

from console.domain.channels import Channel, DndKind


class Effect(StrEnum):
    SET = "set"
    LIFT = "lift"
    NONE = "none"  # a record that triggers nothing; kept so re-imports are recognised


class Source(StrEnum):
    MAILGUN = "mailgun"
    TWILIO = "twilio"
    AGENT = "agent"
    REVIEW = "review"


#: The sources of provider exports (``console.importers.registry``: every event format names one). Their records
#: that trigger nothing are kept compactly outside the hash chain (``is_noop``); a new provider's
#: source is added here and to ``Source``.
PROVIDER_SOURCES = frozenset({Source.MAILGUN.value, Source.TWILIO.value})


class Event(NamedTuple):
    """One entry of the consent ledger, before it is stored.

    For ``SET`` events ``kind`` is the DND kind set. For ``LIFT`` events it is the strongest kind the
    lift may clear: the kind an agent saw and lifted, or ``spam`` for an opt-in keyword or an approved
    review, which lift every kind. A named tuple: imports build millions of them, and they cross
    process boundaries cheaply. ``detail`` is never mutated once the event is built.
    """

    source: str
    key: str
    at_us: int
    channel: Channel | None
    effect: Effect
    kind: DndKind | None
    reason: str
    address: str | None = None
    contact_id: int | None = None
    provider_cleared: bool = False
    detail: dict[str, str] = {}  # a shared empty default: details are never mutated

    @property
    def order_key(self) -> tuple[int, int, str, str]:
        return order_key(self.at_us, self.effect, self.source, self.key)


def is_noop(ev: Event) -> bool:
    """A provider record that triggers nothing: kept in the store's no-op records, outside the chain.

    Records from ``PROVIDER_SOURCES`` (the list every registered import format must name) that trigger nothing
    change nothing, so they are not ledger entries; their keys make re-imports idempotent and their labels count.
    """
    return ev.effect is Effect.NONE and ev.source in PROVIDER_SOURCES and "possible_opt_out" not in ev.detail


def order_key(at_us: int, effect: str, source: str, key: str) -> tuple[int, int, str, str]:
    """Replay order: by time; at the same instant lifts before sets (DND wins a tie), then source, then id."""
    return (at_us, 0 if effect == Effect.LIFT else 1, source, key)


def to_us(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(us: int) -> datetime:
    return datetime.fromtimestamp(us // 1_000_000, tz=UTC).replace(microsecond=us % 1_000_000)


def iso_utc(us: int | None) -> str | None:
    if us is None:
        return None
    moment = from_us(us)
    text = f"{moment.year:04d}" + moment.strftime("-%m-%dT%H:%M:%S")  # %Y does not pad years before 1000
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text + "Z"


def now_us() -> int:
    return to_us(datetime.now(UTC))


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
