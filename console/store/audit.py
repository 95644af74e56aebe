"""The hash chain over the ledger, its seals and anchors, and their verification (RULES.md, "Audit").

Each entry's ``hash`` chains it to the previous one (sha256, no secret); its ``seal`` is an HMAC of that hash with
the sealing key (console.store.sealing), so a rewrite with recomputed hashes or an appended forgery fails without
the key. The chain head (``chain_head``: last id, last hash, sealed) is the first anchor; the second anchor lives
beside the key (console.store.sealing), so removing entries from the end, or all of them, fails too, even with
the head removed or reset. A checkpoint file kept elsewhere catches even the key's holder.

Writers call :func:`entry_hash` and :meth:`Sealer.entry_seal` once per entry, then :func:`advance_head` once.
"""

from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from console.errors import AuditDamaged
from console.store.models import LedgerEntry
from console.store.sealing import (
    Anchor,
    Sealer,
    advance_anchor,
    anchor_message,
    head_message,
    load_key,
    read_anchor,
    sqlite_key_exists,
    writer_sealer,
)

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
HEX64 = re.compile(r"[0-9a-f]{64}")


def entry_hash(prev_hash: str, values: Sequence[Any]) -> str:
    """The entry's link: sha256 of the previous hash and the entry's values in HASHED_COLUMNS order."""
    return hashlib.sha256(prev_hash.encode() + orjson.dumps(values)).hexdigest()


def row_values(row: Mapping[Any, Any]) -> tuple[Any, ...]:
    return tuple(int(row[c]) if c == "provider_cleared" else row[c] for c in HASHED_COLUMNS)


# -- writers ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Head:
    last_id: int
    last_hash: str
    seal: str | None


def read_head(session: Session) -> Head:
    """The chain head, as a writer needs it; a missing or damaged head is a one-line AuditDamaged."""
    try:
        row = session.execute(text("SELECT last_id, last_hash, seal FROM chain_head WHERE id = 1")).first()
    except Exception as exc:  # a dropped table or column: name it, never a traceback
        raise AuditDamaged(f"the audit chain head cannot be read ({type(exc).__name__}); run: audit verify") from None
    if row is None:
        raise AuditDamaged(
            "the audit chain head is missing (its row was deleted): nothing can be recorded; run: audit verify"
        )
    head = _head_of(row)
    if head is None:
        raise AuditDamaged("the audit chain head is damaged: nothing can be recorded; run: audit verify")
    return head


def _head_of(row: Any) -> Head | None:
    last_id, last_hash, seal = row
    if isinstance(last_id, bool) or not isinstance(last_id, int) or last_id < 0:
        return None
    if not isinstance(last_hash, str) or not HEX64.fullmatch(last_hash):
        return None
    return Head(last_id, last_hash, seal if isinstance(seal, str) else None)


def lock_head(session: Session, held: bool = False) -> tuple[Head, Sealer]:
    """Take the chain's write lock (unless the transaction ``held`` it from its start: SQLite's write lock, or
    PostgreSQL's ``FOR UPDATE`` of the head), read the head and check its seal: a writer never extends a moved
    head."""
    if not held:
        session.execute(text("UPDATE chain_head SET last_id = last_id WHERE id = 1"))
    head = read_head(session)
    sealer = writer_sealer(session, head.last_id)
    if head.last_id == 0 and head.seal is None:
        return head, sealer  # a new database: the head is sealed with the first entry
    if not sealer.valid(head_message(head.last_id, head.last_hash), head.seal):
        raise AuditDamaged(
            "the audit chain head was moved or altered without the sealing key: nothing can be "
            "recorded; run: audit verify"
        )
    return head, sealer


def advance_head(session: Session, sealer: Sealer, last_id: int, last_hash: str) -> None:
    """After appending entries up to ``last_id``: the head and the second anchor follow, both sealed."""
    session.execute(
        text("UPDATE chain_head SET last_id = :i, last_hash = :h, seal = :s WHERE id = 1"),
        {"i": last_id, "h": last_hash, "s": sealer.head_seal(last_id, last_hash)},
    )
    advance_anchor(session, sealer, last_id, last_hash)


