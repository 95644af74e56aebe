"""``set --on --until WHEN`` (CLI.md), and ``"until"`` in ``status --json``, ``check --json`` and ``history``."""

from __future__ import annotations

from pathlib import Path

from .clitools import CliRunner, assert_user_error
from .test_check_set import add, channels

STOP = (
    "From,To,Body,Status,SentDate,ApiVersion,NumSegments,ErrorCode,AccountSid,Sid,Direction,Price,PriceUnit\n"
    "+14155550100,+14155559000,STOP,received,2024-03-01T10:05:00Z,2010-04-01,1,,AC1,SM0a,inbound,-0.0079,USD\n"
)


def test_set_until_is_dnd_until_then_and_shows_the_end(cli: CliRunner) -> None:
    cid = add(cli)
    done = cli.ok("set", cid, "--channel", "sms", "--on", "--until", "2031-12-08T09:00:00Z")
    assert "until 8 Dec 2031 09:00 UTC" in done.stdout
    sms = channels(cli, cid)["sms"]
    assert sms["dnd"] is True and sms["kind"] == "manual" and sms["until"] == "2031-12-08T09:00:00Z"
    assert channels(cli, cid)["email"]["until"] is None
    check = cli("check", cid, "--channel", "sms", "--json")
    assert check.code == 1 and check.json == {
        "allowed": False, "reason": "manual", "kind": "manual", "until": "2031-12-08T09:00:00Z"
    }
    assert "until" not in cli("check", cid, "--channel", "email", "--json").json
    at = cli("check", cid, "--channel", "sms", "--at", "2031-12-08T08:59:59Z", "--as-known-now", "--json")
    assert at.code == 1 and at.json["until"] == "2031-12-08T09:00:00Z" and at.json["entries"]
    after = cli("check", cid, "--channel", "sms", "--at", "2031-12-08T09:00:00Z", "--as-known-now", "--json")
    assert after.code == 0 and after.json["allowed"] is True
    later = cli.ok("status", cid, "--at", "2031-12-09", "--as-known-now", "--json").json["contacts"][0]
    assert later["channels"]["sms"]["dnd"] is False
    text = cli.ok("history", cid).stdout
    assert "Manual DND until 8 Dec 2031 09:00" in text
    [entry] = cli.ok("history", cid, "--json").json
    assert entry["after"]["until"] == "2031-12-08T09:00:00Z" and entry["detail"]["until"] == "2031-12-08T09:00:00Z"


def test_set_on_again_moves_or_removes_the_end(cli: CliRunner) -> None:
    cid = add(cli)
    cli.ok("set", cid, "--channel", "call", "--on", "--until", "+3d")
    first = channels(cli, cid)["call"]["until"]
    cli.ok("set", cid, "--channel", "call", "--on", "--until", "+7d")
    moved = channels(cli, cid)["call"]
    assert moved["until"] > first and moved["since"]
    cli.ok("set", cid, "--channel", "call", "--on")
    assert channels(cli, cid)["call"]["dnd"] is True and channels(cli, cid)["call"]["until"] is None
    again = cli.ok("set", cid, "--channel", "call", "--on")
    assert "already DND" in again.stdout


def test_until_on_a_dnd_of_another_kind_is_refused_exit_1(cli: CliRunner, tmp_path: Path) -> None:
    cid = add(cli)
    (tmp_path / "stop.csv").write_text(STOP, encoding="utf-8")
    cli.ok("import", tmp_path / "stop.csv")
    refused = cli("set", cid, "--channel", "sms", "--on", "--until", "+1d")
    assert refused.code == 1 and "only a manual DND can have an end" in refused.stderr
    assert channels(cli, cid)["sms"]["kind"] == "permanent" and channels(cli, cid)["sms"]["until"] is None


def test_an_end_in_the_past_or_unreadable_is_bad_usage_exit_2(cli: CliRunner) -> None:
    cid = add(cli)
    assert_user_error(cli("set", cid, "--channel", "sms", "--on", "--until", "2020-01-01"), 2, "future")
    assert_user_error(cli("set", cid, "--channel", "sms", "--on", "--until", "soonish"), 2, "ISO 8601")
    assert cli("set", cid, "--channel", "sms", "--off", "--until", "+1d").code == 2
    assert cli("set", cid, "--channel", "sms", "--on", "--inbound", "--until", "+1d").code == 2
    assert channels(cli, cid)["sms"]["dnd"] is False


def test_lifting_a_dnd_with_an_end_early(cli: CliRunner) -> None:
    cid = add(cli)
    cli.ok("set", cid, "--channel", "sms", "--on", "--until", "+1w")
    cli.ok("set", cid, "--channel", "sms", "--off")
    assert channels(cli, cid)["sms"]["dnd"] is False
    assert cli.ok("contacts", "list", "--channel", "sms", "--json").json["total"] == 0


def test_bulk_set_until_snoozes_the_channels_that_are_off_and_undo_lifts_them(cli: CliRunner, tmp_path: Path) -> None:
    ann, bo = add(cli), add(cli, "Bo", "bo@example.com", "4155550101")
    cy = add(cli, "Cy", "cy@example.com", "4155550102")
    cli.ok("set", bo, "--channel", "sms", "--on")  # manual, no end: a bulk change leaves it so
    (tmp_path / "stop.csv").write_text(STOP.replace("+14155550100", "+14155550102"), encoding="utf-8")
    cli.ok("import", tmp_path / "stop.csv")  # Cy: permanent, refuses an end
    done = cli("set", ann, bo, cy, "--channel", "sms", "--on", "--until", "+3d", "--note", "holiday", "--json")
    assert done.code == 1, done  # Cy's refusal
    shape = done.json
    assert shape["changed"] == 1 and shape["unchanged"] == 1
    assert [r["reason"] for r in shape["refused"]] == ["not_manual: sms.opt_out_keyword"]
    assert channels(cli, ann)["sms"]["until"] is not None and channels(cli, bo)["sms"]["until"] is None
    undo = cli.ok("undo", shape["batch"], "--json").json
    assert undo["reverted"] == 1
    assert channels(cli, ann)["sms"]["dnd"] is False and channels(cli, bo)["sms"]["dnd"] is True
    assert cli("set", ann, bo, "--channel", "sms", "--on", "--until", "2020-01-01", "--note", "x").code == 2
