"""Big files split across parsing processes: the same records, lines and final state as one process."""

from __future__ import annotations

from pathlib import Path

import pytest

import console.importers.pipeline as pipeline
import console.importers.ranges as ranges
from console.importers import iter_records
from console.importers.pipeline import run_import
from console.importers.reading import ByteCounter
from console.store.db import Store
from tests.conftest import SAMPLES
from tests.test_import_pipeline import final_state

NOW = 1_750_000_000_000_000  # the import time: the records' dates (2024) are in range
HEADER = "From,To,Body,Status,SentDate,ApiVersion,NumSegments,ErrorCode,AccountSid,Sid,Direction,Price,PriceUnit\n"


def twilio_csv(path: Path, rows: int) -> Path:
    lines = [HEADER]
    for n in range(rows):
        body = '"line one\nline two, with a ""quote""\nline three"' if n % 7 == 3 else ("STOP" if n % 11 == 0 else "hi")
        code = "30003" if n % 5 == 0 else ""
        direction = "inbound" if body == "STOP" else "outbound-api"
        sender, to = ("+14155550100", "+14155559000") if direction == "inbound" else ("+14155559000", "+14155550101")
        lines.append(f"{sender},{to},{body},received,2024-03-01T10:{n % 60:02d}:00Z,2010-04-01,1,{code},AC1,SM{n:06d},"
                     f"{direction},-0.0079,USD\n")
    lines.append("+14155559000,+14155550101,hi,sent,not a date,2010-04-01,1,,AC1,SMbad,outbound-api,0,USD\n")
    path.write_text("".join(lines))
    return path


def mailgun_jsonl(path: Path, rows: int) -> Path:
    template = (SAMPLES / "mailgun-webhooks.jsonl").read_text().splitlines()
    lines = [template[n % 2].replace('"id": "', f'"id": "n{n:05d}') for n in range(rows)]
    lines.insert(rows // 2 + 1, '{"event-data": {"event": "failed", "id": "x"')  # a truncated record
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("maker, fmt", [(twilio_csv, "twilio-csv"), (mailgun_jsonl, "mailgun-events")])
def test_split_ranges_give_the_same_records_and_lines_as_one_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, maker: object, fmt: str
) -> None:
    monkeypatch.setattr(ranges, "MIN_SPLIT_BYTES", 0)
    path = maker(tmp_path / "export", 400)  # type: ignore[operator]
    whole = [(r.line, getattr(r, "event", None) or r.error) for r in iter_records(path, fmt, import_time_us=NOW)]
    planned = ranges.plan_ranges(path, fmt, 3)
    assert len(planned) == 3 and planned[0].start == 0 and planned[-1].end == path.stat().st_size
    parts = [
        (r.line, getattr(r, "event", None) or r.error)
        for byte_range in planned
        for r in ranges.iter_range(path, fmt, byte_range, region="US", import_time_us=NOW, counter=ByteCounter())
    ]
    assert parts == whole


def test_an_import_split_across_processes_ends_like_one_in_a_single_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ranges, "MIN_SPLIT_BYTES", 0)
    split: list[int] = []
    real = pipeline.import_ranges

    def spy(*args: object, **kwargs: object) -> bool:
        split.append(len(args[2]))  # type: ignore[arg-type]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "import_ranges", spy)
    export = twilio_csv(tmp_path / "twilio.csv", 600)
    results = []
    for workers in (1, 2):
        store = Store(f"sqlite:///{tmp_path / f'w{workers}.db'}")
        run_import(store, [SAMPLES / "contacts.csv"], location=None, actor="tester")
        summary = run_import(store, [export], location=None, actor="tester", workers=workers).as_dict()
        again = run_import(store, [export], location=None, actor="tester", workers=workers).as_dict()
        results.append((final_state(store), summary["applied"], summary["no_effect"], summary["unmatched"],
                        summary["rejects"], again["duplicates"], again["records"]))
        store.dispose()
    assert split == [2, 2]  # both imports with workers=2 went through two parsing processes
    assert results[0] == results[1]
    assert results[1][4] == [
        {"file": str(export), "line": results[1][4][0]["line"], "error": results[1][4][0]["error"]}
    ]
