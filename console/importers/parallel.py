"""Importing one big file with a parsing process per range, while this process stores what they parse.

Parsing a record costs about as much as storing it and Python runs one thread at a time, so each range of
the file is parsed by a process of its own, on its own core. The parsers send compact chunks (orjson:
records that trigger nothing as bare rows, the rest as plain event values) and this process stores them
with one warm database connection, in committed chunks as a single-process import does.
"""

from __future__ import annotations

import multiprocessing
import queue
import signal
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from console.errors import ConsoleError, InvalidInput
from console.importers.base import EventRecord, Reject
from console.importers.errors import ImportFileError
from console.importers.ranges import ByteRange, iter_range
from console.importers.reading import ByteCounter

#: Chunks waiting to be stored, per parser: bounds memory when storing is slower than parsing.
QUEUE_DEPTH = 3
JOIN_SECONDS = 30.0


def _send(messages: Any, stop: Any, message: tuple[Any, ...]) -> bool:
    while not stop.is_set():
        try:
            messages.put(message, timeout=0.2)
            return True
        except queue.Full:
            continue
    return False


def _parser(
    path: str, fmt: str, byte_range: ByteRange, region: str, import_time: int, chunk_records: int,
    index: int, messages: Any, stop: Any,
) -> None:
    from console.store.ledger import is_noop
    from console.store.tables import event_values

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the importing process decides when to stop
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
                payload = orjson.dumps((noops, events, rejects))
                if not _send(messages, stop, ("chunk", index, payload, counter.bytes_read)):
                    return
                noops, events, rejects, count = [], [], [], 0
        if count:
            _send(messages, stop, ("chunk", index, orjson.dumps((noops, events, rejects)), counter.bytes_read))
        _send(messages, stop, ("done", index))
    except (ConsoleError, ImportFileError) as exc:
        _send(messages, stop, ("error", index, str(exc), False))
    except BaseException:
        _send(messages, stop, ("error", index, traceback.format_exc(), True))


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
    context = multiprocessing.get_context("spawn")  # never fork a process that may hold Qt or threads
    messages = context.Queue(maxsize=QUEUE_DEPTH * len(ranges))
    stop = context.Event()
    parsers = [
        context.Process(
            target=_parser,
            args=(str(path), fmt, r, region, import_time, chunk_records, n, messages, stop),
            name=f"dnd-import-parser-{n}",
            daemon=True,
        )
        for n, r in enumerate(ranges)
    ]
    for parser in parsers:
        parser.start()
    done: set[int] = set()
    read = [0] * len(parsers)
    try:
        while len(done) < len(parsers):
            if should_stop is not None and should_stop():
                return False
            try:
                message = messages.get(timeout=0.2)
            except queue.Empty:
                lost = [n for n, p in enumerate(parsers) if n not in done and not p.is_alive()]
                if lost and messages.empty():
                    code = parsers[lost[0]].exitcode
                    raise RuntimeError(f"an import parsing process stopped unexpectedly (exit code {code})") from None
                continue
            kind, index = message[0], message[1]
            if kind == "chunk":
                store_chunk(message[2])
                read[index] = message[3]
                on_progress(sum(read))
            elif kind == "done":
                done.add(index)
            elif message[3]:
                raise RuntimeError(f"an import parsing process failed:\n{message[2]}")
            else:
                raise InvalidInput(message[2])
        return True
    finally:
        stop.set()
        for parser in parsers:
            parser.join(timeout=JOIN_SECONDS)
            if parser.is_alive():
                parser.terminate()
        messages.close()
        messages.cancel_join_thread()
