"""``iter_records``: a file of a known format as a stream of events, contact rows and rejects."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from console.domain.events import Event, now_us
from console.importers.base import FORMATS, EventRecord, Record, Reject
from console.importers.contacts import iter_contacts
from console.importers.csvfile import CsvTable, is_utf8
from console.importers.dates import DATE_OUT_OF_RANGE, EARLIEST_US, latest_us, parse_date
from console.importers.detect import detect_format, json_layout
from console.importers.errors import EmptyFile, UnknownFormat
from console.importers.fast import make_record
from console.importers.jsondata import JsonItem, iter_json_document, json_problem, raw_text
from console.importers.mailgun import SUPPRESSION_LISTS, mailgun_event, suppression_event
from console.importers.reading import (
    PREVIEW,
    ByteCounter,
    is_compressed,
    iter_lines,
    line_problem,
    open_stream,
    read_head,
)
from console.importers.twilio import form_fields, is_webhook, json_event, message_event, webhook_event
from console.store.limits import event_problem

Mapper = Callable[[Any], Event | str]

TWILIO_COLUMNS = {
    "From": ("from",),
    "To": ("to",),
    "Body": ("body",),
    "Status": ("status", "messagestatus"),
    "SentDate": ("sentdate", "datesent", "sent"),
    "DateCreated": ("datecreated", "createddate"),
    "ErrorCode": ("errorcode",),
    "Sid": ("sid", "messagesid"),
    "Direction": ("direction",),
}
_TWILIO_REQUIRED = ("From", "To", "Body", "Status", "SentDate", "ErrorCode", "Sid", "Direction")
SUPPRESSION_COLUMNS = {
    "address": ("address",),
    "created_at": ("createdat",),
    "code": ("code",),
    "error": ("error",),
    "tag": ("tag",),
    "tags": ("tags",),
}


def iter_records(
    path: Path,
    fmt: str,
    *,
    region: str = "US",
    import_time_us: int,
    reader: ByteCounter | None = None,
) -> Generator[Record, None, None]:
    """Stream the records of ``path`` read as ``fmt`` (one of ``FORMATS``).

    File-level problems raise an ``ImportFileError`` before the first record; a record that cannot be
    read becomes a ``Reject`` and parsing goes on. ``reader`` (optional) counts the bytes read so far.
    """
    if fmt not in FORMATS:
        raise UnknownFormat(path, f"unknown format {fmt!r}; supported formats: {', '.join(FORMATS)}")
    head = read_head(path, 1 << 16)
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n"):
        raise EmptyFile(path, "the file is empty")
    counter = reader if reader is not None else ByteCounter()
    with open_stream(path, counter) as stream:
        if fmt == "contacts":
            yield from iter_contacts(stream, path, region, latin1=not is_utf8(head))
        elif fmt == "twilio-csv":
            yield from _twilio_csv(stream, path, region, not is_utf8(head), import_time_us)
        elif fmt == "twilio-form":
            yield from _twilio_form(stream, path, region, import_time_us)
        elif fmt in SUPPRESSION_LISTS and not _is_json(head):
            yield from _suppression_csv(stream, path, SUPPRESSION_LISTS[fmt], not is_utf8(head), import_time_us)
        else:
            yield from _json_records(stream, path, fmt, head, region, import_time_us)
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


def _is_json(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def _json_records(
    stream: BinaryIO, path: Path, fmt: str, head: bytes, region: str, import_time_us: int
) -> Iterator[Record]:
    mapper: Mapper
    if fmt == "mailgun-events":
        mapper, keys, what = mailgun_event, frozenset({"items"}), "a Mailgun events export"
    elif fmt == "twilio-json":

        def mapper(obj: Any) -> Event | str:
            return json_event(obj, region, import_time_us)

        keys, what = frozenset({"messages"}), "a Twilio messages export"
    else:
        list_name = SUPPRESSION_LISTS[fmt]

        def mapper(obj: Any) -> Event | str:
            return suppression_event(list_name, obj)

        keys, what = frozenset({"items"}), f"a Mailgun {list_name} list"
    if not _is_json(head):
        raise UnknownFormat(path, f"not JSON, so not {what}")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"\xef\xbb\xbf"):
        stream.read(3)  # a byte-order mark before the first record
    latest = latest_us(import_time_us)
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


def _twilio_form(stream: BinaryIO, path: Path, region: str, import_time_us: int) -> Iterator[Record]:
    """Twilio webhook logs: one raw form-encoded request body per line; they carry no time (the import time)."""
    file = str(path)
    for number, data in iter_lines(stream, path):
        marked = line_problem(data)
        if marked is not None:
            yield Reject(file, number, marked[0], raw_text(marked[1]))
            continue
        if not data.strip():
            continue
        fields = form_fields(data)
        if isinstance(fields, str):
            yield Reject(file, number, fields, raw_text(data))
            continue
        if not is_webhook(fields):
            yield Reject(file, number, "MessageSid missing: not a Twilio messaging webhook", raw_text(data))
            continue
        result = webhook_event(fields, region, import_time_us)
        if not isinstance(result, str) and (held := event_problem(result)) is not None:
            result = held  # a value the database cannot hold
        if isinstance(result, str):
            yield Reject(file, number, result, raw_text(data))
        else:
            yield make_record(file, number, result)


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


def _twilio_csv(stream: BinaryIO, path: Path, region: str, latin1: bool, import_time_us: int) -> Iterator[Record]:
    table = CsvTable(stream, path, TWILIO_COLUMNS, _TWILIO_REQUIRED, latin1)
    i_from, i_to, i_body, i_status, i_sent, i_code, i_sid, i_dir = table.required_indexes(_TWILIO_REQUIRED)
    i_created = table.index["DateCreated"]
    width = 1 + max(x for x in table.index.values() if x is not None)
    file = str(path)
    earliest, latest = EARLIEST_US, latest_us(import_time_us)
    new_tuple, record_type = tuple.__new__, EventRecord  # make_record() without its call
    for line, _, row, problem, raw in table.rows():
        if row is None:
            if problem:
                yield Reject(file, line, problem, raw)
            continue
        if len(row) < width:
            row = row + [""] * (width - len(row))
        when = row[i_sent] or (row[i_created] if i_created is not None else "")
        if not when:
            yield Reject(file, line, "SentDate missing", table.raw(row))
            continue
        try:
            at_us = parse_date(when)
        except ValueError as exc:
            yield Reject(file, line, f"SentDate unreadable: {exc}", table.raw(row))
            continue
        result = message_event(
            row[i_sid],
            row[i_status],
            row[i_dir],
            row[i_from],
            row[i_to],
            row[i_body],
            row[i_code],
            at_us,
            region,
        )
        if type(result) is not str and (held := event_problem(result)) is not None:  # type: ignore[arg-type]
            result = held  # a value the database cannot hold
        if isinstance(result, str):
            yield Reject(file, line, result, table.raw(row))
        elif earliest <= result.at_us <= latest:
            yield new_tuple(record_type, (file, line, result))
        else:
            yield Reject(file, line, DATE_OUT_OF_RANGE, table.raw(row))


def _suppression_csv(
    stream: BinaryIO, path: Path, list_name: str, latin1: bool, import_time_us: int
) -> Iterator[Record]:
    table = CsvTable(stream, path, SUPPRESSION_COLUMNS, ("address", "created_at"), latin1)
    named = [(name, i) for name, i in table.index.items() if i is not None]
    file = str(path)
    latest = latest_us(import_time_us)
    for line, _, row, problem, raw in table.rows():
        if row is None:
            if problem:
                yield Reject(file, line, problem, raw)
            continue
        cells = {name: row[i].strip() for name, i in named if i < len(row)}
        result = suppression_event(list_name, cells)
        if type(result) is not str and (held := event_problem(result)) is not None:  # type: ignore[arg-type]
            result = held  # a value the database cannot hold
        if isinstance(result, str):
            yield Reject(file, line, result, table.raw(row))
        elif EARLIEST_US <= result.at_us <= latest:
            yield make_record(file, line, result)
        else:
            yield Reject(file, line, DATE_OUT_OF_RANGE, table.raw(row))
