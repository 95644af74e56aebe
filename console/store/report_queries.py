"""What a consent report reads besides the history: import batches, and the audit check of the entries it cites."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import orjson
from sqlalchemy import RowMapping, select
from sqlalchemy.orm import Session

from console.store.audit import GENESIS, NoKey, SealCheck, entry_hash, row_values, seal_check
from console.store.models import ChainHead, ImportBatch
from console.store.sealing import head_message
from console.store.tables import EVENTS, chunked


@dataclass(frozen=True, slots=True)
class BatchFile:
    name: str
    path: str
    format: str
    sha256: str


@dataclass(frozen=True, slots=True)
class BatchInfo:
    id: int
    actor: str
    started_at_us: int
    state: str
    files: tuple[BatchFile, ...]


def import_batches(session: Session, batch_ids: Iterable[int]) -> dict[int, BatchInfo]:
    wanted = sorted(set(batch_ids))
    found: dict[int, BatchInfo] = {}
    for chunk in chunked(wanted):
        for row in session.scalars(select(ImportBatch).where(ImportBatch.id.in_(chunk))):
            files = tuple(
                BatchFile(
                    str(f.get("name") or f.get("path") or ""),
                    str(f.get("path") or ""),
                    str(f.get("format") or ""),
                    str(f.get("sha256") or ""),
                )
                for f in (orjson.loads(row.files) if row.files else [])
            )
            found[row.id] = BatchInfo(row.id, row.actor, row.started_at_us, row.state, files)
    return found


@dataclass(frozen=True, slots=True)
class EntriesCheck:
    """The audit check of the entries a report cites: each one's link to its predecessor and its seal, and the
    chain head (at or after the last cited entry, its hash that entry's, its seal valid)."""

    entries: int
    problems: tuple[str, ...]
    head_id: int | None
    head_hash: str | None
    #: Cited entries whose seal was checked and found valid.
    sealed: int = 0
    #: The chain head's seal was checked and found valid.
    head_sealed: bool = False

    @property
    def intact(self) -> bool:
        return not self.problems

    @property
    def line(self) -> str:
        if self.intact:
            return f"Audit verification: intact ({self.entries} entries)"
        return f"Audit verification: BROKEN ({'; '.join(self.problems)})"


def verify_entries(session: Session, entry_ids: Iterable[int]) -> EntriesCheck:
    """Recompute each cited entry's hash from its predecessor's and check its seal (with the key on SQLite,
    through the database's functions on PostgreSQL); the head must be at or after the last one, hold the hash
    of the entry it names, and carry a valid seal."""
    ids = sorted(set(entry_ids))
    head = session.get(ChainHead, 1)
    head_id, head_hash = (head.last_id, head.last_hash) if head is not None else (None, None)
    wanted = sorted(set(ids) | {i - 1 for i in ids if i > 1} | ({head_id} if head_id else set()))
    rows: dict[int, RowMapping] = {}
    for chunk in chunked(wanted):
        for row in session.execute(select(EVENTS).where(EVENTS.c.id.in_(chunk))).mappings():
            rows[int(row["id"])] = row
    checker = seal_check(session) if ids or head_id else None
    problems: list[str] = []
    if isinstance(checker, NoKey):
        problems.append(f"the seals cannot be checked: {checker.problem}")
    sealed = 0
    for entry_id in ids:
        found = rows.get(entry_id)
        if found is None:
            problems.append(f"entry {entry_id} is missing")
            continue
        previous = rows.get(entry_id - 1)
        if entry_id > 1 and previous is None:
            problems.append(f"entry {entry_id - 1} before entry {entry_id} is missing")
            continue
        prev_hash = GENESIS if previous is None else str(previous["hash"])
        if entry_hash(prev_hash, row_values(found)) != found["hash"]:
            problems.append(f"entry {entry_id} was altered")
        elif isinstance(checker, SealCheck):
            if checker.valid(str(found["hash"]), found["seal"]):
                sealed += 1
            else:
                what = "is not sealed" if found["seal"] is None else "has a wrong seal"
                problems.append(f"entry {entry_id} {what}: it was rewritten or added without the sealing key")
    head_sealed = False
    if ids and (head_id is None or head_id < ids[-1]):
        problems.append(f"the chain head ({head_id}) is before entry {ids[-1]}: entries were removed from the end")
    elif head is not None and head_id:
        named = rows.get(head_id)
        if named is None or named["hash"] != head_hash:
            problems.append(f"the chain head does not match entry {head_id} (the ledger or the head was altered)")
        elif isinstance(checker, SealCheck):
            head_sealed = checker.valid(head_message(head_id, str(head_hash)), head.seal)
            if not head_sealed:
                problems.append("the chain head's seal is wrong: it was moved or reset without the sealing key")
    return EntriesCheck(len(ids), tuple(problems), head_id, head_hash, sealed, head_sealed)
