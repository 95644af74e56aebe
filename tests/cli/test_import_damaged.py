"""``import`` of damaged files and of values the database cannot hold: every good record lands, only the bad
part is rejected (with its file, line and raw text), the same on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from typing import Any

import pytest

import console.importers.pipeline as pipeline
import console.importers.ranges as ranges
from console.domain.events import now_us
from console.importers import iter_records
from console.store.limits import ADDRESS, CONTACT_EXTERNAL_ID, CONTACT_NAME, key_limit

from .clitools import CliRunner, sql, write


def rejects(db_url: str) -> list[tuple[str, int, str, str]]:
    rows = sql(db_url, "SELECT file, line, error, raw FROM import_rejects ORDER BY file, line")
    return [(Path(f).name, n, e, r) for f, n, e, r in rows]


def unsubscribes(path: Path, addresses: list[str]) -> Path:
    lines = ["address,tag,created_at"]
    lines += [f'{a},*,"Fri, 01 Mar 2024 12:{n:02d}:00 GMT"' for n, a in enumerate(addresses)]
    return write(path, "\n".join(lines) + "\n")


def mailgun_line(ident: str, recipient: str, second: int) -> str:
    item = {"id": ident, "timestamp": 1709287200 + second, "event": "complained", "recipient": recipient}
    return json.dumps({"event-data": item})


def test_over_long_values_reject_their_record_and_the_rest_lands(cli: CliRunner, tmp_path: Path, db_url: str) -> None:
    """RULES.md: every record lands in one outcome; PostgreSQL's column sizes never fail a whole chunk."""
    long_email = "a" * 60 + "@" + ".".join(["d" * 60] * 5) + ".com"  # a plausible address, over 320 characters
    assert len(long_email) > ADDRESS
    name_over = "N" * (CONTACT_NAME + 1)
    contacts = write(
        tmp_path / "contacts.csv",
        "name,email,external_id\n"
        "Ann Lee,ann@example.com,\n"
        f"{name_over},long.name@example.com,\n"
        f"Bo Chen,bo@example.com,{'x' * (CONTACT_EXTERNAL_ID + 1)}\n"
        "Cara Diaz,cara@example.com,c-1\n",
    )
    unsubs = unsubscribes(tmp_path / "unsubscribes.csv", ["ann@example.com", long_email, "cara@example.com"])
    events = write(
        tmp_path / "events.jsonl",
        "\n".join(
            [
                mailgun_line("k" * (key_limit("mailgun") + 5), "bo@example.com", 1),
                mailgun_line("fine-1", "bo@example.com", 2),
                mailgun_line("fine-2", long_email, 3),
                mailgun_line("fine-3", "dev@example.com", 4),
            ]
        )
        + "\n",
    )
    for _ in range(2):  # the same on a second run: nothing blocks, the repeats are duplicates
        result = cli("import", contacts, unsubs, events, "--json")
        assert result.code == 1, str(result)
    summary = result.json
    # A Mailgun id of any length is kept: its key is a digest when id, time, event and recipient are too long.
    assert summary["duplicates"] == 5 and summary["rejected"] == 2
    assert summary["contacts"]["unchanged"] == 2 and summary["contacts"]["rejected"] == 2
    found = {(name, line): error for name, line, error, _ in rejects(db_url)}
    assert found[("contacts.csv", 3)].startswith("name too long")
    assert found[("contacts.csv", 4)].startswith("external id too long")
    assert found[("unsubscribes.csv", 3)].startswith("address too long")
    assert ("events.jsonl", 1) not in found
    assert found[("events.jsonl", 3)].startswith("address too long")
    for ref in ("ann@example.com", "cara@example.com"):
        [row] = cli.ok("status", ref, "--json").json["contacts"]
        assert row["channels"]["email"]["dnd"] is True, ref
    suppressed = cli.ok("export", "suppressions", "--channel", "email").stdout
    assert "bo@example.com" in suppressed and "dev@example.com" in suppressed  # unmatched triggers are kept


# --- damaged files (issue 9, item 6) ---

TWILIO_HEADER = (
    "From,To,Body,Status,SentDate,ApiVersion,NumSegments,ErrorCode,AccountSid,Sid,Direction,Price,PriceUnit\n"
)


def twilio_row(n: int, body: str) -> str:
    inbound = body == "STOP" or body.startswith('"STOP')
    sender, to = (f"+1415{n:07d}", "+14155559000") if inbound else ("+14155559000", f"+1415{n:07d}")
    direction, status = ("inbound", "received") if inbound else ("outbound-api", "delivered")
    return (
        f"{sender},{to},{body},{status},2024-03-01T10:{n % 60:02d}:00Z,2010-04-01,1,,AC1,SM{n:07d},{direction},0,USD\n"
    )


def twilio_export(path: Path, rows: int, damage: dict[int, str]) -> tuple[Path, int]:
    """A Twilio CSV: every other row a STOP, every 7th a quoted body over three lines; ``damage`` replaces bodies."""
    lines, stops = [TWILIO_HEADER], 0
    for n in range(rows):
        body = "STOP" if n % 2 == 0 else ('"line one\nline two, with a ""quote""\nline three"' if n % 7 == 3 else "ok")
        body = damage.get(n, body)
        stops += body == "STOP"
        lines.append(twilio_row(n, body))
    path.write_text("".join(lines), encoding="utf-8")
    return path, stops


def line_of(row: int) -> int:
    """The line a row of ``twilio_export`` starts on: after the header and the extra lines of three-line bodies."""
    return 2 + row + 2 * sum(1 for n in range(row) if n % 2 and n % 7 == 3)


