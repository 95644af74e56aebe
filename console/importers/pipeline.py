"""Running an import: files checked first, records streamed in committed chunks, every record accounted for.

Each chunk is its own transaction, so a cancelled or interrupted import keeps what was committed and
running it again completes it (the repeats count as duplicates).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError, OperationalError

from console.domain.events import now_us
from console.errors import StoreUnavailable, UserError
from console.importers.base import ContactRow, EventRecord, Record, Reject
from console.importers.contact_sync import ContactsSummary, sync_contacts
from console.importers.errors import ImportFileError
from console.importers.parallel import import_ranges
from console.importers.ranges import plan_ranges
from console.importers.reading import ByteCounter
from console.importers.records import check_file, iter_records
from console.store.db import Store
from console.store.ledger import (
    APPLIED,
    DUPLICATE,
    NO_EFFECT,
    UNMATCHED,
    keep_noops,
    lock_chain,
    record_events,
)
from console.store.locations import get_location
from console.store.models import ImportBatch, ImportReject
from console.store.tables import event_from_values

CHUNK_RECORDS = 10_000
WORKERS_ENV = "DND_CONSOLE_IMPORT_WORKERS"
MAX_LISTED_REJECTS = 1_000


@dataclass(frozen=True, slots=True)
class ImportProgress:
    file: str
    bytes_done: int
    bytes_total: int
    records: int
    elapsed_s: float

    @property
    def records_per_s(self) -> float:
        return self.records / self.elapsed_s if self.elapsed_s > 0 else 0.0


@dataclass(frozen=True, slots=True)
class ImportFile:
    path: Path
    format: str
    size: int


@dataclass(slots=True)
class ImportSummary:
    files: list[dict[str, Any]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    possible_opt_outs: int = 0
    rejects: list[Reject] = field(default_factory=list)
    rejected_total: int = 0
    no_effect_by_label: Counter[str] = field(default_factory=Counter)
    affected_contact_ids: set[int] = field(default_factory=set)
    contacts: ContactsSummary | None = None
    cancelled: bool = False
    batch_id: int | None = None

    @property
    def event_records(self) -> int:
        return sum(self.counts[k] for k in (APPLIED, NO_EFFECT, DUPLICATE, UNMATCHED)) + self.rejected_total

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "files": self.files,
            "records": self.event_records,
            "applied": self.counts[APPLIED],
            "no_effect": self.counts[NO_EFFECT],
            "duplicates": self.counts[DUPLICATE],
            "unmatched": self.counts[UNMATCHED],
            "rejected": self.rejected_total,
            "possible_opt_outs": self.possible_opt_outs,
            "no_effect_by_label": dict(self.no_effect_by_label.most_common()),
            "rejects": [{"file": r.file, "line": r.line, "error": r.error} for r in self.rejects],
            "batch": self.batch_id,
            "cancelled": self.cancelled,
        }
        if self.contacts is not None:
            if not any(f["format"] != "contacts" for f in self.files):
                return {
                    **self.contacts.as_dict(),
                    "files": self.files,
                    "batch": self.batch_id,
                    "cancelled": self.cancelled,
                }
            data["contacts"] = self.contacts.as_dict()
        return data

    @property
    def any_rejected(self) -> bool:
        return self.rejected_total > 0 or (self.contacts is not None and self.contacts.rejected > 0)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class FileDigests:
    """sha256 of each file, computed on a thread while the import runs (hashing releases the interpreter)."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self._values: dict[Path, str] = {}
        self._thread = threading.Thread(target=self._run, args=(list(paths),), name="import-sha256", daemon=True)
        self._thread.start()

    def _run(self, paths: list[Path]) -> None:
        for path in paths:
            try:
                self._values[path] = sha256_of(path)
            except OSError as exc:
                self._values[path] = f"unreadable: {exc.strerror or exc}"

    def values(self) -> dict[Path, str]:
        self._thread.join()
        return self._values


def files_json(files: Sequence[ImportFile], digests: dict[Path, str] | None = None) -> str:
    return orjson.dumps(
        [
            {"path": str(f.path), "name": f.path.name, "sha256": (digests or {}).get(f.path, ""), "format": f.format}
            for f in files
        ]
    ).decode()


def check_files(paths: Sequence[Path], fmt: str | None) -> list[ImportFile]:
    """Every file is checked before anything is imported; contacts files come first."""
    checked: list[ImportFile] = []
    for path in paths:
        try:
            found = check_file(path, fmt)
            checked.append(ImportFile(path, found, path.stat().st_size))
        except ImportFileError as exc:
            raise UserError(str(exc)) from None
        except OSError as exc:
            raise UserError(f"{path}: {exc.strerror or exc}") from None
    return sorted(checked, key=lambda f: f.format != "contacts")


