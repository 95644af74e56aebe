"""The audit chain: verifying it, and the log of every entry that is not about one contact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import not_, or_, select

from console.domain.events import iso_utc, now_us, to_us
from console.errors import InvalidInput, Refused
from console.services.base import actor_role
from console.services.context import AppContext
from console.store.audit import VerifyResult, verify_chain
from console.store.audit_checks import (
    checkpoint_data,
    checkpoint_problem,
    first_state_difference,
    read_checkpoint,
    write_checkpoint,
)
from console.store.tables import EVENTS

__all__ = ["LogEntry", "Verification", "VerifyResult", "audit_log", "checkpoint", "parse_since", "verify", "verify_all"]

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


@dataclass(frozen=True, slots=True)
class Verification:
    """What ``audit verify`` found: the chain's result and what else was checked."""

    result: VerifyResult
    #: The checkpoint's entry, when one was checked.
    checkpoint_entry: int | None = None
    replayed: bool = False


def verify(ctx: AppContext) -> VerifyResult:
    """Walk the hash chain, its seals and anchors; the result names the first problem."""
    return verify_all(ctx).result


def verify_all(ctx: AppContext, checkpoint_path: Path | None = None, replay: bool = False) -> Verification:
    """Walk the hash chain, its seals and anchors (then a checkpoint, then the stored states against the replayed
    ledger); the result names the first problem."""
    checkpoint = read_checkpoint(checkpoint_path) if checkpoint_path is not None else None
    with ctx.store.read() as session:
        result = verify_chain(session)
        if result.ok and checkpoint is not None:
            problem = checkpoint_problem(session, checkpoint)
            if problem is not None:
                result = VerifyResult(False, result.entries, checkpoint.entry, problem)
        if result.ok and replay:
            difference = first_state_difference(session)
            if difference is not None:
                result = VerifyResult(
                    False, result.entries, None, difference.describe(), difference.contact_id, difference.channel.value
                )
    return Verification(result, checkpoint.entry if checkpoint is not None else None, replay)


def checkpoint(ctx: AppContext, output: Path) -> dict[str, Any]:
    """Write the head's position and seal to ``output`` (an admin's), for ``verify --checkpoint`` later."""
    with ctx.store.read() as session:
        who, role = actor_role(ctx, session)
        if role != "admin":
            raise Refused(f"{who} is not an admin: only an admin can write an audit checkpoint")
        result = verify_chain(session)
    if not result.ok:
        raise Refused(f"no checkpoint written: the audit chain is broken ({result.problem})")
    data = checkpoint_data(result, who, now_us())
    write_checkpoint(output, data)
    return data


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
