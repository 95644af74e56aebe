"""``iter_records``: a file of a known format as a stream of events, contact rows and rejects."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from console.domain.events import Event, now_us
from console.importers import registry
from console.importers.base import EventRecord, Record, Reject
from console.importers.csvfile import is_utf8
from console.importers.dates import DATE_OUT_OF_RANGE, EARLIEST_US, latest_us
from console.importers.detect import detect_format, is_json, json_layout
from console.importers.errors import EmptyFile, UnknownFormat
from console.importers.fast import make_record
from console.importers.jsondata import JsonItem, iter_json_document, json_problem, raw_text
from console.importers.reading import (
    PREVIEW,
    ByteCounter,
    is_compressed,
    iter_lines,
    line_problem,
    open_stream,
    read_head,
)
from console.importers.registry import ReadContext
from console.store.limits import event_problem

#: A raw record (a parsed JSON value, CSV cells by name, form fields) as an event, or why it cannot be one.
Mapper = Callable[[Any], Event | str]


def iter_records(
    path: Path,
    fmt: str,
    *,
    region: str = "US",
    import_time_us: int,
    reader: ByteCounter | None = None,
) -> Generator[Record, None, None]:
    """Stream the records of ``path`` read as ``fmt`` (a registered format: ``registry.names()``).

    File-level problems raise an ``ImportFileError`` before the first record; a record that cannot be
    read becomes a ``Reject`` and parsing goes on. ``reader`` (optional) counts the bytes read so far.
    """
    found = registry.get(fmt)
    if found is None:
        raise UnknownFormat(path, f"unknown format {fmt!r}; supported formats: {', '.join(registry.names())}")
    head = read_head(path, 1 << 16)
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n"):
        raise EmptyFile(path, "the file is empty")
    counter = reader if reader is not None else ByteCounter()
    context = ReadContext(path, head, not is_utf8(head), region, import_time_us)
    with open_stream(path, counter) as stream:
        yield from found.read(stream, context)
        if counter.bytes_read < counter.total and not is_compressed(stream):
            # gzip reports its own truncation; a plain file cut at a line end would otherwise go unnoticed
            problem = f"the file got shorter during the import ({counter.bytes_read} of {counter.total} bytes read)"
            yield Reject(str(path), 0, problem, "")


def check_file(path: Path, fmt: str | None = None, *, region: str = "US") -> str:
    """The file's format (detected, or ``fmt`` confirmed) after checking it can be imported.

    Raises the ``ImportFileError`` that ``iter_records`` would (missing CSV columns, not an export, ...),
    so a caller can check every file before importing any. Reads only as far as the first record.
    """
    found = detect_format(path) if fmt is None else fmt
    records = iter_records(path, found, region=region, import_time_us=now_us())
    try:
        next(records, None)
    finally:
        records.close()
    return found


def json_records(
    stream: BinaryIO, context: ReadContext, mapper: Mapper, keys: frozenset[str], what: str
) -> Iterator[Record]:
    """A JSON export (JSON Lines, or a document listing its records under ``keys``) through ``mapper``."""
    path, head = context.path, context.head
    if not is_json(head):
        raise UnknownFormat(path, f"not JSON, so not {what}")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"\xef\xbb\xbf"):
        stream.read(3)  # a byte-order mark before the first record
    latest = latest_us(context.import_time_us)
    if json_layout(text) == "lines":
        yield from _map_lines(stream, path, mapper, latest)
    else:
        yield from _map_items(iter_json_document(stream, path, keys, what), str(path), mapper, latest)


def _map_lines(stream: BinaryIO, path: Path, mapper: Mapper, latest: int) -> Iterator[Record]:
    """JSON Lines: the hot path of big imports, so reading, parsing and mapping share one loop."""
    file = str(path)
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    earliest = EARLIEST_US
    new_tuple, record_type = tuple.__new__, EventRecord  # make_record() without its call, in the hottest loop
    for number, data in iter_lines(stream, path):
        try:
            obj = loads(data)
        except decode_error as exc:
            marked = line_problem(data)
            if marked is not None:
                yield Reject(file, number, marked[0], raw_text(marked[1]))
            elif data.strip():
                yield Reject(file, number, json_problem(exc), raw_text(data))
            continue
        result = mapper(obj)
        if type(result) is not str and (held := event_problem(result)) is not None:  # type: ignore[arg-type]
            result = held  # a value the database cannot hold
        if type(result) is str:
            yield Reject(file, number, result, raw_text(data))
        elif earliest <= result.at_us <= latest:  # type: ignore[union-attr]
            yield new_tuple(record_type, (file, number, result))
        else:
            yield Reject(file, number, DATE_OUT_OF_RANGE, raw_text(data))


def _map_items(items: Iterator[JsonItem], file: str, mapper: Mapper, latest: int) -> Iterator[Record]:
    for number, obj, problem, raw in items:
        if problem:
            yield Reject(file, number, problem, raw_text(raw))
            continue
        result = mapper(obj)
        if type(result) is not str and (held := event_problem(result)) is not None:  # type: ignore[arg-type]
            result = held  # a value the database cannot hold
        if isinstance(result, str):
            yield Reject(file, number, result, raw_text(raw) if raw else _dump(obj))
        elif EARLIEST_US <= result.at_us <= latest:
            yield make_record(file, number, result)
        else:
            yield Reject(file, number, DATE_OUT_OF_RANGE, raw_text(raw) if raw else _dump(obj))


def _dump(obj: Any) -> str:
    return orjson.dumps(obj, default=str).decode()[:PREVIEW]
