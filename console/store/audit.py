"""The hash chain over the ledger, and its verification."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from console.store.models import ChainHead, LedgerEntry

GENESIS = "0" * 64
HASHED_COLUMNS = (
    "id",
    "location_id",
    "source",
    "key",
    "at_us",
    "recorded_at_us",
    "channel",
    "effect",
    "kind",
    "reason",
    "address",
    "contact_id",
    "actor",
    "batch_id",
    "provider_cleared",
    "detail",
)


def entry_hash(prev_hash: str, values: Sequence[Any]) -> str:
    """The entry's link: sha256 of the previous hash and the entry's values in HASHED_COLUMNS order."""
    return hashlib.sha256(prev_hash.encode() + orjson.dumps(values)).hexdigest()


def row_values(row: Mapping[Any, Any]) -> tuple[Any, ...]:
    return tuple(int(row[c]) if c == "provider_cleared" else row[c] for c in HASHED_COLUMNS)


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    entries: int
    broken_id: int | None = None
    problem: str | None = None


def verify_chain(session: Session, batch: int = 20_000) -> VerifyResult:
    """Walk the ledger in id order; report the first entry whose link does not hold."""
    table = LedgerEntry.__table__
    prev_hash, expected_id, count, last_id = GENESIS, 1, 0, 0
    while True:
        rows = (
            session.execute(select(table).where(table.c.id > last_id).order_by(table.c.id).limit(batch))
            .mappings()
            .all()
        )
        if not rows:
            break
        for row in rows:
            if row["id"] != expected_id:
                return VerifyResult(False, count, expected_id, f"entry {expected_id} is missing")
            if entry_hash(prev_hash, row_values(row)) != row["hash"]:
                return VerifyResult(False, count, row["id"], f"entry {row['id']} was altered")
            prev_hash, expected_id, count, last_id = row["hash"], row["id"] + 1, count + 1, row["id"]
    head = session.get(ChainHead, 1)
    if head is not None and (head.last_id != last_id or head.last_hash != prev_hash):
        return VerifyResult(False, count, last_id + 1, f"entries after {last_id} are missing")
    return VerifyResult(True, count)