def run_import(
    store: Store,
    paths: Sequence[Path],
    *,
    location: str | None,
    actor: str,
    fmt: str | None = None,
    region: str = "US",
    progress: Callable[[ImportProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    chunk_records: int = CHUNK_RECORDS,
    workers: int | None = None,
) -> ImportSummary:
    """Import ``paths`` into ``location`` as one batch; big plain exports are split across ``workers`` processes."""
    processes = default_workers() if workers is None else workers
    files = check_files([Path(p) for p in paths], fmt)
    with store.write() as session:
        location_id = get_location(session, location).id
        batch = ImportBatch(
            location_id=location_id,
            actor=actor,
            started_at_us=now_us(),
            state="running",
            files=files_json(files),
        )
        session.add(batch)
        session.flush()
        batch_id = batch.id
    digests = FileDigests([f.path for f in files])
    summary = ImportSummary(batch_id=batch_id)
    started = time.perf_counter()
    # Millions of short-lived records make the cyclic GC scan the whole heap again and again; it finds no
    # cycles here, so it runs rarely during an import.
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(200_000, 50, 1_000)
    import_time = now_us()
    state = "done"
    try:
        for item in files:
            if should_stop is not None and should_stop():
                summary.cancelled = True
                break
            _import_file(
                store,
                item,
                location_id,
                actor,
                batch_id,
                region,
                import_time,
                summary,
                progress,
                should_stop,
                started,
                chunk_records,
                processes,
            )
            if summary.cancelled:
                break
        if summary.cancelled:
            state = "cancelled"
    except KeyboardInterrupt:
        state = "interrupted"
        raise
    except ImportFileError as exc:
        state = "failed"
        raise UserError(str(exc)) from None
    except (OperationalError, DBAPIError, StoreUnavailable) as exc:
        # The connection dropped (server restarted, backend terminated, network): every chunk committed before
        # is kept, and running the same import again completes it (those records count as duplicates).
        state = "failed"
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__]
        raise StoreUnavailable(
            f"the import stopped: the database connection was lost ({detail[0]}); what was committed before is "
            "kept: run the same import again to complete it"
        ) from None
    except Exception:
        state = "failed"
        raise
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
        try:
            with store.write() as session:
                row = session.get(ImportBatch, batch_id)
                if row is not None:
                    row.state, row.finished_at_us = state, now_us()
                    row.counts = orjson.dumps(summary.as_dict()).decode()
                    row.files = files_json(files, digests.values())
        except (OperationalError, DBAPIError, StoreUnavailable):
            if state == "done":  # the import itself went through: say the database went away
                raise
            # else the error that stopped the import is the one to report; the batch stays "running"
    return summary


def _import_file(
    store: Store,
    item: ImportFile,
    location_id: int,
    actor: str,
    batch_id: int,
    region: str,
    import_time: int,
    summary: ImportSummary,
    progress: Callable[[ImportProgress], None] | None,
    should_stop: Callable[[], bool] | None,
    started: float,
    chunk_records: int,
    workers: int,
) -> None:
    counter = ByteCounter()
    counter.total = item.size
    name = str(item.path)
    file_entry: dict[str, Any] = {"path": name, "format": item.format, "records": 0}
    summary.files.append(file_entry)
    total_before = summary.event_records + (summary.contacts.records if summary.contacts else 0)

    def report(bytes_done: int, records: int) -> None:
        done = total_before + records
        file_entry["records"] = records
        if progress is not None:
            progress(ImportProgress(name, bytes_done, counter.total, done, time.perf_counter() - started))

    ranges = plan_ranges(item.path, item.format, workers) if workers > 1 else []
    if len(ranges) > 1:
        before = summary.event_records

        def store_chunk(payload: bytes) -> None:
            commit_parsed(store, location_id, actor, batch_id, payload, summary, region)

        finished = import_ranges(
            item.path,
            item.format,
            ranges,
            region=region,
            import_time=import_time,
            chunk_records=chunk_records,
            store_chunk=store_chunk,
            on_progress=lambda read: report(read, summary.event_records - before),
            should_stop=should_stop,
        )
        summary.cancelled = summary.cancelled or not finished
        file_entry["records"] = summary.event_records - before
        return
    records = iter_records(item.path, item.format, region=region, import_time_us=import_time, reader=counter)
    with ChunkReader(records, chunk_records) as chunks:
        for chunk in chunks:
            commit_chunk(store, location_id, actor, batch_id, chunk, summary, region, item.format == "contacts")
            done = summary.event_records + (summary.contacts.records if summary.contacts else 0)
            report(counter.bytes_read, done - total_before)
            if should_stop is not None and should_stop():
                summary.cancelled = True
                return


def default_workers() -> int:
    """Processes for one big file: ``DND_CONSOLE_IMPORT_WORKERS``, else one per core (at most 4)."""
    configured = os.environ.get(WORKERS_ENV, "").strip()
    if configured.isdigit():
        return max(1, int(configured))
    return max(1, min(4, os.cpu_count() or 1))


def commit_parsed(
    store: Store,
    location_id: int,
    actor: str,
    batch_id: int,
    payload: bytes,
    summary: ImportSummary,
    region: str,
) -> None:
    """Store a chunk parsed by an import process (see ``console.importers.parallel``)."""
    noop_rows, event_rows, reject_rows = orjson.loads(payload)
    events = [EventRecord(row[0], row[1], event_from_values(row[2:])) for row in event_rows]
    rejects = [Reject(*row) for row in reject_rows]
    _commit_chunk(store, location_id, actor, batch_id, events, [], rejects, summary, region, False, noop_rows)


def commit_chunk(
    store: Store,
    location_id: int,
    actor: str,
    batch_id: int,
    chunk: list[Record],
    summary: ImportSummary,
    region: str,
    is_contacts: bool,
) -> None:
    """One transaction for a chunk of records of any kind."""
    events = [r for r in chunk if type(r) is EventRecord]
    contacts: list[ContactRow] = []
    rejects: list[Reject] = []
    if len(events) < len(chunk):
        contacts = [r for r in chunk if isinstance(r, ContactRow)]
        rejects = [r for r in chunk if isinstance(r, Reject)]
    _commit_chunk(store, location_id, actor, batch_id, events, contacts, rejects, summary, region, is_contacts)


class ChunkReader:
    """Parses records on a helper thread while the caller writes the previous chunk to the database.

    The database driver releases the GIL while SQLite works, so parsing and writing overlap. Errors raised
    while parsing are raised again in the caller; leaving the ``with`` block stops the helper thread.
    """

    def __init__(self, records: Iterator[Record], size: int) -> None:
        self._records = records
        self._size = size
        self._queue: queue.Queue[list[Record] | BaseException | None] = queue.Queue(maxsize=2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, name="import-parser", daemon=True)

    def __enter__(self) -> Iterator[list[Record]]:
        self._thread.start()
        return self._consume()

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        while self._thread.is_alive():
            with contextlib.suppress(queue.Empty):
                self._queue.get(timeout=0.05)
        self._thread.join()

    def _put(self, item: list[Record] | BaseException | None) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self) -> None:
        try:
            chunk: list[Record] = []
            for record in self._records:
                chunk.append(record)
                if len(chunk) >= self._size:
                    if not self._put(chunk):
                        return
                    chunk = []
            if chunk and not self._put(chunk):
                return
            self._put(None)
        except BaseException as exc:  # handed to the consumer, which raises it
            self._put(exc)
        finally:
            close = getattr(self._records, "close", None)
            if close is not None:
                close()

    def _consume(self) -> Iterator[list[Record]]:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item


