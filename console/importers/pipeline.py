"""Running an import: files checked first, records streamed in committed chunks, every record accounted for.

Each chunk is its own transaction, so a cancelled or interrupted import keeps what was committed and
running it again completes it (the repeats count as duplicates).
"""

from __future__ import annotations

import gc
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import orjson
from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from console.domain.events import now_us
from console.errors import InvalidInput, StoreUnavailable
from console.importers import registry
from console.importers.base import ContactRow, EventRecord, Record, Reject
from console.importers.batches import RUNNING, mark_abandoned, owner_tag
from console.importers.chunks import ChunkReader
from console.importers.contact_sync import ContactsSummary, sync_contacts
from console.importers.errors import ImportFileError
from console.importers.files import FileDigests, ImportFile, check_files, files_json
from console.importers.parallel import import_ranges
from console.importers.ranges import plan_ranges
from console.importers.reading import ByteCounter
from console.importers.records import iter_records
from console.importers.summary import ImportProgress, ImportSummary
from console.store.db import Store, error_line
from console.store.held_opt_ins import hold_imported_opt_ins
from console.store.ledger import (
    DUPLICATE,
    NO_EFFECT,
    keep_noops,
    record_events,
)
from console.store.locations import get_location
from console.store.models import ImportBatch, ImportReject
from console.store.tables import event_from_values

CHUNK_RECORDS = 10_000
WORKERS_ENV = "DND_CONSOLE_IMPORT_WORKERS"


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
    with rare_gc(), interrupt_on_sigterm() as sigterm:
        try:
            if _CANCEL.is_set():  # cancel_imports came first (it signals only an import that reads SIGTERM)
                raise KeyboardInterrupt("cancelled")
            location_id, batch_id = _start_batch(store, files, location, actor)
        except BaseException as exc:
            if not _cancelled_by(exc, sigterm):
                raise
            return ImportSummary(cancelled=True)  # cancelled before its batch began: nothing was imported
        return _run_batch(store, files, location_id, batch_id, actor, region, progress, should_stop, chunk_records,
                          processes, sigterm)


def _cancelled_by(exc: BaseException, sigterm: _Sigterm) -> bool:
    """Whether ``exc`` is the import's cancel (``cancel_imports``): its KeyboardInterrupt, or whatever error the
    interruption left a statement or a rollback in (SQLAlchemy may raise its own after a statement was cut)."""
    return _CANCEL.is_set() and (isinstance(exc, KeyboardInterrupt) or sigterm.fired)


def _raise_as_import_error(exc: BaseException) -> NoReturn:
    """An import's error as the caller sees it: a damaged file is bad input, a lost connection is Unavailable."""
    if isinstance(exc, ImportFileError):
        raise InvalidInput(str(exc)) from None
    if isinstance(exc, (OperationalError, DBAPIError, StoreUnavailable)):
        # The connection dropped (server restarted, backend terminated, network): every chunk committed before
        # is kept, and running the same import again completes it (those records count as duplicates).
        raise StoreUnavailable(
            f"the import stopped: the database connection was lost ({error_line(exc)}); "
            "what was committed before is kept: run the same import again to complete it"
        ) from None
    raise exc


def _start_batch(store: Store, files: list[ImportFile], location: str | None, actor: str) -> tuple[int, int]:
    """The import's batch, recorded as running by this process: its location's id and its own."""
    with store.write() as session:
        location_id = get_location(session, location).id
        mark_abandoned(session)
        batch = ImportBatch(
            location_id=location_id,
            actor=actor,
            started_at_us=now_us(),
            state=RUNNING,
            files=files_json(files),
            owner=owner_tag(),
        )
        session.add(batch)
        session.flush()
        return location_id, batch.id


