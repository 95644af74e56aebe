"""The parallel split never changes what is read: for any CSV or JSON Lines text, the ranges of
``plan_ranges`` read one after another give exactly the records and line numbers of a single reader."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import console.importers.csvrecords as csvrecords
import console.importers.ranges as ranges
from console.importers import EventRecord, Reject, iter_records
from console.importers.reading import ByteCounter

IMPORT_TIME = 1_750_000_000_000_000
HEADER = "address,code,error,created_at\n"
ROW = st.sampled_from(
    [
        'ann@example.com,550,No such mailbox,"Fri, 01 Mar 2024 10:00:01 GMT"\n',
        'bo@example.com,550,"two\nlines, quoted","Fri, 01 Mar 2024 10:00:02 GMT"\n',
        'cara@example.com,550,say ""hi"",2024-03-01T10:00:03Z\n',
        'dev@example.com,550,a stray " quote,2024-03-01T10:00:04Z\n',
        'eli@example.com,550,"unbalanced,2024-03-01T10:00:05Z\n',
        "\n",
        "fay@example.com,5\x0050,nul,2024-03-01T10:00:06Z\n",
        "gus@example.com,550,cr\r in the middle,2024-03-01T10:00:07Z\r\n",
        '"quoted@example.com",550,"x""y",2024-03-01T10:00:08Z\n',
    ]
)
PIECE = st.text(alphabet=st.sampled_from(list('ab,"\n\r; é\x00')), max_size=12)
CSV_TEXT = st.lists(st.one_of(ROW, ROW, PIECE), min_size=1, max_size=40).map(lambda parts: HEADER + "".join(parts))

EVENT = json.dumps({"id": "e1", "timestamp": 1709287201, "event": "complained", "recipient": "ann@example.com"})
JSON_LINE = st.one_of(
    st.integers(1, 50).map(lambda n: EVENT.replace("e1", f"e{n}") + "\n"),
    st.sampled_from(["\n", "{broken\n", '{"event": "failed"}\n', EVENT[:20] + "\x00" + EVENT[20:] + "\n", "[1]\r\n"]),
    st.text(alphabet=st.sampled_from(list('{}[]":,ab\n\r\x00 ')), max_size=10),
)
JSON_TEXT = st.lists(JSON_LINE, max_size=40).map(lambda lines: EVENT + "\n" + "".join(lines))


def _comparable(records: Iterator[object]) -> list[tuple[object, ...]]:
    out: list[tuple[object, ...]] = []
    for record in records:
        if isinstance(record, EventRecord):
            out.append(("event", record.line, record.event))
        else:
            assert isinstance(record, Reject)
            out.append(("reject", record.line, record.error, record.raw))
    return out


def _single_and_split(path: Path, fmt: str, parts: int) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    whole = _comparable(iter_records(path, fmt, import_time_us=IMPORT_TIME))
    planned = ranges.plan_ranges(path, fmt, parts)
    assert planned[0].start == 0 and planned[-1].end == path.stat().st_size
    assert all(a.end == b.start for a, b in itertools.pairwise(planned))
    split = [
        record
        for byte_range in planned
        for record in _comparable(
            ranges.iter_range(path, fmt, byte_range, region="US", import_time_us=IMPORT_TIME, counter=ByteCounter())
        )
    ]
    return whole, split


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file splits, and records cross the limits of a quoted value often."""
    monkeypatch.setattr(ranges, "MIN_SPLIT_BYTES", 0)
    monkeypatch.setattr(csvrecords, "MAX_RECORD_LINES", 3)
    monkeypatch.setattr(csvrecords, "MAX_RECORD_CHARS", 120)


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(text=CSV_TEXT, parts=st.integers(2, 5), latin1=st.booleans(), ahead=st.sampled_from([64, 300, 1 << 20]))
def test_csv_split_gives_the_records_of_a_single_reader(
    small_limits: None, tmp_path: Path, text: str, parts: int, latin1: bool, ahead: int
) -> None:
    path = tmp_path / "bounces.csv"
    path.write_bytes(text.encode("latin-1" if latin1 else "utf-8"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ranges._CsvWindow, "AHEAD", ahead)  # how far a cut may look: some cuts cannot be proved
        whole, split = _single_and_split(path, "mailgun-bounces", parts)
    assert split == whole


@SETTINGS
@given(text=JSON_TEXT, parts=st.integers(2, 5))
def test_json_lines_split_gives_the_records_of_a_single_reader(
    small_limits: None, tmp_path: Path, text: str, parts: int
) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(text.encode())
    whole, split = _single_and_split(path, "mailgun-events", parts)
    assert split == whole
