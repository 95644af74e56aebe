"""Mailgun: the events API / webhooks (JSON), and the bounces, unsubscribes and complaints lists (CSV or JSON)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from console.domain.events import Source
from console.importers.base import Record, Reject
from console.importers.csvfile import CsvTable
from console.importers.dates import DATE_OUT_OF_RANGE, EARLIEST_US, latest_us
from console.importers.detect import is_json, json_split
from console.importers.fast import make_record
from console.importers.mailgun import mailgun_event, suppression_event
from console.importers.records import json_records
from console.importers.registry import Head, Layout, ProviderFormat, ReadContext, register
from console.store.limits import event_problem

_ITEMS = frozenset({"items"})
_PATTERNS = ("*.json", "*.jsonl", "*.ndjson", "*.log", "*.gz")
SUPPRESSION_COLUMNS = {
    "address": ("address",),
    "created_at": ("createdat",),
    "code": ("code",),
    "error": ("error",),
    "tag": ("tag",),
    "tags": ("tags",),
}


def _events_score(head: Head) -> int:
    if not head.json:
        return 0
    if head.record is None:  # an events page without items
        return 10 if "items" in head.document_keys else 0
    return 90 if "event" in head.record or "event-data" in head.record else 0


def _is_event_record(keys: frozenset[str]) -> bool:
    """A webhook payload or one events-API item saved on its own."""
    return "event-data" in keys or {"event", "timestamp"} <= keys


def _read_events(stream: BinaryIO, context: ReadContext) -> Iterator[Record]:
    return json_records(stream, context, mailgun_event, _ITEMS, "a Mailgun events export")


register(
    ProviderFormat(
        name="mailgun-events",
        source=Source.MAILGUN.value,
        title="Mailgun events (events API pages, webhook payloads, JSON Lines)",
        score=_events_score,
        layout=json_split,
        read=_read_events,
        list_keys=_ITEMS,
        is_record=_is_event_record,
        patterns=_PATTERNS,
    )
)

#: The suppression lists: ``--format`` name -> list name.
SUPPRESSION_LISTS = {
    "mailgun-bounces": "bounces",
    "mailgun-unsubscribes": "unsubscribes",
    "mailgun-complaints": "complaints",
}
#: What tells the lists apart (bounces have a code or error, unsubscribes a tag), in the order they are tried.
_LIST_SCORES = {"bounces": 80, "unsubscribes": 70, "complaints": 60}
_MARKS = {"bounces": ("code", "error"), "unsubscribes": ("tag", "tags"), "complaints": ()}


def _list_score(list_name: str, head: Head) -> int:
    """Rows with an address and a creation time; the list by its telling column, or an empty page by its link."""
    score = _LIST_SCORES[list_name]
    marks = _MARKS[list_name]
    if head.json and head.record is None:
        return score if "items" in head.document_keys and f"/{list_name}".encode() in head.text else 0
    if head.json:
        keys: Any = head.record
        created = "created_at"
    else:
        keys = head.columns
        created = "createdat"
    if "address" not in keys or created not in keys:
        return 0
    return score if not marks or any(m in keys for m in marks) else 0


def _list_layout(head: bytes) -> Layout:
    return json_split(head) if is_json(head) else Layout.CSV


def _read_list(list_name: str, stream: BinaryIO, context: ReadContext) -> Iterator[Record]:
    if is_json(context.head):

        def mapper(obj: Any) -> Any:
            return suppression_event(list_name, obj)

        return json_records(stream, context, mapper, _ITEMS, f"a Mailgun {list_name} list")
    return _suppression_csv(stream, context.path, list_name, context.latin1, context.import_time_us)


for _format, _list in SUPPRESSION_LISTS.items():
    register(
        ProviderFormat(
            name=_format,
            source=Source.MAILGUN.value,
            title=f"Mailgun {_list} list (CSV download or API page)",
            score=partial(_list_score, _list),
            layout=_list_layout,
            read=partial(_read_list, _list),
            list_keys=_ITEMS,
            patterns=("*.csv", *_PATTERNS),
        )
    )


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
