"""``import`` of real provider files and the shapes people save (issue 9, items 1-6), through the CLI, on SQLite
and PostgreSQL: id-less records keyed by content, address-less events, single payloads, arrays of payloads, raw
Twilio webhook bodies, legacy v2 suppression pages, WhatsApp, dates out of range, keyword strictness, non-object
records."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .clitools import CliRunner, write

DATA = Path(__file__).resolve().parents[1] / "data"
REAL = DATA / "real-exports"
SHAPES = DATA / "shapes"
COUNTS = ("records", "applied", "no_effect", "duplicates", "unmatched", "rejected")


def counts(summary: dict[str, Any]) -> dict[str, int]:
    return {name: summary[name] for name in COUNTS}


def email_state(cli: CliRunner, address: str, channel: str = "email") -> tuple[Any, ...]:
    state = cli.ok("status", address, "--json").json["contacts"][0]["channels"][channel]
    return state["dnd"], state["kind"], state["reason"]


def add(cli: CliRunner, name: str, email: str | None = None, phone: str | None = None) -> None:
    args = ["contacts", "add", "--name", name]
    args += ["--email", email] if email else []
    args += ["--phone", phone] if phone else []
    cli.ok(*args)


def import_json(cli: CliRunner, *files: Path) -> tuple[int, dict[str, Any]]:
    result = cli("import", *files, "--json")
    assert "Traceback" not in result.output, str(result)
    return result.code, result.json


# 1. Records without a provider id -------------------------------------------------------------------------------


def test_records_without_a_provider_id_are_keyed_by_content(cli: CliRunner) -> None:
    """RULES.md "Time, order and identity": Mailgun's 2013 samples carry no id; they import, apply, and a second
    import finds every one a duplicate."""
    add(cli, "Rec Ipient", "recipient@example.com")
    add(cli, "Foo", "foo@example.com")
    code, summary = import_json(cli, REAL / "mailgun-docs-2013-events-array.json")
    assert code == 0, summary
    assert counts(summary) == {"records": 10, "applied": 3, "no_effect": 7, "duplicates": 0, "unmatched": 0,
                               "rejected": 0}
    assert summary["no_effect_by_label"]["stored"] == 1
    assert email_state(cli, "foo@example.com") == (True, "spam", "email.complained")
    assert email_state(cli, "recipient@example.com") == (True, "temporary", "email.bounce")
    history = cli.ok("history", "recipient@example.com", "--json").json
    code, again = import_json(cli, REAL / "mailgun-docs-2013-events-array.json")
    assert code == 0 and counts(again)["duplicates"] == 10 and again["applied"] == again["no_effect"] == 0, again
    assert cli.ok("history", "recipient@example.com", "--json").json == history


def test_a_mailgun_key_covers_id_timestamp_event_and_recipient(cli: CliRunner, tmp_path: Path) -> None:
    """Published samples reuse one id and timestamp for different events: both are kept; a true repeat is not."""
    add(cli, "Ann", "ann@example.com")
    add(cli, "Bo", "bo@example.com")
    base = {"id": "Kr9ZsE8ATfqhNHYmRKlrHg", "timestamp": 1709287200.5}
    items = [
        {**base, "event": "unsubscribed", "recipient": "ann@example.com"},
        {**base, "event": "complained", "recipient": "ann@example.com"},
        {**base, "event": "complained", "recipient": "bo@example.com"},
        {"event": "complained", "timestamp": 1709287300.25, "recipient": "bo@example.com"},  # no id
        {"event": "complained", "timestamp": 1709287300.25, "recipient": "bo@example.com"},  # the same again
    ]
    path = write(tmp_path / "events.jsonl", "\n".join(json.dumps(i) for i in items) + "\n")
    code, summary = import_json(cli, path)
    assert code == 0, summary
    assert (summary["applied"], summary["duplicates"], summary["rejected"]) == (4, 1, 0), summary
    assert email_state(cli, "ann@example.com") == (True, "spam", "email.complained")
    assert email_state(cli, "bo@example.com") == (True, "spam", "email.complained")


# 2. Address-less events -------------------------------------------------------------------------------------------


def test_address_less_events_by_design_are_no_effect(cli: CliRunner) -> None:
    """`stored`, `rejected` and list events carry no recipient: an ordinary Events page imports with exit 0."""
    code, summary = import_json(cli, REAL / "mailgun-docs-events-page.json")
    assert code == 0, summary
    assert counts(summary) == {"records": 15, "applied": 0, "no_effect": 11, "duplicates": 0, "unmatched": 4,
                               "rejected": 0}
    labels = summary["no_effect_by_label"]
    for label in ("stored", "rejected", "list_member_uploaded", "list_member_upload_error", "list_uploaded"):
        assert labels[label] == 1, labels
    code, again = import_json(cli, REAL / "mailgun-docs-events-page.json")
    assert code == 0 and again["duplicates"] == 15, again


def test_a_trigger_without_a_usable_address_is_rejected(cli: CliRunner, tmp_path: Path) -> None:
    items = [
        {"id": "a1", "event": "failed", "severity": "permanent", "reason": "bounce", "timestamp": 1709287200.0},
        {"id": "a2", "event": "complained", "timestamp": 1709287201.0, "recipient": ""},
        {"id": "a3", "event": "stored", "timestamp": 1709287202.0},
        {"id": "a4", "event": "delivered", "timestamp": 1709287203.0, "recipient": "not an address"},
    ]
    path = write(tmp_path / "events.jsonl", "\n".join(json.dumps(i) for i in items) + "\n")
    code, summary = import_json(cli, path)
    assert code == 1 and (summary["no_effect"], summary["rejected"]) == (1, 3), summary
    errors = {r["line"]: r["error"] for r in summary["rejects"]}
    assert errors[1] == errors[2] == "recipient missing"
    assert "not an address" in errors[4] or "email" in errors[4]
    form = write(
        tmp_path / "callbacks.log",
        "MessageSid=SMa1&MessageStatus=sent&AccountSid=ACx&From=%2B14155550199\n"  # no To: nothing to apply
        "MessageSid=SMa2&MessageStatus=undelivered&ErrorCode=30004&AccountSid=ACx&From=%2B14155550199\n",
    )
    code, summary = import_json(cli, form)
    assert code == 1 and (summary["no_effect"], summary["rejected"]) == (1, 1), summary
    assert summary["rejects"][0]["line"] == 2 and summary["rejects"][0]["error"] == "'to' number missing"


# 3. Shapes people actually save -----------------------------------------------------------------------------------


def test_a_single_pretty_printed_webhook_payload(cli: CliRunner, tmp_path: Path) -> None:
    add(cli, "Ann Lee", "ann.lee@example.com")
    code, summary = import_json(cli, SHAPES / "mailgun-webhook-bounce.json")
    assert code == 0 and summary["files"][0]["format"] == "mailgun-events", summary
    assert (summary["records"], summary["applied"]) == (1, 1), summary
    assert email_state(cli, "ann.lee@example.com") == (True, "temporary", "email.bounce")
    gz = tmp_path / "payload.json.gz"
    gz.write_bytes(gzip.compress((SHAPES / "mailgun-webhook-bounce.json").read_bytes()))
    code, again = import_json(cli, gz)
    assert code == 0 and again["duplicates"] == 1, again
    broken = write(tmp_path / "cut.json", (SHAPES / "mailgun-webhook-bounce.json").read_text()[:700])
    code, cut = import_json(cli, broken)
    assert code == 1 and cut["rejected"] == 1 and cut["rejects"][0]["line"] == 1, cut


def test_a_json_array_of_webhook_payloads(cli: CliRunner) -> None:
    add(cli, "Bo Chen", "bo.chen@example.com")
    add(cli, "Cara Diaz", "cara@example.org")
    code, summary = import_json(cli, SHAPES / "mailgun-webhooks-array.json")
    assert code == 0 and summary["files"][0]["format"] == "mailgun-events", summary
    assert counts(summary) == {"records": 3, "applied": 1, "no_effect": 2, "duplicates": 0, "unmatched": 0,
                               "rejected": 0}
    assert email_state(cli, "bo.chen@example.com") == (True, "spam", "email.complained")
    assert email_state(cli, "cara@example.org")[0] is False


def test_twilio_webhook_logs_of_raw_form_bodies_and_whatsapp(cli: CliRunner) -> None:
    """One form-encoded request body per line (CRLF, a blank line); WhatsApp numbers go to the whatsapp channel."""
    add(cli, "Ann Lee", phone="+14155550100")
    add(cli, "Bo Chen", phone="+14155550101")
    add(cli, "Cara Diaz", phone="+14155550102")
    add(cli, "Fay Ortiz", phone="+14155550105")
    code, summary = import_json(cli, SHAPES / "twilio-webhooks.log")
    assert code == 0 and summary["files"][0]["format"] == "twilio-form", summary
    assert counts(summary) == {"records": 7, "applied": 3, "no_effect": 4, "duplicates": 0, "unmatched": 0,
                               "rejected": 0}
    assert summary["possible_opt_outs"] == 1
    assert email_state(cli, "+14155550100", "sms") == (True, "permanent", "sms.opt_out_keyword")
    assert email_state(cli, "+14155550101", "whatsapp") == (True, "permanent", "sms.opt_out_keyword")
    assert email_state(cli, "+14155550101", "sms")[0] is False
    assert email_state(cli, "+14155550102", "sms") == (True, "permanent", "sms.error_30004")
    code, again = import_json(cli, SHAPES / "twilio-webhooks.log")
    assert again["duplicates"] == 7, again
    forced = cli("import", SHAPES / "twilio-webhooks.log", "--format", "twilio-form", "--json")
    assert forced.code == 0 and forced.json["duplicates"] == 7, str(forced)


def test_legacy_v2_suppression_pages(cli: CliRunner) -> None:
    """`{"total_count", "items"}` without `paging`; two unsubscribes of one address at one time (tags `*` and
    `tag1`) are two records, not a duplicate."""
    add(cli, "Baz", "'baz@example.com")
    add(cli, "Bob", "bob@example.com")
    code, summary = import_json(cli, REAL / "mailgun-v2-bounces-page.json", REAL / "mailgun-v2-unsubscribes-page.json")
    assert code == 0, summary
    assert [f["format"] for f in summary["files"]] == ["mailgun-bounces", "mailgun-unsubscribes"]
    assert counts(summary) == {"records": 5, "applied": 3, "no_effect": 0, "duplicates": 0, "unmatched": 2,
                               "rejected": 0}
    assert email_state(cli, "'baz@example.com") == (True, "temporary", "email.suppress-bounce")
    assert email_state(cli, "bob@example.com") == (True, "temporary", "email.unsubscribed")
    code, again = import_json(cli, REAL / "mailgun-v2-unsubscribes-page.json")
    assert again["duplicates"] == 4, again


# 4. Dates that cannot reorder a STOP and a START -----------------------------------------------------------------


def test_records_dated_out_of_range_are_rejected_whatever_the_format(cli: CliRunner, tmp_path: Path) -> None:
    """RULES.md: before 2000-01-01 or more than 24 hours after the import started: "date out of range"."""
    add(cli, "Ann", "ann@example.com", "+14155550100")
    soon = datetime.now(UTC) + timedelta(hours=20)
    later = datetime.now(UTC) + timedelta(hours=25)
    twilio = write(
        tmp_path / "messages.csv",
        "From,To,Body,Status,SentDate,ApiVersion,NumSegments,ErrorCode,AccountSid,Sid,Direction,Price,PriceUnit\n"
        "+14155550100,+14155559000,STOP,received,2024-03-01T10:00:00Z,2010-04-01,1,,ACa,SM01,inbound,,USD\n"
        "+14155550100,+14155559000,START,received,9999-12-31T23:59:59Z,2010-04-01,1,,ACa,SM02,inbound,,USD\n"
        "+14155550100,+14155559000,START,received,1969-12-31 23:59:59,2010-04-01,1,,ACa,SM03,inbound,,USD\n"
        f'+14155550100,+14155559000,START,received,"{later:%a, %d %b %Y %H:%M:%S} +0000",2010-04-01,1,,ACa,SM04,'
        "inbound,,USD\n"
        f"+14155550100,+14155559000,Hi,received,{soon:%Y-%m-%dT%H:%M:%S}Z,2010-04-01,1,,ACa,SM05,inbound,,USD\n",
    )
    bounces = write(
        tmp_path / "bounces.csv",
        "address,code,error,created_at\n"
        "ann@example.com,550,No such user,\"Fri, 31 Dec 1999 23:59:59 GMT\"\n"
        "ann@example.com,550,No such user,\"Sat, 01 Jan 2000 00:00:00 GMT\"\n",
    )
    events = write(
        tmp_path / "events.jsonl",
        '{"id": "e1", "event": "complained", "timestamp": -5.25, "recipient": "ann@example.com"}\n'
        '{"id": "e2", "event": "complained", "timestamp": 946684799, "recipient": "ann@example.com"}\n'
        '{"id": "e3", "event": "complained", "timestamp": "1e20", "recipient": "ann@example.com"}\n'
        '{"id": "e4", "event": "complained", "timestamp": 253402300799.0, "recipient": "ann@example.com"}\n',
    )
    page = write(
        tmp_path / "page.json",
        json.dumps({"messages": [{"sid": "SM10", "from": "+14155550100", "to": "+14155559000", "body": "START",
                                  "status": "received", "direction": "inbound",
                                  "date_sent": "Mon, 01 Jan 1990 00:00:00 +0000"}]}),
    )
    code, summary = import_json(cli, twilio, bounces, events, page)
    assert code == 1, summary
    out_of_range = {(Path(r["file"]).name, r["line"]) for r in summary["rejects"] if r["error"] == "date out of range"}
    assert out_of_range == {("messages.csv", 3), ("messages.csv", 4), ("messages.csv", 5), ("bounces.csv", 2),
                            ("events.jsonl", 1), ("events.jsonl", 2), ("events.jsonl", 4), ("page.json", 1)}
    assert {(Path(r["file"]).name, r["line"]) for r in summary["rejects"]} - out_of_range == {("events.jsonl", 3)}
    assert (summary["rejected"], summary["applied"], summary["no_effect"]) == (9, 2, 1), summary
    assert email_state(cli, "+14155550100", "sms") == (True, "permanent", "sms.opt_out_keyword")
    assert email_state(cli, "ann@example.com") == (True, "temporary", "email.suppress-bounce")


def test_dates_out_of_range_are_rejected_also_when_a_file_is_split_across_processes(
    cli: CliRunner, tmp_path: Path, monkeypatch: Any
) -> None:
    """The parsing processes of a big plain export check dates against the same import start."""
    import console.importers.ranges as ranges

    monkeypatch.setattr(ranges, "MIN_SPLIT_BYTES", 0)
    monkeypatch.setenv("DND_CONSOLE_IMPORT_WORKERS", "2")
    add(cli, "Ann", "ann@example.com", "+14155550100")
    header = "From,To,Body,Status,SentDate,ApiVersion,NumSegments,ErrorCode,AccountSid,Sid,Direction,Price,PriceUnit\n"
    rows = [f"+14155559000,+14155550100,hi,delivered,2024-03-01T10:{n % 60:02d}:00Z,2010-04-01,1,,ACa,SM{n:04d},"
            "outbound-api,,USD\n" for n in range(300)]
    rows[250] = "+14155550100,+14155559000,START,received,1999-12-31T23:00:00Z,2010-04-01,1,,ACa,SMold,inbound,,\n"
    twilio = write(tmp_path / "messages.csv", header + "".join(rows))
    lines = [json.dumps({"id": f"m{n}", "event": "delivered", "timestamp": 1709287200 + n,
                         "recipient": "ann@example.com"}) for n in range(300)]
    lines[40] = json.dumps({"id": "old", "event": "complained", "timestamp": 0, "recipient": "ann@example.com"})
    events = write(tmp_path / "events.jsonl", "\n".join(lines) + "\n")
    code, summary = import_json(cli, twilio, events)
    assert code == 1, summary
    assert [(Path(r["file"]).name, r["line"], r["error"]) for r in summary["rejects"]] == [
        ("messages.csv", 252, "date out of range"),
        ("events.jsonl", 41, "date out of range"),
    ]
    assert (summary["records"], summary["no_effect"], summary["rejected"]) == (600, 598, 2), summary


# 5. Opt-in strict, opt-out generous --------------------------------------------------------------------------------


def test_opt_in_keywords_are_strict_and_opt_out_keywords_generous(cli: CliRunner, tmp_path: Path) -> None:
    add(cli, "Ann", phone="+14155550100")
    add(cli, "Bo", phone="+14155550101")
    add(cli, "Cara", phone="+14155550102")
    header = "From,To,Body,Status,SentDate,ApiVersion,NumSegments,ErrorCode,AccountSid,Sid,Direction,Price,PriceUnit\n"

    def row(sender: str, body: str, minute: int, sid: str) -> str:
        when = f"2024-03-01T10:{minute:02d}:00Z"
        return f"{sender},+14155559000,{body},received,{when},2010-04-01,1,,ACa,{sid},inbound,,\n"

    rows = [
        row("+14155550100", "STOP", 0, "SM1"),
        row("+14155550100", "ſtart", 1, "SM2"),
        row("+14155550100", "ﬅart", 2, "SM3"),
        row("+14155550100", "ＳＴＡＲＴ", 3, "SM4"),
        row("+14155550101", "ＳＴＯＰ", 0, "SM5"),
        row("+14155550102", "Stop!", 0, "SM6"),
        row("+14155550102", "Start.", 5, "SM7"),
    ]
    path = tmp_path / "messages.csv"
    path.write_text(header + "".join(rows), encoding="utf-8")
    code, summary = import_json(cli, path)
    assert code == 0, summary
    assert summary["no_effect_by_label"].get("inbound/other") == 3, summary
    assert email_state(cli, "+14155550100", "sms") == (True, "permanent", "sms.opt_out_keyword")
    assert email_state(cli, "+14155550101", "sms") == (True, "permanent", "sms.opt_out_keyword")
    assert email_state(cli, "+14155550102", "sms")[0] is False  # "Stop!" opted out, plain "Start." lifted it
    history = cli.ok("history", "+14155550102", "--json").json
    assert [(e["reason"], e["after"]["dnd"]) for e in history if e["channel"] == "sms"] == [
        ("sms.opt_out_keyword", True),
        ("sms.opt_in_keyword", False),
    ]


# 6. (JSON shape) non-object records inside an `items` array ----------------------------------------------------


def test_non_object_records_inside_items_are_rejected_with_their_record_number(cli: CliRunner, tmp_path: Path) -> None:
    add(cli, "Ann", "ann@example.com")
    good = {"id": "g1", "event": "complained", "timestamp": 1709287200.5, "recipient": "ann@example.com"}
    items = [1, "two", None, [4], good, True, {"nested": [5]}, 8.5]
    whole = write(tmp_path / "page.json", json.dumps({"items": items, "paging": {}}))
    cut = write(tmp_path / "cut.json", json.dumps({"items": [*items, good], "paging": {}})[:-30])  # streamed
    for path in (whole, cut):
        code, summary = import_json(cli, path)
        assert code == 1, summary
        lines = sorted(r["line"] for r in summary["rejects"])
        assert lines[:7] == [1, 2, 3, 4, 6, 7, 8], summary
        assert all(r["error"] in ("record is not a JSON object", "event missing") or "truncated" in r["error"]
                   for r in summary["rejects"]), summary
        assert summary["records"] == summary["applied"] + summary["duplicates"] + summary["rejected"], summary
    assert email_state(cli, "ann@example.com") == (True, "spam", "email.complained")