# -- checking seals --------------------------------------------------------------------------------------------


class SealCheck(ABC):
    """Checks seals with the key (SQLite) or through the database's functions (PostgreSQL, any role)."""

    @abstractmethod
    def first_bad(self, rows: Sequence[Mapping[Any, Any]]) -> int | None:
        """The id of the first of ``rows`` (consecutive entries) whose seal is wrong or missing."""

    @abstractmethod
    def valid(self, message: str, seal: str | None) -> bool: ...


class KeySealCheck(SealCheck):
    def __init__(self, sealer: Sealer) -> None:
        self.sealer = sealer

    def first_bad(self, rows: Sequence[Mapping[Any, Any]]) -> int | None:
        seal = self.sealer.entry_seal
        for row in rows:
            if row["seal"] != seal(row["hash"]):
                return int(row["id"])
        return None

    def valid(self, message: str, seal: str | None) -> bool:
        return self.sealer.valid(message, seal)


class FunctionSealCheck(SealCheck):
    """PostgreSQL: SECURITY DEFINER functions of the schema's owner check seals and never return the key."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def first_bad(self, rows: Sequence[Mapping[Any, Any]]) -> int | None:
        if not rows:
            return None
        found = self.connection.execute(
            text("SELECT dnd_seal_check(:lo, :hi)"), {"lo": rows[0]["id"], "hi": rows[-1]["id"]}
        ).scalar()
        return int(found) if found is not None else None

    def valid(self, message: str, seal: str | None) -> bool:
        if seal is None:
            return False
        return bool(self.connection.execute(text("SELECT dnd_seal_ok(:m, :s)"), {"m": message, "s": seal}).scalar())


class NoKey:
    """No key to check seals with (SQLite: the key file is missing or unreadable): verification fails."""

    def __init__(self, problem: str) -> None:
        self.problem = problem


def seal_check(session: Session) -> SealCheck | NoKey:
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return FunctionSealCheck(connection)
    try:
        key = load_key(connection, create=False)
    except AuditDamaged as exc:
        return NoKey(str(exc))
    if key is None:
        return NoKey("the sealing key beside the database is missing, so the seals cannot be checked")
    return KeySealCheck(Sealer(key))


# -- verification ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    entries: int
    broken_id: int | None = None
    problem: str | None = None
    #: The first channel whose stored state differs from the replayed ledger (``--replay``): (contact id, channel).
    contact_id: int | None = None
    channel: str | None = None
    #: The last entry walked, for a checkpoint: (id, hash, seal).
    last: tuple[int, str, str | None] = (0, GENESIS, None)


def verify_chain(session: Session, batch: int = 20_000) -> VerifyResult:
    """Walk the ledger in id order: links, seals, then the head and the second anchor; the first problem found."""
    fresh = not session.in_transaction()
    connection = session.connection()
    if fresh and connection.dialect.name == "postgresql":
        # One snapshot for the walk, the head and the anchor, whatever writers commit meanwhile.
        connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    # The SQLite anchor is a file, written after each commit: read before the ledger, it is never ahead of it.
    anchor = read_anchor(connection)
    checker = seal_check(session)
    table = LedgerEntry.__table__
    prev_hash, expected_id, count, last_id, last_seal = GENESIS, 1, 0, 0, None
    anchor_hash: str | None = None
    while True:
        rows = (
            session.execute(select(table).where(table.c.id > last_id).order_by(table.c.id).limit(batch))
            .mappings()
            .all()
        )
        if not rows:
            break
        if isinstance(checker, NoKey):
            return VerifyResult(False, count, rows[0]["id"], checker.problem)
        bad_seal = checker.first_bad(rows)
        for row in rows:
            if row["id"] != expected_id:
                return VerifyResult(False, count, expected_id, f"entry {expected_id} is missing")
            if entry_hash(prev_hash, row_values(row)) != row["hash"]:
                return VerifyResult(False, count, row["id"], f"entry {row['id']} was altered")
            if row["id"] == bad_seal:
                what = "is not sealed" if row["seal"] is None else "has a wrong seal"
                return VerifyResult(
                    False,
                    count,
                    row["id"],
                    f"entry {row['id']} {what}: it was rewritten or added without the sealing key",
                )
            if anchor is not None and row["id"] == anchor.last_id:
                anchor_hash = row["hash"]
            prev_hash, expected_id, count, last_id = row["hash"], row["id"] + 1, count + 1, row["id"]
            last_seal = row["seal"]
    head_problem = _head_problem(session, checker, last_id, prev_hash)
    if head_problem is not None:
        return VerifyResult(False, count, last_id + 1, head_problem)
    anchor_problem = _anchor_problem(connection, checker, anchor, anchor_hash, last_id)
    if anchor_problem is not None:
        return VerifyResult(False, count, last_id + 1, anchor_problem)
    return VerifyResult(True, count, last=(last_id, prev_hash, last_seal))


def _head_problem(session: Session, checker: SealCheck | NoKey, last_id: int, last_hash: str) -> str | None:
    try:
        row = session.execute(text("SELECT last_id, last_hash, seal FROM chain_head WHERE id = 1")).first()
    except Exception as exc:
        return f"the chain head cannot be read ({type(exc).__name__})"
    if row is None:
        return f"the chain head is missing (its row was deleted); the ledger ends at entry {last_id}"
    head = _head_of(row)
    if head is None:
        return "the chain head is damaged"
    if head.last_id > last_id:
        return f"entries after {last_id} are missing (the chain head records entry {head.last_id})"
    if head.last_id != last_id or head.last_hash != last_hash:
        return f"the chain head does not match the last entry ({last_id})"
    if last_id == 0 and head.seal is None and _never_sealed(session):
        return None
    if isinstance(checker, NoKey):
        return checker.problem
    if not checker.valid(head_message(head.last_id, head.last_hash), head.seal):
        return "the chain head's seal is wrong: it was moved or reset without the sealing key"
    return None


def _never_sealed(session: Session) -> bool:
    """A ledger that never recorded an entry: no SQLite key file yet (PostgreSQL: the anchor says so)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return True  # the anchor decides
    return not sqlite_key_exists(connection.engine.url)


