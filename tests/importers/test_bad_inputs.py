"""Bad files give a clear error naming the file; bad records are rejected and the good ones kept."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from console.importers import (
    EmptyFile,
    FileMissing,
    ImportFileError,
    MissingColumns,
    NotAFile,
    NotAnExport,
    UnknownFormat,
    check_file,
    detect_format,
    iter_records,
)
from tests.importers.conftest import IMPORT_TIME, events, parse, rejects

Write = Callable[..., Path]
TWILIO_HEADER = "From,To,Body,Status,SentDate,ApiVersion,NumSegments,ErrorCode,AccountSid,Sid,Direction\n"


def _item(n: int, **changes: object) -> dict[str, object]:
    item: dict[str, object] = {
        "event": "delivered",
        "id": f"id{n}",
        "timestamp": 1_709_287_200.5 + n,
        "recipient": f"user{n}@example.com",
    }
    item.update(changes)
    return {k: v for k, v in item.items() if v is not None}


def _jsonl(items: list[dict[str, object]]) -> bytes:
    return b"".join(orjson.dumps(i) + b"\n" for i in items)


def _file_error(path: Path, fmt: str | None = None) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        if fmt is None:
            detect_format(path)
        else:
            list(iter_records(path, fmt, import_time_us=IMPORT_TIME))
    assert str(path) in str(caught.value)
    return caught.value


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("content", ["", "  \n\n "])
def test_empty_file(write: Write, content: str, gz: bool) -> None:
    path = write("empty.json", content, gz=gz)
    assert isinstance(_file_error(path), EmptyFile)
    assert isinstance(_file_error(path, "mailgun-events"), EmptyFile)
    assert isinstance(_file_error(path, "contacts"), EmptyFile)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert isinstance(_file_error(tmp_path / "nope.json"), FileMissing)
    assert isinstance(_file_error(tmp_path / "nope.json", "twilio-csv"), FileMissing)
    assert isinstance(_file_error(tmp_path), NotAFile)
    assert "directory" in str(_file_error(tmp_path, "contacts"))


def test_binary_garbage(write: Write) -> None:
    path = write("garbage.bin", bytes(range(256)) * 64)
    error = _file_error(path)
    assert isinstance(error, UnknownFormat)
    assert "mailgun-events" in str(error) and "twilio-csv" in str(error)  # lists supported formats


@pytest.mark.parametrize("document", [b'{"hello": "world"}', b"[1, 2, 3]", b'{"a": [1], "b": {"c": 2}}\n'])
def test_json_that_is_not_an_export(write: Write, document: bytes) -> None:
    path = write("other.json", document)
    assert isinstance(_file_error(path), NotAnExport)
    try:  # forced: refused as a whole, or every record rejected
        assert not events(parse(path, "mailgun-events"))
    except NotAnExport as exc:
        assert str(path) in str(exc)


def test_truncated_json_page_keeps_the_records_before_the_break(write: Write) -> None:
    page = orjson.dumps({"items": [_item(1), _item(2), _item(3)], "paging": {}}, option=orjson.OPT_INDENT_2)
    path = write("page.json", page[: page.index(b'"id3"') + 3])
    assert detect_format(path) == "mailgun-events"
    records = parse(path)
    assert [r.line for r in events(records)] == [1, 2]
    (reject,) = rejects(records)
    assert reject.line == 3 and "truncated" in reject.error and reject.file == str(path)


def test_truncated_and_broken_json_lines(write: Write) -> None:
    lines = _jsonl([_item(1), _item(2), _item(3)]).split(b"\n")
    content = lines[0] + b"\n" + lines[1][:25] + b"\n" + b"\xff\xfe" + lines[2][2:] + b"\n" + _jsonl([_item(4)])
    path = write("events.jsonl", content)
    records = parse(path, "mailgun-events")
    assert [r.line for r in events(records)] == [1, 4]
    broken, bad_utf8 = rejects(records)
    assert (broken.line, bad_utf8.line) == (2, 3)
    assert "unreadable JSON" in broken.error and broken.raw.startswith('{"event"')
    assert "UTF-8" in bad_utf8.error


def test_csv_missing_required_column(write: Write) -> None:
    path = write("twilio.csv", "From,To,Body,Status,SentDate,ErrorCode,Direction\n+14155550100,+1415,hi,sent,x,,in\n")
    error = _file_error(path, "twilio-csv")
    assert isinstance(error, MissingColumns) and error.missing == ("Sid",)
    assert "Sid" in str(error)
    bounces = write("bounces.csv", "address,code,error\na@example.com,550,x\n")
    error = _file_error(bounces, "mailgun-bounces")
    assert isinstance(error, MissingColumns) and "created_at" in str(error)
    people = write("people.csv", "name,notes\nAnn,hello\n")
    assert isinstance(_file_error(people, "contacts"), MissingColumns)


def test_check_file_refuses_before_importing(write: Write, sample: Callable[[str], Path]) -> None:
    assert check_file(sample("twilio-messages.csv")) == "twilio-csv"
    assert check_file(sample("contacts.csv"), "contacts") == "contacts"
    path = write("twilio.csv", "From,To,Body\n+1,+1,hi\n")
    with pytest.raises(MissingColumns, match=r"twilio\.csv"):
        check_file(path, "twilio-csv")
    with pytest.raises(UnknownFormat, match=r"twilio\.csv"):
        check_file(path, "mailgun-events")


def test_wrong_delimiter(write: Write) -> None:
    path = write("contacts.tsv", "first_name\tlast_name\temail\tphone\nAnn\tLee\tann@example.com\t4155550100\n")
    assert isinstance(_file_error(path), UnknownFormat)
    error = _file_error(path, "contacts")
    assert isinstance(error, MissingColumns) and "delimiter" in str(error)


def test_semicolons_bom_and_latin1_contacts(write: Write) -> None:
    text = "\ufeffName;Email;Phone;External_ID;Location\nZoë Brontë;ZOE@example.com;(415) 555-0199;42;Default\n"
    for path in (write("utf8.csv", text.encode("utf-8")), write("latin1.csv", text[1:].encode("latin-1"))):
        assert detect_format(path) == "contacts"
        (row,) = parse(path)
        assert (row.line, row.name, row.email, row.phone) == (
            2,
            "Zoë Brontë",
            "zoe@example.com",
            "+14155550199",
        )
        assert (row.external_id, row.location) == ("42", "Default")


def test_invalid_utf8_in_a_csv_row_is_read_as_latin1(write: Write) -> None:
    padding = b"".join(b"P%d,p%d@example.com\n" % (n, n) for n in range(5000))  # past the sniffed head
    content = b"name,email\n" + padding + b"Jos\xe9,jose@example.com\nRen\xc3\xa9,rene@example.com\n"
    rows = parse(write("mixed.csv", content))
    assert [r.name for r in rows[-2:]] == ["José", "René"]  # type: ignore[union-attr]
    assert rows[-1].line == 5003
    latin1 = parse(write("latin1.csv", b"name,email\nRen\xe9,rene@example.com\n"))
    assert latin1[0].name == "René"  # type: ignore[union-attr]


def test_bad_contact_rows_are_rejected(write: Write) -> None:
    content = "name,email,phone\nAnn,not-an-email,\nBo,,12\nCy,cy@example.com,\n,,\n"
    records = parse(write("contacts.csv", content))
    assert [(r.line, type(r).__name__) for r in records] == [
        (2, "Reject"),
        (3, "Reject"),
        (4, "ContactRow"),
        (5, "Reject"),
    ]
    assert "email" in rejects(records)[0].error and "phone" in rejects(records)[1].error


def test_missing_and_unreadable_timestamps(write: Write) -> None:
    items = [
        _item(1, timestamp=None),
        _item(2, timestamp="soon"),
        _item(3, timestamp=True),
        _item(4, timestamp="1709287200.25"),
        _item(5, timestamp=-5),
        _item(6),
    ]
    records = parse(write("events.jsonl", _jsonl(items)))
    assert [r.line for r in events(records)] == [4, 6]
    assert events(records)[0].event.at_us == 1_709_287_200_250_000
    errors = {r.line: r.error for r in rejects(records)}
    assert errors[1] == "timestamp missing"
    assert all("timestamp unreadable" in errors[n] for n in (2, 3))
    assert errors[5] == "date out of range"  # readable, but 1969: RULES.md "Time, order and identity"


def test_unknown_event_types_and_reasons_are_kept_without_effect(write: Write) -> None:
    items = [
        _item(1, event="teleported"),
        _item(2, event="failed", severity="permanent", reason="espblock"),
        _item(3, event="failed", severity="permanent", reason="brand-new-reason"),
        _item(4, event="failed", severity="permanent", reason="suppress-unsubscribe"),
        _item(5, event=None),
    ]
    records = parse(write("events.jsonl", _jsonl(items)))
    got = [(r.line, r.event.effect.value, r.event.reason) for r in events(records)]
    assert got == [
        (1, "none", "teleported"),
        (2, "none", "failed/permanent/espblock"),
        (3, "none", "failed/permanent/brand-new-reason"),
        (4, "set", "email.suppress-unsubscribe"),
    ]
    assert [(r.line, r.error) for r in rejects(records)] == [(5, "event missing")]


def test_unparseable_phone_numbers_and_dates_in_twilio_csv(write: Write) -> None:
    rows = [
        "+14155559000,not a number,hi,delivered,2024-03-01T10:00:00Z,v,1,,AC,SM1,outbound-api",
        "+14155559000,+14155550100,hi,undelivered,yesterday,v,1,30003,AC,SM2,outbound-api",
        "+14155559000,+14155550100,hi,undelivered,,v,1,30003,AC,SM3,outbound-api",
        "+14155559000,12,hi,delivered,2024-03-01T10:00:00Z,v,1,,AC,SM4,outbound-api",
        '+14155559000,(415) 555-0100,hi,undelivered,"Fri, 01 Mar 2024 10:00:00 +0000",v,1,30005,AC,SM5,outbound-api',
    ]
    records = parse(write("twilio.csv", TWILIO_HEADER + "\n".join(rows) + "\n"))
    (good,) = events(records)
    assert (good.line, good.event.address, good.event.reason) == (6, "+14155550100", "sms.error_30005")
    errors = {r.line: r.error for r in rejects(records)}
    assert "phone number" in errors[2] and "phone number" in errors[5]
    assert "SentDate unreadable" in errors[3] and errors[4] == "SentDate missing"
    assert all(r.raw for r in rejects(records))


def test_quoted_multiline_bodies_keep_start_lines(write: Write) -> None:
    rows = [
        '+14155550100,+14155559000,"line one\nline two\nSTOP?",received,2024-03-01 10:00:00,v,1,,AC,SM1,inbound',
        "+14155550101,+14155559000,START,received,2024-03-01 10:00:01,v,1,,AC,SM2,inbound",
    ]
    records = parse(write("twilio.csv", TWILIO_HEADER + "\n".join(rows) + "\n"))
    assert [(r.line, r.event.reason) for r in events(records)] == [
        (2, "inbound/possible_opt_out"),
        (5, "sms.opt_in_keyword"),
    ]
