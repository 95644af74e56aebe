"""RULES.md "Bulk changes and undo", rule by rule, through the command line (both backends)."""

from __future__ import annotations

from pathlib import Path

from tests.cli.clitools import CliRunner, assert_user_error, write

SAMPLES = Path("/work/shared/samples")


def add(cli: CliRunner, n: int, email: str | None = None, phone: str | None = None) -> int:
    args = ["contacts", "add", "--name", f"C{n}", "--json"]
    args += ["--email", email or f"c{n}@example.com"]
    args += ["--phone", phone] if phone else []
    return int(cli.ok(*args).json["id"])


def state(cli: CliRunner, cid: int, channel: str) -> dict:
    [row] = cli.ok("status", cid, "--json").json["contacts"]
    return row["channels"][channel]


def stop_sms(cli: CliRunner, tmp_path: Path, phone: str) -> int:
    """A Twilio export with an inbound STOP from ``phone``: a permanent, locked SMS DND."""
    header = "Sid,From,To,Body,Status,SentDate,ApiVersion,NumSegments,ErrorCode,AccountSid,Direction,Price,PriceUnit\n"
    row = f"SM{'1' * 32},{phone},+15005550006,STOP,received,2024-03-01T10:00:00Z,2010-04-01,1,"
    row += f",AC{'2' * 32},inbound,,USD\n"
    return int(cli.ok("import", write(tmp_path / "twilio.csv", header + row), "--json").json["batch"])


def test_bulk_change_needs_a_note(cli: CliRunner) -> None:
    a, b = add(cli, 1), add(cli, 2)
    assert_user_error(cli("set", a, b, "--channel", "email", "--on"), 2, "note")
    assert not state(cli, a, "email")["dnd"]


def test_bulk_from_file_needs_a_note_too(cli: CliRunner, tmp_path: Path) -> None:
    add(cli, 1)
    assert_user_error(
        cli("set", "--from-file", write(tmp_path / "f.txt", "c1@example.com\n"), "--channel", "email", "--on"), 2
    )


def test_bulk_change_is_one_batch_with_the_cli_shape(cli: CliRunner) -> None:
    ids = [add(cli, n) for n in range(3)]
    out = cli.ok("set", *ids, "--channel", "email", "--on", "--note", "asked", "--json").json
    assert isinstance(out["batch"], int)
    assert out["contacts"] == 3 and out["changed"] == 3 and out["unchanged"] == 0
    assert out["refused"] == [] and out["unknown"] == []
    assert out["per_channel"] == {"email": {"changed": 3, "unchanged": 0, "refused": 0}}
    entries = [e for i in ids for e in cli.ok("history", i, "--json").json]
    assert len(entries) == 3 and all(e["reason"] == "manual" for e in entries)


def test_preview_counts_equal_the_real_runs(cli: CliRunner, tmp_path: Path) -> None:
    ids = [add(cli, n, phone=f"+1415555010{n}") for n in range(4)]
    cli.ok("set", ids[0], "--channel", "sms", "--on")
    stop_sms(cli, tmp_path, "+14155550101")
    args = ("set", *ids, "unknown@example.com", "--channel", "all", "--off", "--note", "cleanup", "--json")
    preview = cli(*args, "--dry-run")
    real = cli(*args)
    assert preview.code == real.code == 1
    assert preview.json["batch"] is None and isinstance(real.json["batch"], int)
    assert {k: v for k, v in preview.json.items() if k != "batch"} == {
        k: v for k, v in real.json.items() if k != "batch"
    }
    counts = real.json
    assert counts["changed"] + counts["unchanged"] + len(counts["refused"]) == counts["contacts"] * 6


def test_dry_run_changes_nothing(cli: CliRunner) -> None:
    a, b = add(cli, 1), add(cli, 2)
    before = cli.ok("history", a, "--json").json
    result = cli("set", a, b, "--channel", "email", "--on", "--note", "n", "--dry-run", "--json")
    assert result.code == 0 and result.json["batch"] is None and result.json["changed"] == 2
    assert not state(cli, a, "email")["dnd"] and not state(cli, b, "email")["dnd"]
    assert cli.ok("history", a, "--json").json == before


def test_locked_channels_stay_locked_and_reported(cli: CliRunner, tmp_path: Path) -> None:
    a = add(cli, 1, phone="+14155550111")
    b = add(cli, 2, phone="+14155550112")
    cli.ok("set", b, "--channel", "sms", "--on")
    stop_sms(cli, tmp_path, "+14155550111")
    result = cli("set", a, b, "--channel", "sms", "--off", "--note", "lift all", "--json")
    assert result.code == 1
    assert result.json["refused"] == [{"contact": a, "channel": "sms", "reason": "locked: sms.opt_out_keyword"}]
    assert result.json["changed"] == 1
    assert state(cli, a, "sms")["dnd"] and state(cli, a, "sms")["kind"] == "permanent"
    assert not state(cli, b, "sms")["dnd"]


def test_refused_and_unknown_do_not_stop_the_batch(cli: CliRunner, tmp_path: Path) -> None:
    a = add(cli, 1, phone="+14155550121")
    b = add(cli, 2)
    stop_sms(cli, tmp_path, "+14155550121")
    cli.ok("set", a, "--channel", "email", "--on")
    result = cli("set", a, b, "nobody@example.com", "99999", "--channel", "email", "--off", "--note", "n", "--json")
    assert result.code == 1
    assert result.json["unknown"] == ["99999", "nobody@example.com"]
    assert result.json["changed"] == 1 and result.json["unchanged"] == 1
    assert not state(cli, a, "email")["dnd"]


