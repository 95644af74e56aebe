"""What every importer yields: ledger events, contact rows, or rejected records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from console.domain.events import Event


@dataclass(frozen=True, slots=True)
class Reject:
    """A record that could not be read: kept with its raw text so nothing is lost."""

    file: str
    line: int
    error: str
    raw: str


class EventRecord(NamedTuple):
    """One provider record as a ledger event.

    ``event.effect`` is ``NONE`` for records that trigger nothing; ``event.detail["label"]`` then says how
    the import summary counts it (e.g. ``failed/temporary/generic``). An inbound message that reads like an
    opt-out has ``event.detail["possible_opt_out"] == "1"`` and its body in ``event.detail["body"]``.
    """

    file: str
    line: int
    event: Event


@dataclass(frozen=True, slots=True)
class ContactRow:
    file: str
    line: int
    name: str
    email: str | None
    phone: str | None
    external_id: str | None
    location: str | None


Record = EventRecord | ContactRow | Reject
