"""Big, long-lined, streamed and vanishing files: bounded memory, clear rejects, never a crash or a hang."""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from console.importers import ByteCounter, EventRecord, Reject, detect_format, iter_records, jsondata
from tests.importers.conftest import IMPORT_TIME, events, parse, rejects

Write = Callable[..., Path]


def _item(n: int) -> dict[str, object]:
    return {
        "event": "opened",
        "id": f"id{n}",
        "timestamp": 1_709_287_200 + n,
        "recipient": f"u{n}@example.com",
    }


def _jsonl(count: int, start: int = 1) -> bytes:
    return b"".join(orjson.dumps(_item(n)) + b"\n" for n in range(start, start + count))


@pytest.mark.parametrize("gz", [False, True])
def test_a_50_mb_line_is_rejected_and_the_rest_read(write: Write, gz: bool) -> None:
    huge = b'{"event": "opened", "junk": "' + b"x" * (50 << 20) + b'"}\n'
    path = write("events.jsonl", _jsonl(2) + huge + _jsonl(2, start=3), gz=gz)
    assert detect_format(path) == "mailgun-events"
    records = parse(path)
    assert [r.line for r in events(records)] == [1, 2, 4, 5]
    (reject,) = rejects(records)
    assert reject.line == 3 and "longer than" in reject.error and len(reject.raw) <= 10_000


def test_a_50_mb_csv_line_is_rejected(write: Write) -> None:
    header = b"name,email\n"
    path = write("contacts.csv", header + b"Ann,ann@example.com\n" + b"y" * (50 << 20) + b"\nBo,bo@example.com\n")
    records = parse(path)
    assert [(r.line, type(r).__name__) for r in records] == [
        (2, "ContactRow"),
        (3, "Reject"),
        (4, "ContactRow"),
    ]


def test_a_valid_single_line_page_of_50_mb_is_parsed(write: Write) -> None:
    count = (50 << 20) // 100
    items = [_item(n) for n in range(count)]
    page = orjson.dumps({"paging": {"next": "x"}, "items": items})
    assert len(page) > 45 << 20 and b"\n" not in page
    path = write("page.json", page)
    assert detect_format(path) == "mailgun-events"
    n = 0
    for record in iter_records(path, "mailgun-events", import_time_us=IMPORT_TIME):
        assert isinstance(record, EventRecord)
        n += 1
    assert n == count


@pytest.mark.parametrize("gz", [False, True])
def test_documents_over_the_load_limit_are_streamed(write: Write, monkeypatch: pytest.MonkeyPatch, gz: bool) -> None:
    monkeypatch.setattr(jsondata, "LOAD_LIMIT", 64)
    page = orjson.dumps(
        {"paging": {"items": [1]}, "items": [_item(1), "odd", _item(2), {"event": "opened"}]},
        option=orjson.OPT_INDENT_2,
    )
    records = parse(write("page.json", page, gz=gz))
    assert [(r.line, type(r).__name__) for r in records] == [
        (1, "EventRecord"),
        (2, "Reject"),  # "odd": not an object, counted and rejected with its record number (issue 9)
        (3, "EventRecord"),
        (4, "Reject"),
    ]
    array = parse(write("array.json", orjson.dumps([_item(1), _item(2), _item(3)]), gz=gz))
    assert [r.line for r in events(array)] == [1, 2, 3]


def test_suppression_api_pages_and_twilio_arrays(write: Write) -> None:
    bounces = {
        "items": [{"address": "A@Example.com", "code": "550", "error": "x", "created_at": "2024-03-01T10:00:00Z"}],
        "paging": {"next": "https://api.mailgun.net/v3/example.com/bounces?page=next"},
    }
    path = write("bounces.json", orjson.dumps(bounces))
    assert detect_format(path) == "mailgun-bounces"
    (record,) = events(parse(path))
    assert (record.event.address, record.event.reason) == ("a@example.com", "email.suppress-bounce")
    unsub = {"items": [{"address": "b@example.com", "tags": ["*"], "created_at": "Fri, 01 Mar 2024 10:00:00 UT"}]}
    path = write("unsub.json", orjson.dumps(unsub))
    assert detect_format(path) == "mailgun-unsubscribes"
    assert events(parse(path))[0].event.detail["tags"] == "*"