def test_from_file_lines_and_csv_rules(cli: CliRunner, tmp_path: Path) -> None:
    a = add(cli, 1, phone="+14155550131")
    b = add(cli, 2)
    c = add(cli, 3)
    lines = write(tmp_path / "refs.txt", f"C1@Example.com\n\n{b}\n")
    out = cli.ok("set", "--from-file", lines, "--channel", "email", "--on", "--note", "n", "--json").json
    assert out["contacts"] == 2 and out["changed"] == 2
    table = write(tmp_path / "refs.csv", f"name,phone,email,id\nx,,c1@example.com,{c}\ny,+14155550131,,\n\n")
    out = cli.ok("set", "--from-file", table, "--channel", "email", "--on", "--note", "n", "--json").json
    assert out["contacts"] == 2 and out["changed"] == 1 and out["unchanged"] == 1  # id wins over email, then phone
    assert state(cli, c, "email")["dnd"] and state(cli, a, "email")["dnd"]


def test_single_contact_set_keeps_its_shape(cli: CliRunner) -> None:
    a = add(cli, 1)
    out = cli.ok("set", a, "--channel", "email", "--on", "--json").json
    assert out == {"results": [{"contact": a, "changed": ["email"], "unchanged": [], "refused": []}]}


def test_undo_reverts_only_what_is_still_in_effect(cli: CliRunner) -> None:
    a, b, c = add(cli, 1), add(cli, 2), add(cli, 3)
    cli.ok("set", c, "--channel", "email", "--on")
    batch = cli.ok("set", a, b, c, "--channel", "email", "--on", "--note", "n", "--json").json["batch"]
    cli.ok("set", b, "--channel", "email", "--off")  # changed since
    out = cli.ok("undo", batch, "--json").json
    assert out["undid"] == batch and out["batch"] != batch and out["reverted"] == 1
    assert out["left"] == [{"contact": b, "channel": "email", "reason": "changed since"}]
    assert not state(cli, a, "email")["dnd"] and not state(cli, b, "email")["dnd"]
    assert state(cli, c, "email")["dnd"]  # already DND before the batch: the batch did not change it


def test_undo_of_a_lift_sets_the_dnd_again(cli: CliRunner) -> None:
    a, b = add(cli, 1), add(cli, 2)
    cli.ok("set", a, b, "--channel", "email", "--on", "--note", "n")
    batch = cli.ok("set", a, b, "--channel", "email", "--off", "--note", "lift", "--json").json["batch"]
    assert cli.ok("undo", batch, "--json").json["reverted"] == 2
    assert state(cli, a, "email")["dnd"] and state(cli, a, "email")["kind"] == "manual"


def test_undo_never_lifts_permanent_or_spam(cli: CliRunner, tmp_path: Path) -> None:
    a = add(cli, 1, email="fay@example.com", phone="+14155550141")
    stop = stop_sms(cli, tmp_path, "+14155550141")
    complaints = write(
        tmp_path / "complaints.csv", 'address,created_at\nfay@example.com,"Fri, 01 Mar 2024 13:00:00 GMT"\n'
    )
    complaint = cli.ok("import", complaints, "--json").json["batch"]
    assert state(cli, a, "sms")["kind"] == "permanent" and state(cli, a, "email")["kind"] == "spam"
    for batch in (stop, complaint):
        out = cli.ok("undo", batch, "--json").json
        assert out["reverted"] == 0 and out["left"] and {r["reason"] for r in out["left"]} == {"locked"}
    assert state(cli, a, "sms")["kind"] == "permanent" and state(cli, a, "email")["kind"] == "spam"


def test_undo_twice_reverts_nothing_the_second_time(cli: CliRunner) -> None:
    a, b = add(cli, 1), add(cli, 2)
    batch = cli.ok("set", a, b, "--channel", "email", "--on", "--note", "n", "--json").json["batch"]
    assert cli.ok("undo", batch, "--json").json["reverted"] == 2
    history = cli.ok("history", a, "--json").json
    second = cli.ok("undo", batch, "--json").json
    assert second["reverted"] == 0 and {r["reason"] for r in second["left"]} == {"already undone"}
    assert cli.ok("history", a, "--json").json == history


def test_undo_is_itself_a_batch_that_can_be_undone(cli: CliRunner) -> None:
    a = add(cli, 1)
    batch = cli("set", a, "2", "--channel", "email", "--on", "--note", "n", "--json").json
    undo = cli.ok("undo", batch["batch"], "--json").json
    assert not state(cli, a, "email")["dnd"]
    again = cli.ok("undo", undo["batch"], "--json").json
    assert again["reverted"] == 1 and state(cli, a, "email")["dnd"]


def test_undo_of_an_import_batch(cli: CliRunner) -> None:
    if not (SAMPLES / "contacts.csv").is_file():
        import pytest

        pytest.skip("samples not found")
    cli.ok("import", SAMPLES / "contacts.csv")
    batch = cli.ok("import", SAMPLES / "twilio-messages.csv", SAMPLES / "mailgun-bounces.csv", "--json").json["batch"]
    out = cli.ok("undo", batch, "--json").json
    assert out["undid"] == batch
    reasons = {r["reason"] for r in out["left"]}
    assert "locked" in reasons  # the STOP stays
    assert "provider_clearance_required" in reasons  # a bounce lifts only once the provider cleared it
    locked = [r for r in out["left"] if r["reason"] == "locked"]
    for row in locked:
        assert state(cli, row["contact"], row["channel"])["dnd"]
    assert out["reverted"] >= 1
    assert cli.ok("undo", batch, "--json").json["reverted"] == 0


def test_undo_of_an_unknown_batch_is_not_found(cli: CliRunner) -> None:
    result = cli("undo", "4242")
    assert result.code != 0 and "4242" in result.stderr
