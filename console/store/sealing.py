"""The audit's sealing key and its second anchor (RULES.md, "Audit").

Every ledger entry is sealed with HMAC-SHA256 over its hash, with a key that agents' logins cannot read:

- SQLite (one desk): a file beside the database, ``<database>.key``, created 0600 when the first entry is sealed
  (so a key file beside an empty ledger means entries were removed). The second anchor, ``<database>.anchor``,
  records the last committed entry (its id, hash and a seal) and is rewritten after each commit that appended.
- PostgreSQL (a team): the key is a row of ``audit_key``, a table only the schema's owner may read; every role
  checks seals through two SECURITY DEFINER functions that never return the key (``dnd_seal_check`` over a range
  of entries, ``dnd_seal_ok`` for one message). The second anchor is the ``audit_anchor`` row, written in the same
  transaction as the entries.

Messages are domain-separated: an entry's seal covers its 64-character hash, the head's and the anchor's seal a
``head:ID:HASH`` / ``anchor:ID:HASH`` text, so no seal can be reused as another.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import logging
import os
import secrets
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from console.errors import AuditDamaged

log = logging.getLogger(__name__)

KEY_BYTES = 32
BLOCK = 64  # SHA-256's block size: HMAC pads the key to it (RFC 2104)
FILE_MODE = 0o600
#: session.info key: the (url, last_id, last_hash) an SQLite writer appended, written to the anchor after commit.
PENDING_ANCHOR = "dnd_pending_anchor"


def key_pads(key: bytes) -> tuple[bytes, bytes]:
    """HMAC's inner and outer padded keys, so PostgreSQL can compute the same HMAC with its built-in sha256()."""
    padded = key.ljust(BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in padded), bytes(b ^ 0x5C for b in padded)


class Sealer:
    """Seals with one key: HMAC-SHA256 (RFC 2104) from the key's two padded SHA-256 states, copied per message,
    which is about twice as fast as ``hmac.digest`` for the 64-byte hashes sealed once per entry."""

    __slots__ = ("_inner", "_outer", "key")

    def __init__(self, key: bytes) -> None:
        self.key = key
        inner, outer = key_pads(key)
        self._inner = hashlib.sha256(inner)
        self._outer = hashlib.sha256(outer)

    def seal(self, message: str) -> str:
        inner = self._inner.copy()
        inner.update(message.encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()

    def entry_seal(self, entry_hash: str) -> str:
        return self.seal(entry_hash)

    def head_seal(self, last_id: int, last_hash: str) -> str:
        return self.seal(head_message(last_id, last_hash))

    def anchor_seal(self, last_id: int, last_hash: str) -> str:
        return self.seal(anchor_message(last_id, last_hash))

    def valid(self, message: str, seal: Any) -> bool:
        return isinstance(seal, str) and hmac.compare_digest(self.seal(message), seal)


def head_message(last_id: int, last_hash: str) -> str:
    return f"head:{last_id}:{last_hash}"


def anchor_message(last_id: int, last_hash: str) -> str:
    return f"anchor:{last_id}:{last_hash}"


# -- where the key lives ---------------------------------------------------------------------------------------

_memory_keys: dict[str, bytes] = {}
#: PostgreSQL keys read, per engine (a Store's engine lives as long as the Store).
_cache: weakref.WeakKeyDictionary[Engine, bytes] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def sqlite_path(url: URL) -> Path | None:
    """The database file of an SQLite URL; None for an in-memory database."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser().resolve()


def key_file(database: Path) -> Path:
    return database.with_name(database.name + ".key")


def anchor_file(database: Path) -> Path:
    return database.with_name(database.name + ".anchor")


def _url_key(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def write_private(path: Path, data: bytes, durable: bool = True) -> None:
    """Write ``data`` to ``path`` (0600 whatever the umask) through a temporary file and a rename; ``durable``
    flushes it to the disk first."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        os.write(fd, data)
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temp, path)


def _read_key_file(path: Path) -> bytes | None:
    try:
        content = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeError) as exc:
        raise AuditDamaged(f"the sealing key {path} cannot be read ({type(exc).__name__})") from None
    try:
        key = bytes.fromhex(content)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise AuditDamaged(f"the sealing key {path} is damaged (not a {KEY_BYTES}-byte hex key)")
    return key


def sqlite_key_exists(url: URL) -> bool:
    path = sqlite_path(url)
    if path is None:
        return _url_key(url) in _memory_keys
    return key_file(path).exists()


def load_key(connection: Connection, *, create: bool) -> bytes | None:
    """The sealing key of the database ``connection`` is on; with ``create``, made on first use (SQLite).

    PostgreSQL's key is read once per process; SQLite's file is read each time (a few microseconds), so a key
    file removed or replaced behind the console's back is noticed at once.
    """
    if connection.dialect.name != "postgresql":
        return _sqlite_key(connection.engine.url, create)
    cached = _cache.get(connection.engine)
    if cached is not None:
        return cached
    key = _pg_key(connection)
    if key is not None:
        with _cache_lock:
            _cache[connection.engine] = key
    return key


def _pg_key(connection: Connection) -> bytes | None:
    try:
        with connection.begin_nested():
            row = connection.execute(text("SELECT key FROM audit_key WHERE id = 1")).first()
    except DBAPIError:
        return None  # not the schema's owner: this login seals nothing and checks seals through the functions
    if row is None:
        raise AuditDamaged("the sealing key is missing from the database (table audit_key)")
    return bytes(row[0])


