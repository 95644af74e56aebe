"""``contacts edit`` (a new address applies the events kept for it) and ``audit log`` (CLI.md, revision 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .clitools import CliRunner, assert_user_error, db_user, write

STOP_CSV = (
    "From,To,Body,Status,SentDate,ApiVersion,NumSegments,ErrorCode,AccountSid,Sid,Direction,Price,PriceUnit\n"
    "+14155550199,+14155559000,STOP,received,2024-03-01T10:05:00Z,2010-04-01,1,,ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,"
    "SM0a1b2c3d4e5f60718293a4b5c6d7e8f90,inbound,-0.0079,USD\n"
)


def sms(cli: CliRunner, ref: str) -> dict:
    [row] = cli.ok("status", ref, "--json").json["contacts"]
    return row["channels"]["sms"]


def test_contacts_edit_new_phone_applies_the_kept_stop(cli: CliRunner, tmp_path: Path) -> None:
    cid = cli.ok("contacts", "add", "--name", "Ann", "--phone", "+14155550100", "--json").json["id"]
    cli("import", write(tmp_path / "stop.csv", STOP_CSV))  # +14155550199 is nobody's yet: kept, unmatched
    assert not sms(cli, str(cid))["dnd"]
    edited = cli.ok("contacts", "edit", str(cid), "--phone", "(415) 555-0199", "--json").json
    assert edited["readdressed"] and edited["contact"]["phone"] == "+14155550199"
    assert edited["contact"]["channels"]["sms"]["kind"] == "permanent"
    assert sms(cli, "+14155550199")["locked"]
    text = cli.ok("contacts", "edit", str(cid), "--name", "Ann Lee").stdout
    assert "Ann Lee" in text and "+14155550199" in text


def test_contacts_edit_refusals(cli: CliRunner) -> None:
    cli.ok("contacts", "add", "--name", "Ann", "--email", "ann@example.com")
    cli.ok("contacts", "add", "--name", "Ann (work)", "--email", "ann@example.com")
    assert_user_error(cli("contacts", "edit", "ann@example.com", "--name", "X"), 2, "several contacts")
    assert_user_error(cli("contacts", "edit", "1"), 2, "nothing to edit")
    assert_user_error(cli("contacts", "edit", "1", "--email", "nope"), 2)
    assert_user_error(cli("contacts", "edit", "99", "--name", "X"), 2, "no contact")


def test_audit_log_lists_administrative_entries_with_who_and_when(cli: CliRunner, db_url: str) -> None:
    me = db_user(db_url) or "tester"
    cli.ok("contacts", "add", "--name", "Ann", "--phone", "+14155550100")
    cli.ok("locations", "add", "North", "--channels", "email,sms")
    cli.ok("locations", "disconnect", "North", "sms")
    cli.ok("set", "+14155550100", "--channel", "sms", "--on")  # about one contact: not in the log
    cli.ok("agents", "add", me, "--role", "admin")
    entries = cli.ok("audit", "log", "--json").json["entries"]
    assert [e["reason"] for e in entries] == ["location.added", "location.disconnected", "agent.added"]
    assert all(set(e) == {"id", "at", "actor", "reason", "detail"} and e["actor"] == me for e in entries)
    assert entries[1]["detail"] == {"channels": "sms"}
    since = cli.ok("audit", "log", "--since", entries[2]["at"], "--json").json["entries"]
    assert [e["reason"] for e in since] == ["agent.added"]
    assert "location.disconnected" in cli.ok("audit", "log").stdout
    assert cli.ok("audit", "log", "--since", "2999-01-01").stdout.strip() == "no entries since 2999-01-01"
    assert_user_error(cli("audit", "log", "--since", "soon"), 2, "not a date")


def test_connect_needs_admin_once_an_admin_exists(sqlite_cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    cli = sqlite_cli
    monkeypatch.setenv("DND_CONSOLE_ACTOR", "boss")
    cli.ok("agents", "add", "boss", "--role", "admin")
    monkeypatch.setenv("DND_CONSOLE_ACTOR", "ana")
    assert_user_error(cli("locations", "disconnect", "Default", "sms"), 1, "only an admin")
    assert_user_error(cli("locations", "add", "North"), 1, "only an admin")
    assert "sms" in cli.ok("locations", "list", "--json").json["locations"][0]["connected"]
    monkeypatch.setenv("DND_CONSOLE_ACTOR", "boss")
    cli.ok("locations", "disconnect", "Default", "sms")
    assert [e["actor"] for e in cli.ok("audit", "log", "--json").json["entries"]] == ["boss", "boss"]
