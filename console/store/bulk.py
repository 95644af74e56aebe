"""Store side of bulk changes and undo: matching many references at once, the batch row, a batch's entries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from console.domain.bulk import BatchEntry
from console.domain.channels import Channel, DndKind
from console.domain.events import Effect, now_us
from console.store.models import ImportBatch
from console.store.tables import chunked, mark, one_of, order_text, values_param

#: ``files[0]["format"]`` of the batches that are not imports.
BULK, UNDO = "bulk", "undo"


def match_refs(
    session: Session, location_id: int, ids: Sequence[int], emails: Sequence[str], phones: Sequence[str]
) -> tuple[dict[int, int], set[int], set[str], set[str]]:
    """The contacts named, in chunks: ({contact id: its location id}, ids found, emails found, phones found).
    Ids name a contact of any location; addresses one of ``location_id``."""
    conn = session.connection()
    found: dict[int, int] = {}
    got_ids: set[int] = set()
    got: dict[str, set[str]] = {"email": set(), "phone": set()}
    for chunk in chunked(sorted(set(ids))):
        sql = f"SELECT id, location_id FROM contacts WHERE {one_of(conn, 'id', 'bigint')}"
        for cid, lid in conn.exec_driver_sql(sql, (values_param(conn, chunk),)):
            found[cid] = lid
            got_ids.add(cid)
    for column, values in (("email", emails), ("phone", phones)):
        for chunk in chunked(sorted(set(values))):
            sql = (
                f"SELECT id, {column} FROM contacts WHERE location_id = {mark(conn)}"
                f" AND {one_of(conn, column, 'varchar')}"
            )
            for cid, address in conn.exec_driver_sql(sql, (location_id, values_param(conn, chunk))):
                found[cid] = location_id
                got[column].add(address)
    return found, got_ids, got["email"], got["phone"]


def new_batch(session: Session, location_id: int, actor: str, kind: str, detail: dict[str, object]) -> int:
    """A batch row for a bulk change or an undo (``files`` says which, with what it was asked to do)."""
    now = now_us()
    batch = ImportBatch(
        location_id=location_id,
        actor=actor,
        started_at_us=now,
        finished_at_us=now,
        state="done",
        files=orjson.dumps([{"format": kind, **detail}]).decode(),
    )
    session.add(batch)
    session.flush()
    return batch.id


def finish_batch(session: Session, batch_id: int, counts: dict[str, object]) -> None:
    batch = session.get(ImportBatch, batch_id)
    assert batch is not None
    batch.counts = orjson.dumps(counts).decode()
    batch.finished_at_us = now_us()


def get_batch(session: Session, batch_id: int) -> ImportBatch | None:
    return session.get(ImportBatch, batch_id)


@dataclass(frozen=True, slots=True)
class EntryRow:
    entry: BatchEntry
    location_id: int
    contact_id: int | None
    address: str | None


def batch_entries(session: Session, batch_id: int) -> list[EntryRow]:
    """The batch's entries that set or lift a channel, in ledger order."""
    conn = session.connection()
    sql = (
        'SELECT id, location_id, source, "key", at_us, channel, effect, kind, address, contact_id, detail'
        f" FROM events WHERE batch_id = {mark(conn)} AND channel IS NOT NULL ORDER BY id"
    )
    out: list[EntryRow] = []
    for eid, lid, source, key, at_us, channel, effect, kind, address, cid, detail in conn.exec_driver_sql(
        sql, (batch_id,)
    ):
        if effect not in (Effect.SET.value, Effect.LIFT.value):
            continue
        extra = orjson.loads(detail) if detail else {}
        before = extra.get("before_kind")
        entry = BatchEntry(
            id=int(eid),
            channel=Channel(channel),
            turn_on=effect == Effect.SET.value,
            kind=DndKind(kind) if kind else None,
            order=order_text(at_us, effect, source, key),
            before_kind=DndKind(before) if before else None,
            before_reason=extra.get("before_reason"),
        )
        out.append(EntryRow(entry, int(lid), cid, address))
    return out


def contacts_by_address(
    session: Session, location_id: int, column: str, addresses: Sequence[str]
) -> dict[str, list[int]]:
    conn = session.connection()
    out: dict[str, list[int]] = {}
    for chunk in chunked(sorted(set(addresses))):
        sql = (
            f"SELECT {column}, id FROM contacts WHERE location_id = {mark(conn)}"
            f" AND {one_of(conn, column, 'varchar')} ORDER BY id"
        )
        for address, cid in conn.exec_driver_sql(sql, (location_id, values_param(conn, chunk))):
            out.setdefault(address, []).append(cid)
    return out


def batch_contacts(session: Session, batch_id: int) -> frozenset[int]:
    """The contacts a batch changed, read back: those its entries name, and those whose stored state its entries
    set (an import's entries name an address; the projection names the contacts it was applied to)."""
    rows = session.execute(
        text(
            "SELECT contact_id FROM events WHERE batch_id = :b AND contact_id IS NOT NULL"
            " UNION SELECT s.contact_id FROM channel_states s JOIN events e ON e.id = s.event_id"
            " WHERE e.batch_id = :b"
        ),
        {"b": batch_id},
    )
    return frozenset(int(cid) for (cid,) in rows)