def _run_batch(
    store: Store,
    files: list[ImportFile],
    location_id: int,
    batch_id: int,
    actor: str,
    region: str,
    progress: Callable[[ImportProgress], None] | None,
    should_stop: Callable[[], bool] | None,
    chunk_records: int,
    processes: int,
    sigterm: _Sigterm,
) -> ImportSummary:
    digests = FileDigests([f.path for f in files])
    summary = ImportSummary(batch_id=batch_id)
    started = time.perf_counter()
    import_time = now_us()
    state = "done"

    def stopping() -> bool:  # the caller's Cancel, or cancel_imports
        return _CANCEL.is_set() or (should_stop is not None and should_stop())

    try:
        for item in files:
            if stopping():
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
                stopping,
                started,
                chunk_records,
                processes,
            )
            if summary.cancelled:
                break
        if summary.cancelled:
            state = "cancelled"
    except BaseException as exc:
        if not _cancelled_by(exc, sigterm):
            state = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
            _raise_as_import_error(exc)
        # cancel_imports: SIGTERM read as Cancel. The chunk in hand was rolled back (its counts never reached
        # the summary, see _commit_chunk); what was committed is kept and the summary says so.
        summary.cancelled, state = True, "cancelled"
    finally:
        sigterm.disarm()  # the batch's state is written whatever comes now
        try:
            with store.write() as session:
                row = session.get(ImportBatch, batch_id)
                if row is not None:
                    row.state, row.finished_at_us, row.owner = state, now_us(), None
                    row.counts = orjson.dumps(summary.as_dict()).decode()
                    row.files = files_json(files, digests.values(), summary.event_ranges)
        except (OperationalError, DBAPIError, StoreUnavailable):
            if state == "done":  # the import itself went through: say the database went away
                raise
            # else the error that stopped the import is the one to report; the batch stays "running"
    return summary


#: Set when this process's imports are to stop now, as Cancel stops them (``cancel_imports``).
_CANCEL = threading.Event()
#: Held while a SIGTERM handler of an import is installed or removed, and while ``cancel_imports`` signals.
_SIGTERM_LOCK = threading.Lock()
_SIGTERM_READ: list[bool] = [False]
#: Whether an import of this process has begun reading SIGTERM (``interrupt_on_sigterm``), now or before.
_BEGUN: list[bool] = [False]


def cancel_imports(signal_group: bool = False) -> bool:
    """Cancel the imports of this process, for good (the writer's import child, when its login cancels): one not
    begun yet stops before its batch, a running one after its chunk in hand, each as a Cancel does (the batch
    marked cancelled, what was committed kept, the summary returned with ``cancelled``). ``signal_group``: also send
    SIGTERM to this process's group (the process must lead it) when an import on the main thread reads it now:
    that import stops at once instead (the chunk in hand rolled back) and its parsing workers end.

    Whether an import had begun here: when none had, none will write anything (any that begins now returns at
    once, cancelled), so the process may as well end."""
    with _SIGTERM_LOCK:
        _CANCEL.set()
        if signal_group and _SIGTERM_READ[0]:
            os.killpg(os.getpgrp(), signal.SIGTERM)
        return _BEGUN[0]


class _Sigterm:
    """An import's SIGTERM handler: the import is interrupted (KeyboardInterrupt) once, while it is armed."""

    def __init__(self) -> None:
        self.armed = True
        self.fired = False

    def disarm(self) -> None:
        self.armed = False

    def __call__(self, _signum: int, _frame: object) -> None:
        if self.armed:  # once the import's body is over (its batch's state being written), SIGTERM waits for it
            self.armed, self.fired = False, True
            raise KeyboardInterrupt("terminated")


@contextmanager
def interrupt_on_sigterm() -> Iterator[_Sigterm]:
    """SIGTERM interrupts the import like Ctrl-C (the batch is marked interrupted; cancelled after
    ``cancel_imports``), when the import runs on the main thread of a process that left SIGTERM to its default.
    A SIGTERM after the handler was disarmed (the batch's state is being written) is ignored until the end."""
    handler = _Sigterm()
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
        yield handler
        return
    with _SIGTERM_LOCK:
        signal.signal(signal.SIGTERM, handler)
        _SIGTERM_READ[0] = _BEGUN[0] = True
    try:
        yield handler
    finally:
        with _SIGTERM_LOCK:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            _SIGTERM_READ[0] = False


