"""The audit chain: verifying it, and the log of every entry that is not about one contact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import orjson
from sqlalchemy import not_, or_, select

from console.domain.events import iso_utc, to_us
from console.errors import InvalidInput
from console.services.context import AppContext
from console.store.audit import VerifyResult, verify_chain
from console.store.tables import EVENTS

__all__ = ["LogEntry", "VerifyResult", "audit_log", "parse_since", "verify"]

#: Notes that are about one contact (its review, its possible opt-out, an edit of it): in its history, not the log.
CONTACT_NOTE_PREFIXES = ("review.", "possible_opt_out.", "contact.")


@dataclass(frozen=True, slots=True)
class LogEntry:
    id: int
    at_us: int
    actor: str
    reason: str
    location_id: int
    detail: dict[str, str]

    def as_dict(self) -> dict[str, object]:
        """The ``audit log --json`` entry of CLI.md."""
        return {
            "id": self.id,
            "at": iso_utc(self.at_us),
            "actor": self.actor,
            "reason": self.reason,
            "detail": self.detail,
        }


def verify(ctx: AppContext) -> VerifyResult:
    """Walk the hash chain; the result names the first broken entry."""
    with ctx.store.read() as session:
        return verify_chain(session)


def parse_since(text: str) -> int:
    """``--since WHEN``: an ISO 8601 date or date and time (UTC unless it says otherwise), in microseconds."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        example = "2025-03-01 or 2025-03-01T09:30"
        raise InvalidInput(f"--since {text!r} is not a date or time (use e.g. {example})") from None
    return to_us(moment)


def audit_log(ctx: AppContext, since_us: int | None = None) -> list[LogEntry]:
    """Every ledger entry not about one contact (connections, locations, agents, grants, batches, undo), oldest
    first, with who recorded it and when; ``since_us`` keeps entries at or after it."""
    columns = (EVENTS.c.id, EVENTS.c.at_us, EVENTS.c.actor, EVENTS.c.reason, EVENTS.c.location_id, EVENTS.c.detail)
    query = select(*columns).where(
        EVENTS.c.contact_id.is_(None),
        EVENTS.c.address.is_(None),
        EVENTS.c.channel.is_(None),
        not_(or_(*(EVENTS.c.reason.startswith(p) for p in CONTACT_NOTE_PREFIXES))),
    )
    if since_us is not None:
        query = query.where(EVENTS.c.at_us >= since_us)
    with ctx.store.read() as session:
        rows = session.execute(query.order_by(EVENTS.c.id)).all()
    return [
        LogEntry(r.id, r.at_us, r.actor, r.reason, r.location_id, orjson.loads(r.detail) if r.detail else {})
        for r in rows
    ]
