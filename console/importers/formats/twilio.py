"""Twilio: Console CSV exports, API pages / BulkExport JSON, and webhook logs (one form-encoded body a line)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from console.domain.events import Source
from console.importers.base import EventRecord, Record, Reject
from console.importers.csvfile import CsvTable
from console.importers.dates import DATE_OUT_OF_RANGE, EARLIEST_US, latest_us, parse_date
from console.importers.detect import json_split
from console.importers.fast import make_record
from console.importers.jsondata import raw_text
from console.importers.reading import iter_lines, line_problem
from console.importers.records import json_records
from console.importers.registry import Head, Layout, ProviderFormat, ReadContext, register
from console.importers.twilio import form_fields, is_webhook, json_event, message_event, webhook_event
from console.store.limits import event_problem

_TWILIO = Source.TWILIO.value
_MESSAGES = frozenset({"messages"})
_SID_KEYS = frozenset({"MessageSid", "SmsSid", "SmsMessageSid"})
_CSV_COLUMNS = frozenset({"sid", "status", "direction"})
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


# --- twilio-csv: the Console's message log export ---------------------------------------------------------


def _csv_score(head: Head) -> int:
    return 50 if not head.json and head.columns >= _CSV_COLUMNS else 0


def _read_csv(stream: BinaryIO, context: ReadContext) -> Iterator[Record]:
    return _twilio_csv(stream, context.path, context.region, context.latin1, context.import_time_us)


register(
    ProviderFormat(
        name="twilio-csv",
        source=_TWILIO,
        title="Twilio messages (Console CSV export)",
        score=_csv_score,
        layout=lambda head: Layout.CSV,
        read=_read_csv,
        patterns=("*.csv", "*.gz"),
    )
)


# --- twilio-json: Message resources (API pages, BulkExport JSON Lines) or webhook fields as JSON --------------


def _json_score(head: Head) -> int:
    if not head.json:
        return 0
    if head.record is None:  # a messages page without messages
        return 100 if "messages" in head.document_keys else 0
    record = head.record
    if head.record_key == "messages" or not _SID_KEYS.isdisjoint(record) or ("sid" in record and "direction" in record):
        return 100
    return 0


def _is_message_record(keys: frozenset[str]) -> bool:
    return not _SID_KEYS.isdisjoint(keys) or {"sid", "direction"} <= keys


def _read_json(stream: BinaryIO, context: ReadContext) -> Iterator[Record]:
    region, import_time_us = context.region, context.import_time_us

    def mapper(obj: Any) -> Any:
        return json_event(obj, region, import_time_us)

    return json_records(stream, context, mapper, _MESSAGES, "a Twilio messages export")


register(
    ProviderFormat(
        name="twilio-json",
        source=_TWILIO,
        title="Twilio messages (API pages, BulkExport JSON Lines, webhook fields as JSON)",
        score=_json_score,
        layout=json_split,
        read=_read_json,
        list_keys=_MESSAGES,
        is_record=_is_message_record,
        patterns=("*.json", "*.jsonl", "*.ndjson", "*.gz"),
    )
)


# --- twilio-form: webhook logs, one raw request body a line -------------------------------------------------


def _form_score(head: Head) -> int:
    """The first line is a form-encoded body naming a message (``...&MessageSid=SM...``): above every CSV."""
    first = head.first_line
    if head.json or b"=" not in first:
        return 0
    fields = form_fields(first)
    return 100 if not isinstance(fields, str) and (is_webhook(fields) or "AccountSid" in fields) else 0


def _read_form(stream: BinaryIO, context: ReadContext) -> Iterator[Record]:
    return _twilio_form(stream, context.path, context.region, context.import_time_us)


register(
    ProviderFormat(
        name="twilio-form",
        source=_TWILIO,
        title="Twilio webhook log (one form-encoded request body a line)",
        score=_form_score,
        layout=lambda head: Layout.WHOLE,  # line by line, but never split so far: read by one process as before
        read=_read_form,
        patterns=("*.txt", "*.log", "*.gz"),
    )
)


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
