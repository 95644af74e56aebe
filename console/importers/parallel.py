"""Importing one big file with a parsing process per range, while this process stores what they parse.

Parsing a record costs about as much as storing it and Python runs one thread at a time, so each range of
the file is parsed by a process of its own, on its own core. The parsers send compact chunks (orjson:
records that trigger nothing as bare rows, the rest as plain event values) and this process stores them
with one warm database connection, in committed chunks as a single-process import does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from console.domain.events import is_noop
from console.errors import ConsoleError
from console.importers.base import EventRecord, Reject
from console.importers.errors import ImportFileError
from console.importers.processes import Children, Done, Outbox
from console.importers.ranges import ByteRange, iter_range
from console.importers.reading import ByteCounter
from console.store.encoding import event_values

#: Chunks waiting to be stored, per parser: bounds memory when storing is slower than parsing.
QUEUE_DEPTH = 3
#: What a parser raises for a problem of the file (said in one line), not a bug.
USER_ERRORS = (ConsoleError, ImportFileError)


@dataclass(frozen=True, slots=True)
class Parsed:
    """A chunk of one range: orjson of (no-op rows, event rows, reject rows), and the range's bytes read so far."""

    index: int
    payload: bytes
    bytes_read: int


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
    """Parse one range and send it in chunks; its last word (``Done``, or ``Failed`` for what it raised) is sent for
    it by ``processes``."""
    counter = ByteCounter()
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
                return  # asked to stop: the parent has left
            noops, events, rejects, count = [], [], [], 0
    if count:
        outbox.send(Parsed(index, orjson.dumps((noops, events, rejects)), counter.bytes_read))


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
    done = 0
    read = [0] * len(ranges)
    # Ranges are stored in file order: a typical export is in time order, so each chunk's events come after what
    # the channels have seen and apply to the stored states (interleaved ranges would make every channel touched
    # by both replay from the ledger). The later ranges' parsers work ahead meanwhile, QUEUE_DEPTH chunks each.
    with Children(_parser, jobs, "dnd-import-parser", depth=QUEUE_DEPTH, user_errors=USER_ERRORS,
                  ordered=True) as parsers:
        for message in parsers.relay("an import parsing process", 0.2, should_stop, answer_stop=False):
            if isinstance(message, Parsed):
                store_chunk(message.payload)
                read[message.index] = message.bytes_read
                on_progress(sum(read))
            elif isinstance(message, Done):
                done += 1
    return done == len(ranges)  # fewer: stopped