def test_twilio_bulk_export_and_webhook_dumps(write: Write) -> None:
    bulk = {
        "sid": "SM1",
        "from": "+14155559000",
        "to": "+14155550100",
        "body": "hi",
        "status": "undelivered",
        "direction": "outbound-api",
        "error_code": 21610,
        "date_sent": "2024-03-01T10:00:00Z",
    }
    path = write("bulk.jsonl", orjson.dumps(bulk) + b"\n", gz=True)
    assert detect_format(path) == "twilio-json"
    (record,) = events(parse(path))
    assert (record.event.kind, record.event.reason, record.event.at_us) == (
        "permanent",
        "sms.error_21610",
        1_709_287_200_000_000,
    )
    hooks = [
        {
            "MessageSid": "SM2",
            "MessageStatus": "undelivered",
            "ErrorCode": "30005",
            "To": "+14155550101",
            "From": "x",
        },
        {
            "MessageSid": "SM3",
            "From": "+14155550102",
            "To": "+1415",
            "Body": "yes please",
            "OptOutType": "STOP",
        },
        {
            "MessageSid": "SM4",
            "SmsStatus": "received",
            "From": "4155550103",
            "To": "+1415",
            "Body": "info",
            "OptOutType": "HELP",
        },
        {"MessageSid": "SM5", "From": "+14155550104", "To": "+1415", "Body": "Unstop", "OptOutType": "START"},
        {"MessageSid": "SM6", "MessageStatus": "undelivered", "ErrorCode": "30007", "To": "+14155550105"},
    ]
    path = write("hooks.jsonl", b"\n".join(orjson.dumps(h) for h in hooks))
    assert detect_format(path) == "twilio-json"
    got = [(r.event.key, r.event.address, r.event.reason, r.event.at_us) for r in events(parse(path))]
    assert got == [
        ("SM2:undelivered", "+14155550101", "sms.error_30005", IMPORT_TIME),
        ("SM3:received", "+14155550102", "sms.opt_out_keyword", IMPORT_TIME),
        ("SM4:received", "+14155550103", "inbound/help", IMPORT_TIME),
        ("SM5:received", "+14155550104", "sms.opt_out_keyword", IMPORT_TIME),
        ("SM6:undelivered", "+14155550105", "undelivered/30007", IMPORT_TIME),
    ]


def test_progress_counts_the_bytes_on_disk(write: Write) -> None:
    for gz in (False, True):
        path = write("events.jsonl", _jsonl(3000), gz=gz)
        counter = ByteCounter()
        records = list(iter_records(path, "mailgun-events", import_time_us=IMPORT_TIME, reader=counter))
        assert len(records) == 3000
        assert counter.total == path.stat().st_size and counter.bytes_read == counter.total
        assert counter.fraction == 1.0


def test_a_file_removed_during_the_import_is_read_to_the_end(write: Write) -> None:
    path = write("events.jsonl", _jsonl(30_000))
    records = iter_records(path, "mailgun-events", import_time_us=IMPORT_TIME)
    first = next(records)
    path.unlink()
    assert isinstance(first, EventRecord) and len(list(records)) == 29_999


@pytest.mark.parametrize("gz", [False, True])
def test_a_file_truncated_during_the_import_ends_with_a_reject(write: Write, gz: bool) -> None:
    data = _jsonl(60_000)  # several read chunks
    path = write("events.jsonl", gzip.compress(data, compresslevel=0) if gz else data)
    records = iter_records(path, "mailgun-events", import_time_us=IMPORT_TIME)
    next(records)
    size = path.stat().st_size
    os.truncate(path, size // 2 + 7)
    rest = list(records)
    assert 1 + len(rest) < 60_000
    last = rest[-1]
    assert isinstance(last, Reject) and last.file == str(path)
    if gz:
        assert "ended unexpectedly" in last.error


def test_a_truncated_csv_keeps_the_rows_before(write: Write) -> None:
    rows = "".join(f"P{n},p{n}@example.com\n" for n in range(100_000))
    path = write("contacts.csv", gzip.compress(("name,email\n" + rows).encode(), compresslevel=0))
    records = iter_records(path, "contacts", import_time_us=IMPORT_TIME)
    next(records)
    os.truncate(path, path.stat().st_size // 2)
    rest = list(records)
    assert isinstance(rest[-1], Reject) and "ended unexpectedly" in rest[-1].error


@pytest.mark.parametrize("gz", [False, True])
def test_a_byte_order_mark_before_json(write: Write, gz: bool) -> None:
    lines = write("events.jsonl", b"\xef\xbb\xbf" + _jsonl(2), gz=gz)
    assert detect_format(lines) == "mailgun-events"
    assert [r.line for r in events(parse(lines))] == [1, 2]
    page = write("page.json", b"\xef\xbb\xbf" + orjson.dumps({"items": [_item(1)]}), gz=gz)
    assert [r.line for r in events(parse(page))] == [1]


def test_a_file_cut_at_a_line_end_during_the_import_is_reported(write: Write) -> None:
    data = _jsonl(60_000)
    path = write("events.jsonl", data)
    records = iter_records(path, "mailgun-events", import_time_us=IMPORT_TIME)
    next(records)
    os.truncate(path, data.index(b"\n", len(data) // 2) + 1)
    last = list(records)[-1]
    assert isinstance(last, Reject) and "got shorter" in last.error and last.file == str(path)