_gc_lock = threading.Lock()
_gc_users = 0
_gc_thresholds = gc.get_threshold()


@contextmanager
def rare_gc() -> Iterator[None]:
    """Millions of short-lived records make the cyclic GC scan the whole heap again and again; it finds no
    cycles here, so it runs rarely while any import of this process is running (imports may run on threads)."""
    global _gc_users, _gc_thresholds
    with _gc_lock:
        if _gc_users == 0:
            _gc_thresholds = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(200_000, 50, 1_000)
        _gc_users += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users -= 1
            if _gc_users == 0:
                gc.set_threshold(*_gc_thresholds)
                gc.unfreeze()


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
            commit_chunk(store, location_id, actor, batch_id, chunk, summary, region, registry.is_contacts(item.format))
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

    # The chunk's counts are gathered apart and added to the summary once its transaction committed: a chunk
    # that is rolled back (an import stopped at once by cancel_imports, a lost connection) is never counted.
    part = ImportSummary(files=summary.files)

    def keep(session: Session) -> None:
        repeated = keep_noops(session, location_id, noop_rows, batch_id)
        part.counts[DUPLICATE] += len(repeated)
        part.counts[NO_EFFECT] += len(noop_rows) - len(repeated)
        part.no_effect_by_label.update(row[3] for n, row in enumerate(noop_rows) if n not in repeated)

    # On PostgreSQL records that trigger nothing go in a transaction of their own, which holds no other writer
    # (their unique key decides duplicates); SQLite has one writer at a time anyway, and saves a commit.
    apart = store.dialect != "sqlite"
    if noop_rows and apart:
        with store.write(chain_lock=False) as session:
            keep(session)
        summary.absorb(part)
        part = ImportSummary(files=summary.files)
    if not (events or contacts or rejects or is_contacts or (noop_rows and not apart)):
        return
    with store.write(chain_lock=is_contacts) as session:
        if noop_rows and not apart:
            keep(session)
        if is_contacts:
            part.contacts = ContactsSummary()
            for reject in rejects:
                part.contacts.reject(reject)
            listed = len(part.contacts.rejects)
            sync_contacts(session, location_id, contacts, part.contacts, region)
            rejects = rejects + part.contacts.rejects[listed:]  # rows refused while matching: kept too
            part.affected_contact_ids.update(part.contacts.contact_ids)
        if events:
            ledger_events = hold_imported_opt_ins(session, actor, [(r.file, r.event) for r in events])
            result = record_events(session, location_id, ledger_events, actor, batch_id)
            part.held_opt_ins += result.held_reviews
            part.possible_opt_outs += result.possible_opt_outs
            part.counts.update(result.counts())
            part.no_effect_by_label.update(result.no_effect_labels)
            part.note_events([o.event_id for o in result.outcomes if o.event_id is not None])
            for outcome in result.outcomes:
                if outcome.contact_ids:
                    part.affected_contact_ids.update(outcome.contact_ids)
        event_rejects = [] if is_contacts else rejects
        if rejects:
            session.execute(
                insert(ImportReject),
                [
                    {"batch_id": batch_id, "file": r.file, "line": r.line, "error": _text(r.error), "raw": _text(r.raw)}
                    for r in rejects
                ],
            )
        part.rejected_total += len(event_rejects)
        part.rejects.extend(event_rejects)
    summary.absorb(part)


def _text(value: str) -> str:
    """Text PostgreSQL can store: a NUL character (from a damaged file) is shown as U+FFFD."""
    return value.replace("\x00", "\ufffd") if "\x00" in value else value
