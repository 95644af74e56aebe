"""Importing one big file with a parsing process per range, while this process stores what they parse.

Parsing a record costs about as much as storing it and Python runs one thread at a time, so each range of
the file is parsed by a process of its own, on its own core. The parsers send compact chunks (orjson:
records that trigger nothing as bare rows, the rest as plain event values) and this process stores them
with one warm database connection, in committed chunks as a single-process import does.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from console.errors import ConsoleError, InvalidInput
from console.importers.base import EventRecord, Reject
from console.importers.errors import ImportFileError
from console.importers.processes import ChildLost, Children, Outbox
from console.importers.ranges import ByteRange, iter_range
from console.importers.reading import ByteCounter

#: Chunks waiting to be stored, per parser: bounds memory when storing is slower than parsing.
QUEUE_DEPTH = 3


@dataclass(frozen=True, slots=True)
class Parsed:
    """A chunk of one range: orjson of (no-op rows, event rows, reject rows), and the range's bytes read so far."""

    index: int
    payload: bytes
    bytes_read: int


@dataclass(frozen=True, slots=True)
class RangeDone:
    index: int


@dataclass(frozen=True, slots=True)
class ParseFailed:
    index: int
    message: str
    crashed: bool  # a bug (``message`` is a traceback), not a problem of the file


def _parser(
    outbox: Outbox,
    path: str,
    fmt: str,
    byte_range: ByteRange,
    region: str,
    import_time: int,
    chunk_records: int,
    index: int,
) -> None:
    from console.store.ledger import is_noop
    from console.store.tables import event_values

    counter = ByteCounter()
    try:
        records = iter_range(Path(path), fmt, byte_range, region=region, import_time_us=import_time, counter=counter)
        noops: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        rejects: list[tuple[Any, ...]] = []
        count = 0
        for record in records:
            if type(record) is EventRecord:
                ev = record.event
                if is_noop(ev):
                    noops.append((ev.source, ev.key, ev.at_us, ev.reason))
                else:
                    events.append((record.file, record.line, *event_values(ev)))
            elif isinstance(record, Reject):
                rejects.append((record.file, record.line, record.error, record.raw))
            count += 1
            if count >= chunk_records:
                if not outbox.send(Parsed(index, orjson.dumps((noops, events, rejects)), counter.bytes_read)):
                    return  # asked to stop
                noops, events, rejects, count = [], [], [], 0
        if count and not outbox.send(Parsed(index, orjson.dumps((noops, events, rejects)), counter.bytes_read)):
            return
        outbox.send(RangeDone(index))
    except (ConsoleError, ImportFileError) as exc:
        outbox.send(ParseFailed(index, str(exc), False))
    except BaseException:
        outbox.send(ParseFailed(index, traceback.format_exc(), True))


def import_ranges(
    path: Path,
    fmt: str,
    ranges: list[ByteRange],
    *,
    region: str,
    import_time: int,
    chunk_records: int,
    store_chunk: Callable[[bytes], None],
    on_progress: Callable[[int], None],
    should_stop: Callable[[], bool] | None,
) -> bool:
    """Parse ``ranges`` in parallel and hand each chunk to ``store_chunk``; False when stopped early."""
    jobs = [(str(path), fmt, r, region, import_time, chunk_records, n) for n, r in enumerate(ranges)]
    done: set[int] = set()
    read = [0] * len(ranges)
    with Children(_parser, jobs, "dnd-import-parser", depth=QUEUE_DEPTH * len(ranges)) as parsers:
        while len(done) < len(ranges):
            if should_stop is not None and should_stop():
                return False
            try:
                message = parsers.receive(0.2, frozenset(done))
            except ChildLost as exc:
                raise RuntimeError(f"an import parsing process failed: {exc}") from None
            if isinstance(message, Parsed):
                store_chunk(message.payload)
                read[message.index] = message.bytes_read
                on_progress(sum(read))
            elif isinstance(message, RangeDone):
                done.add(message.index)
            elif isinstance(message, ParseFailed):
                if message.crashed:
                    raise RuntimeError(f"an import parsing process failed:\n{message.message}")
                raise InvalidInput(message.message)
    return True