def _commit_chunk(
    store: Store,
    location_id: int,
    actor: str,
    batch_id: int,
    events: list[EventRecord],
    contacts: list[ContactRow],
    rejects: list[Reject],
    summary: ImportSummary,
    region: str,
    is_contacts: bool,
    noop_rows: Sequence[Sequence[Any]] = (),
) -> None:
    with store.write() as session:
        if noop_rows:
            lock_chain(session)  # writers take turns, so a duplicate is always seen as one
            repeated = keep_noops(session, location_id, noop_rows, batch_id)
            summary.counts[DUPLICATE] += len(repeated)
            summary.counts[NO_EFFECT] += len(noop_rows) - len(repeated)
            summary.no_effect_by_label.update(row[3] for n, row in enumerate(noop_rows) if n not in repeated)
        if is_contacts:
            if summary.contacts is None:
                summary.contacts = ContactsSummary()
            for reject in rejects:
                summary.contacts.reject(reject)
            sync_contacts(session, location_id, contacts, summary.contacts, region)
            summary.affected_contact_ids.update(summary.contacts.contact_ids)
        if events:
            result = record_events(session, location_id, [r.event for r in events], actor, batch_id)
            summary.possible_opt_outs += result.possible_opt_outs
            summary.counts.update(result.counts())
            summary.no_effect_by_label.update(result.no_effect_labels)
            for outcome in result.outcomes:
                if outcome.contact_ids:
                    summary.affected_contact_ids.update(outcome.contact_ids)
        event_rejects = [] if is_contacts else rejects
        if rejects:
            session.execute(
                insert(ImportReject),
                [
                    {"batch_id": batch_id, "file": r.file, "line": r.line, "error": r.error, "raw": r.raw}
                    for r in rejects
                ],
            )
        summary.rejected_total += len(event_rejects)
        for reject in event_rejects:
            if len(summary.rejects) < MAX_LISTED_REJECTS:
                summary.rejects.append(reject)