def test_a_stray_quote_never_moves_the_parallel_split(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Split across processes, a CSV gives exactly the records of one reader, whatever its quotes."""
    monkeypatch.setattr(ranges, "MIN_SPLIT_BYTES", 0)  # a big export in miniature: still split in two
    monkeypatch.setenv("DND_CONSOLE_IMPORT_WORKERS", "2")
    split: list[int] = []
    real = pipeline.import_ranges

    def spy(*args: Any, **kwargs: Any) -> bool:
        split.append(len(args[2]))
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "import_ranges", spy)
    export, stops = twilio_export(tmp_path / "twilio.csv", 12_000, {5: 'call me "later'})
    single = list(iter_records(export, "twilio-csv", import_time_us=now_us()))
    summary = cli("import", export, "--json").json
    assert split == [2]
    assert summary["records"] == len(single) == 12_000 and summary["rejected"] == 0
    assert summary["unmatched"] + summary["applied"] == stops == 6_000  # every STOP landed


def test_an_unbalanced_quote_rejects_only_its_line(cli: CliRunner, tmp_path: Path, db_url: str) -> None:
    export, stops = twilio_export(tmp_path / "twilio.csv", 400, {10: '"STOP, please', 300: '"never closed'})
    result = cli("import", export, "--json")
    assert result.code == 1, str(result)
    summary = result.json
    assert summary["records"] == 400 and summary["rejected"] == 2
    assert summary["unmatched"] + summary["applied"] == stops  # the STOPs after the broken lines all landed
    [(_, first, error, raw), (_, second, _, _)] = rejects(db_url)
    assert (first, second) == (line_of(10), line_of(300))
    assert error.startswith("unbalanced quote") and raw == twilio_row(10, '"STOP, please').rstrip("\n")


def test_a_truncated_gzip_keeps_every_complete_line(cli: CliRunner, tmp_path: Path, db_url: str) -> None:
    lines = [mailgun_line(f"t{n}", f"user{n}@example.com", n) for n in range(3_000)]
    packed = gzip.compress(("\n".join(lines) + "\n").encode())
    cut = packed[: len(packed) * 2 // 3]
    path = tmp_path / "events.jsonl.gz"
    path.write_bytes(cut)
    readable = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(cut)  # what the truncated file still holds
    complete = readable.count(b"\n")
    result = cli("import", path, "--json")
    assert result.code == 1, str(result)
    summary = result.json
    assert summary["unmatched"] == complete and summary["records"] == complete + 1 and complete > 1_000
    [(name, line, error, raw)] = rejects(db_url)
    assert name == "events.jsonl.gz" and line == complete + 1
    assert "ended unexpectedly" in error and raw == readable[readable.rfind(b"\n") + 1 :].decode()


def test_a_record_over_64_mb_is_rejected_and_the_records_after_it_kept(
    cli: CliRunner, tmp_path: Path, db_url: str
) -> None:
    items = [json.loads(mailgun_line(f"b{n}", f"user{n}@example.com", n))["event-data"] for n in range(4)]
    huge = json.dumps({**items[1], "message": {"headers": {"subject": "x" * (65 << 20)}}})
    document = '{"items": [' + ", ".join([json.dumps(items[0]), huge, *map(json.dumps, items[2:])]) + "]}"
    path = write(tmp_path / "events.json", document)
    result = cli("import", path, "--json")
    assert result.code == 1, str(result)
    assert result.json["records"] == 4 and result.json["unmatched"] == 3
    [(_, number, error, raw)] = rejects(db_url)
    assert number == 2 and "larger than 64 MB" in error and raw.startswith('{"id": "b1"') and len(raw) <= 10_000


def test_a_nul_byte_rejects_only_its_line(cli: CliRunner, tmp_path: Path, db_url: str) -> None:
    damaged = ["ann@example.com", "bo@exa\x00mple.com", "cara@example.com"]
    csv_path = unsubscribes(tmp_path / "unsubscribes.csv", damaged)
    events = [mailgun_line("n1", "dev@example.com", 1), mailgun_line("n2", "eli@example.com", 2)]
    events.insert(1, mailgun_line("n0", "fay@example.com", 3).replace("fay", "f\x00y"))
    events.append(mailgun_line("n3", "gus@exa\x00mple.com", 4))  # written as \u0000: no address holds it
    jsonl = write(tmp_path / "events.jsonl", "\n".join(events) + "\n")
    result = cli("import", csv_path, jsonl, "--json")
    assert result.code == 1, str(result)
    summary = result.json
    assert summary["records"] == 7 and summary["unmatched"] == 4 and summary["rejected"] == 3
    found = {(name, line): (error, raw) for name, line, error, raw in rejects(db_url)}
    assert set(found) == {("unsubscribes.csv", 3), ("events.jsonl", 2), ("events.jsonl", 4)}
    error, raw = found[("unsubscribes.csv", 3)]
    assert "NUL" in error and raw.startswith("bo@exa\ufffdmple.com,*,")
    assert "NUL" in found[("events.jsonl", 2)][0] and "f\ufffdy@example.com" in found[("events.jsonl", 2)][1]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_export_is_read(cli: CliRunner, tmp_path: Path, codec: str) -> None:
    """Excel's "Unicode text" and some Windows tools write UTF-16 (with a byte-order mark, or without)."""
    path = tmp_path / "unsubscribes.csv"
    text = unsubscribes(tmp_path / "plain.csv", ["ann@example.com", "zoë@example.com"]).read_text(encoding="utf-8")
    path.write_bytes(text.encode(codec))
    summary = cli.ok("import", path, "--json").json
    assert summary["files"][0]["format"] == "mailgun-unsubscribes"
    assert summary["records"] == 2 and summary["unmatched"] == 2
    assert "zoë@example.com" in cli.ok("export", "suppressions", "--channel", "email").stdout