def _sqlite_key(url: URL, create: bool) -> bytes | None:
    path = sqlite_path(url)
    if path is None:
        if create:
            return _memory_keys.setdefault(_url_key(url), secrets.token_bytes(KEY_BYTES))
        return _memory_keys.get(_url_key(url))
    found = _read_key_file(key_file(path))
    if found is not None or not create:
        return found
    key = secrets.token_bytes(KEY_BYTES)
    target = key_file(path)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return _read_key_file(target)  # another process made it a moment ago
    except OSError as exc:
        raise AuditDamaged(f"cannot create the sealing key {target}: {exc.strerror}") from None
    try:
        os.fchmod(fd, FILE_MODE)
        os.write(fd, key.hex().encode() + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    log.info("created the sealing key %s", target)
    return key


def writer_sealer(session: Session, last_id: int) -> Sealer:
    """The sealer of a writer about to append after entry ``last_id``; refuses when the key is gone."""
    connection = session.connection()
    fresh = last_id == 0 and not _anchor_recorded(connection)
    key = load_key(connection, create=fresh)
    if key is None:
        if connection.dialect.name == "postgresql":
            raise AuditDamaged("this login cannot read the sealing key: only the schema's owner writes the ledger")
        path = sqlite_path(connection.engine.url)
        where = key_file(path) if path else "in memory"
        raise AuditDamaged(f"the sealing key {where} is missing: the ledger's entries are sealed with it; restore it")
    return Sealer(key)


# -- the second anchor -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Anchor:
    last_id: int
    last_hash: str
    seal: str | None


def read_anchor(connection: Connection) -> Anchor | None:
    """The second anchor: the last entry a commit recorded, kept where plain writers of the tables cannot reach."""
    if connection.dialect.name == "postgresql":
        row = connection.execute(text("SELECT last_id, last_hash, seal FROM audit_anchor WHERE id = 1")).first()
        return Anchor(int(row[0]), str(row[1]), row[2]) if row is not None else None
    path = sqlite_path(connection.engine.url)
    if path is None:
        return _memory_anchors.get(_url_key(connection.engine.url))
    return read_anchor_file(anchor_file(path))


def read_anchor_file(path: Path) -> Anchor | None:
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, orjson.JSONDecodeError):
        return Anchor(-1, "", None)  # damaged: verification says so
    if not isinstance(data, dict) or not isinstance(data.get("entry"), int) or not isinstance(data.get("hash"), str):
        return Anchor(-1, "", None)
    seal = data.get("seal")
    return Anchor(data["entry"], data["hash"], seal if isinstance(seal, str) else None)


def _anchor_recorded(connection: Connection) -> bool:
    anchor = read_anchor(connection)
    return anchor is not None and anchor.last_id != 0


_memory_anchors: dict[str, Anchor] = {}


def advance_anchor(session: Session, sealer: Sealer, last_id: int, last_hash: str) -> None:
    """Move the second anchor with the head: in the transaction on PostgreSQL, after the commit on SQLite."""
    connection = session.connection()
    seal = sealer.anchor_seal(last_id, last_hash)
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("UPDATE audit_anchor SET last_id = :i, last_hash = :h, seal = :s WHERE id = 1"),
            {"i": last_id, "h": last_hash, "s": seal},
        )
        return
    session.info[PENDING_ANCHOR] = (connection.engine.url, Anchor(last_id, last_hash, seal))


@event.listens_for(Session, "after_commit")
def _write_pending_anchor(session: Session) -> None:
    pending = session.info.pop(PENDING_ANCHOR, None)
    if pending is None:
        return
    url, anchor = pending
    try:
        store_anchor(url, anchor)
    except OSError as exc:  # the commit stands; verification will report the anchor behind (never ahead)
        log.warning("could not write the audit anchor: %s", exc)


@event.listens_for(Session, "after_rollback")
def _drop_pending_anchor(session: Session) -> None:
    session.info.pop(PENDING_ANCHOR, None)


def store_anchor(url: URL, anchor: Anchor) -> None:
    """Write the SQLite anchor, never moving it backwards (two desks' processes may commit in either order)."""
    path = sqlite_path(url)
    if path is None:
        current = _memory_anchors.get(_url_key(url))
        if current is None or current.last_id < anchor.last_id:
            _memory_anchors[_url_key(url)] = anchor
        return
    target = anchor_file(path)
    lock = target.with_name(target.name + ".lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        current = read_anchor_file(target)
        if current is not None and current.last_id >= anchor.last_id:
            return
        payload = {"entry": anchor.last_id, "hash": anchor.last_hash, "seal": anchor.seal}
        # Not flushed: the database's commits are not either (WAL, synchronous=NORMAL), and an anchor that outlived
        # the commits a power cut took would be ahead of the head, which reads as removed entries. The rename keeps
        # it whole; an import writes it after every chunk, where an fsync cost up to 47 ms.
        write_private(target, orjson.dumps(payload) + b"\n", durable=False)
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def forget_keys() -> None:
    """Drop cached keys (tests that replace a key file behind the console's back)."""
    with _cache_lock:
        _cache.clear()


def new_pg_key_rows() -> dict[str, bytes]:
    """A fresh key and its HMAC pads, as the row of ``audit_key`` (the migration inserts it)."""
    key = secrets.token_bytes(KEY_BYTES)
    inner, outer = key_pads(key)
    assert hmac.digest(key, b"x", "sha256") == hashlib.sha256(outer + hashlib.sha256(inner + b"x").digest()).digest()
    return {"key": key, "ikey": inner, "okey": outer}


def sqlite_key_for_migration(connection: Connection) -> bytes:
    """The SQLite key (created when absent) for a migration that seals entries written before sealing existed."""
    key = _sqlite_key(connection.engine.url, create=True)
    assert key is not None
    return key
