"""``history`` (ledger entries in order of occurrence, before/after) and ``audit verify`` (the hash chain)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from .clitools import HISTORY_KEYS, STATE_KEYS, CliRunner, Result, count, db_user, sql


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_history_json_shape(cli: CliRunner, db_url: str) -> None:
    cid = cli.ok("contacts", "add", "--name", "Ann", "--email", "ann@example.com", "--json").json["id"]
    assert cli.ok("history", cid, "--json").json == []
    cli.ok("set", cid, "--channel", "email", "--on", "--note", "asked by phone")
    cli.ok("set", cid, "--channel", "email", "--off")
    rows = cli.ok("history", cid, "--json").json
    assert isinstance(rows, list) and len(rows) == 2
    for row in rows:
        assert set(row) >= HISTORY_KEYS
        assert set(row["before"]) == STATE_KEYS and set(row["after"]) == STATE_KEYS
        assert row["channel"] == "email" and row["source"] == "agent"
        assert row["actor"] == (db_user(db_url) or "tester")
        assert isinstance(row["event"], int)
        assert row["at"].endswith("Z") and row["recorded_at"].endswith("Z")
    first, second = rows
    assert first["before"] == {"dnd": False, "kind": None, "reason": None}
    assert first["after"] == {"dnd": True, "kind": "manual", "reason": "manual"}
    assert second["before"] == first["after"]
    assert second["after"] == {"dnd": False, "kind": None, "reason": None}
    assert first["event"] < second["event"]
    assert when(first["at"]) <= when(second["at"])


def test_history_is_in_order_of_occurrence_not_of_import(imported: CliRunner, db_url: str) -> None:
    rows = imported.ok("history", "ann.lee@example.com", "--json").json
    # the actor of an imported entry is the agent who ran the import
    assert {r["actor"] for r in rows} == {db_user(db_url) or "tester"}
    times = [when(r["at"]) for r in rows]
    assert times == sorted(times)
    # the bounces CSV was imported before the events page, but its record happened a second later
    assert [r["event"] for r in rows] != sorted(r["event"] for r in rows)
    sms = [r for r in rows if r["channel"] == "sms"]
    assert [(r["reason"], r["after"]["dnd"]) for r in sms] == [
        ("sms.opt_out_keyword", True),
        ("sms.opt_in_keyword", False),
    ]
    assert sms[0]["after"]["kind"] == "permanent" and sms[1]["before"]["kind"] == "permanent"
    assert {r["source"] for r in rows} == {"mailgun", "twilio"}
    email = [r for r in rows if r["channel"] == "email"]
    assert email[0]["before"]["dnd"] is False and email[0]["after"] == {
        "dnd": True,
        "kind": "temporary",
        "reason": "email.bounce",
    }
    # a weaker or equal event is recorded but keeps the state
    assert all(r["after"] == email[0]["after"] for r in email)


def test_history_human_output(imported: CliRunner) -> None:
    out = imported.ok("history", "bo.chen@example.com").stdout
    assert "Bo Chen" in out and "sms.opt_out_keyword" in out


def make_entries(cli: CliRunner) -> int:
    """A few ledger entries through the CLI; returns how many the chain holds."""
    cid = cli.ok("contacts", "add", "--name", "Ann", "--email", "ann@example.com", "--json").json["id"]
    for turn in ("--on", "--off", "--on"):
        cli.ok("set", cid, "--channel", "email", turn)
    cli.ok("set", cid, "--channel", "sms", "--on")
    result = cli.ok("audit", "verify")
    match = re.search(r"(\d+) entries", result.stdout)
    assert match, str(result)
    entries = int(match.group(1))
    assert entries >= 4
    return entries


def test_audit_verify_intact(cli: CliRunner) -> None:
    assert cli("audit", "verify").code == 0
    make_entries(cli)
    result = cli("audit", "verify")
    assert result.code == 0 and "intact" in result.stdout


def assert_broken_at(result: Result, entry: int) -> None:
    assert result.code == 1, str(result)
    assert "Traceback" not in result.output
    assert re.search(rf"\bentry {entry}\b", result.output), str(result)


def test_audit_verify_finds_an_altered_row(cli: CliRunner, db_url: str) -> None:
    make_entries(cli)
    sql(db_url, "UPDATE events SET reason = 'x' WHERE id = 3")
    assert_broken_at(cli("audit", "verify"), 3)
    assert cli("audit", "verify", "--json").json["broken_entry"] == 3


@pytest.mark.parametrize("column", ["actor", "at_us", "channel"])
def test_audit_verify_finds_any_altered_column(cli: CliRunner, db_url: str, column: str) -> None:
    make_entries(cli)
    value = {"actor": "'mallory'", "at_us": "at_us + 1", "channel": "'call'"}[column]
    sql(db_url, f"UPDATE events SET {column} = {value} WHERE id = 2")
    assert_broken_at(cli("audit", "verify"), 2)


def test_audit_verify_finds_a_deleted_row(cli: CliRunner, db_url: str) -> None:
    make_entries(cli)
    sql(db_url, "DELETE FROM events WHERE id = 3")
    assert_broken_at(cli("audit", "verify"), 3)


def test_audit_verify_finds_the_last_row_deleted(cli: CliRunner, db_url: str) -> None:
    entries = make_entries(cli)
    [(last,)] = sql(db_url, "SELECT max(id) FROM events")
    assert last == entries
    sql(db_url, "DELETE FROM events WHERE id = :id", id=last)
    assert_broken_at(cli("audit", "verify"), last)


def test_demo_then_audit_verify(cli: CliRunner, db_url: str) -> None:
    stats = cli.ok("demo", "--contacts", "200", "--json").json
    assert stats["contacts"] == 200
    assert count(db_url, "contacts") == 200
    result = cli.ok("audit", "verify")
    assert "intact" in result.stdout
    # records that triggered nothing are kept outside the chain (noop_records); every other event is an entry
    entries = cli.ok("audit", "verify", "--json").json["entries"]
    assert entries > 0 and entries + count(db_url, "noop_records") >= stats["events"]