def _anchor_problem(
    connection: Connection, checker: SealCheck | NoKey, anchor: Anchor | None, anchor_hash: str | None, last_id: int
) -> str | None:
    """The second anchor must be in the ledger (SQLite: at or before its end; PostgreSQL: exactly its end)."""
    pg = connection.dialect.name == "postgresql"
    if anchor is None or anchor.last_id == 0:
        if pg and anchor is None:
            return "the audit anchor is missing (its row was deleted)"
        if last_id == 0 and (pg or not sqlite_key_exists(connection.engine.url)):
            return None  # nothing was ever recorded
        if last_id == 0:
            return "all entries were removed (the sealing key beside the database was made for the first one)"
        return "the audit anchor was reset" if pg else "the audit anchor beside the database is missing"
    if anchor.last_id < 0:
        return "the audit anchor beside the database is damaged"
    if isinstance(checker, NoKey):
        return checker.problem
    if not checker.valid(anchor_message(anchor.last_id, anchor.last_hash), anchor.seal):
        return "the audit anchor's seal is wrong: it was altered without the sealing key"
    if anchor.last_id > last_id:
        if last_id == 0:
            return f"all entries were removed (the audit anchor records entry {anchor.last_id})"
        return f"entries after {last_id} are missing (the audit anchor records entry {anchor.last_id})"
    if anchor_hash != anchor.last_hash:
        return f"entry {anchor.last_id} differs from the audit anchor"
    if pg and anchor.last_id != last_id:
        return f"the audit anchor records entry {anchor.last_id}, not the last entry {last_id}"
    return None
