"""``import``: the worked example of EXPECTED.md, idempotent re-imports, the summary and its exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from .clitools import CONTACTS_SUMMARY_KEYS, EVENT_SUMMARY_KEYS, CliRunner, assert_user_error, count, write

#: contact -> how to name it on the command line
REFS = {
    "Ann Lee": "ann.lee@example.com",
    "Bo Chen": "bo.chen@example.com",
    "Cara Diaz": "cara@example.org",
    "Dev Patel": "dev.patel@example.net",
    "Eli Novak": "+14155550104",
    "Fay Ortiz": "fay@example.com",
}
#: EXPECTED.md: (email, sms, status); every other channel is off
EXPECTED = {
    "Ann Lee": (("temporary", "email.bounce"), None, "partial"),
    "Bo Chen": (("spam", "email.suppress-complaint"), ("permanent", "sms.opt_out_keyword"), "partial"),
    "Cara Diaz": (("temporary", "email.unsubscribed"), ("permanent", "sms.error_30004"), "partial"),
    "Dev Patel": (None, None, "off"),
    "Eli Novak": (None, None, "off"),
    "Fay Ortiz": (("spam", "email.complained"), ("temporary", "sms.error_30006"), "partial"),
}
FORMATS = {
    "contacts.csv": "contacts",
    "mailgun-bounces.csv": "mailgun-bounces",
    "mailgun-complaints.csv": "mailgun-complaints",
    "mailgun-unsubscribes.csv": "mailgun-unsubscribes",
    "mailgun-events-page.json": "mailgun-events",
    "mailgun-webhooks.jsonl": "mailgun-events",
    "twilio-messages.csv": "twilio-csv",
    "twilio-messages-page.json": "twilio-json",
}
COUNTS = ("records", "applied", "no_effect", "duplicates", "unmatched", "rejected", "possible_opt_outs")


def sample_files(samples: Path) -> list[Path]:
    files = sorted(p for p in samples.iterdir() if p.name in FORMATS)
    assert len(files) == len(FORMATS)
    return files


def event_files(samples: Path) -> list[Path]:
    return [p for p in sample_files(samples) if p.name != "contacts.csv"]


def contact_rows(cli: CliRunner) -> dict[str, dict]:
    rows = {}
    for name, ref in REFS.items():
        [row] = cli.ok("status", ref, "--json").json["contacts"]
        rows[name] = row
    return rows


def snapshot(cli: CliRunner) -> tuple[object, ...]:
    """Everything an import can change that an agent sees."""
    return (
        contact_rows(cli),
        cli.ok("export", "suppressions", "--channel", "email").stdout,
        cli.ok("export", "suppressions", "--channel", "sms").stdout,
        cli.ok("possible-opt-outs", "list", "--all", "--json").json,
    )


def assert_expected_state(cli: CliRunner) -> None:
    rows = contact_rows(cli)
    for name, (email, sms, status) in EXPECTED.items():
        row = rows[name]
        assert row["name"] == name
        assert row["status"] == status, name
        for channel, state in row["channels"].items():
            want = {"email": email, "sms": sms}.get(channel)
            got = (state["kind"], state["reason"]) if state["dnd"] else None
            assert got == want, f"{name} {channel}: {state}"
            assert state["locked"] == (state["kind"] in ("permanent", "spam"))
    # a weaker or equal event keeps the start time: Ann's first bounce
    assert rows["Ann Lee"]["channels"]["email"]["since"] == "2024-03-01T10:00:00.375624Z"
    assert rows["Bo Chen"]["channels"]["sms"]["since"] == "2024-03-02T19:00:00Z"
    assert rows["Bo Chen"]["channels"]["sms"]["source"] == "twilio"
    assert rows["Fay Ortiz"]["channels"]["email"]["source"] == "mailgun"
    # contacts store the normalized addresses
    assert rows["Bo Chen"]["email"] == "bo.chen@example.com"
    assert rows["Ann Lee"]["phone"] == "+14155550100"
    assert rows["Dev Patel"]["phone"] is None and rows["Eli Novak"]["email"] is None


def test_worked_example_in_one_call(cli: CliRunner, samples: Path) -> None:
    # contacts.csv is listed last: the command imports contacts files first
    files = [*event_files(samples), samples / "contacts.csv"]
    result = cli.ok("import", *files, "--json")
    assert result.stderr == ""  # no progress bar when stderr is no terminal
    summary = result.json
    assert set(summary) >= EVENT_SUMMARY_KEYS
    assert {f["path"].rsplit("/", 1)[-1]: f["format"] for f in summary["files"]} == FORMATS
    assert summary["files"][0]["format"] == "contacts"
    assert {k: summary[k] for k in COUNTS} == {
        "records": 20, "applied": 14, "no_effect": 5, "duplicates": 0, "unmatched": 1, "rejected": 0,
        "possible_opt_outs": 1,
    }
    assert summary["records"] == sum(f["records"] for f in summary["files"] if f["format"] != "contacts")
    assert summary["rejects"] == []
    contacts = summary["contacts"]
    assert set(contacts) >= CONTACTS_SUMMARY_KEYS
    assert (contacts["records"], contacts["created"], contacts["rejected"]) == (6, 6, 0)
    assert_expected_state(cli)


@pytest.mark.parametrize("order", ["sorted", "reversed", "shuffled"])
def test_worked_example_one_file_at_a_time(cli: CliRunner, samples: Path, order: str) -> None:
    contacts = cli.ok("import", samples / "contacts.csv", "--json").json
    assert set(contacts) >= CONTACTS_SUMMARY_KEYS
    assert {k: contacts[k] for k in ("records", "created", "updated", "unchanged", "rejected")} == {
        "records": 6, "created": 6, "updated": 0, "unchanged": 0, "rejected": 0,
    }
    files = event_files(samples)
    if order == "reversed":
        files.reverse()
    elif order == "shuffled":
        files = [files[i] for i in (3, 0, 6, 2, 5, 1, 4)]
    totals = dict.fromkeys(COUNTS, 0)
    for path in files:
        summary = cli.ok("import", path, "--json").json
        assert set(summary) >= EVENT_SUMMARY_KEYS and "contacts" not in summary
        assert summary["records"] == sum(summary[k] for k in COUNTS[1:6])
        for key in COUNTS:
            totals[key] += summary[key]
    assert totals == {"records": 20, "applied": 14, "no_effect": 5, "duplicates": 0, "unmatched": 1,
                      "rejected": 0, "possible_opt_outs": 1}
    assert_expected_state(cli)


def test_reimporting_any_file_changes_nothing(imported: CliRunner, samples: Path) -> None:
    cli = imported
    before = snapshot(cli)
    for path in sample_files(samples):
        summary = cli.ok("import", path, "--json").json
        if path.name == "contacts.csv":
            assert (summary["records"], summary["unchanged"], summary["created"], summary["updated"]) == (6, 6, 0, 0)
            continue
        assert summary["records"] > 0
        assert summary["duplicates"] == summary["records"], path.name
        assert summary["applied"] == summary["no_effect"] == summary["unmatched"] == summary["rejected"] == 0
        assert summary["possible_opt_outs"] == 0
    assert snapshot(cli) == before
    summary = cli.ok("import", *event_files(samples), "--json").json
    assert summary["duplicates"] == summary["records"] == 20
    assert snapshot(cli) == before
    assert cli("audit", "verify").code == 0


def test_unmatched_event_applies_to_a_contact_added_later(imported: CliRunner) -> None:
    cli = imported
    cid = cli.ok("contacts", "add", "--name", "Old Customer", "--email", "Old.Customer@example.com",
                 "--json").json["id"]
    [row] = cli.ok("status", cid, "--json").json["contacts"]
    email = row["channels"]["email"]
    assert (email["dnd"], email["kind"], email["reason"]) == (True, "temporary", "email.suppress-bounce")
    assert email["since"] == "2022-10-13T18:02:00Z"
    assert cli("check", cid, "--channel", "email").code == 1


def test_import_human_summary(cli: CliRunner, samples: Path) -> None:
    out = cli.ok("import", *sample_files(samples)).stdout
    assert "14 applied" in out and "1 unmatched" in out and "possible opt-out" in out


BOUNCES_HEADER = "address,code,error,created_at\n"


def test_rejected_records_give_exit_1_and_are_listed(cli: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path / "bounces.csv", BOUNCES_HEADER
                 + 'good@example.com,550,No such mailbox,"Fri, 01 Mar 2024 10:00:01 GMT"\n'
                 + "bad.date@example.com,550,No such mailbox,the day after tomorrow\n"
                 + 'not-an-address,550,No such mailbox,"Fri, 01 Mar 2024 10:00:01 GMT"\n')
    result = cli("import", path, "--json")
    assert result.code == 1, str(result)
    summary = result.json
    assert summary["records"] == 3
    assert summary["rejected"] == 2 and summary["unmatched"] == 1
    assert summary["records"] == sum(summary[k] for k in COUNTS[1:6])
    assert [r["line"] for r in summary["rejects"]] == [3, 4]
    assert all(r["file"].endswith("bounces.csv") and r["error"] for r in summary["rejects"])
    # the good record was kept
    assert "good@example.com" in cli.ok("export", "suppressions", "--channel", "email").stdout
    human = cli("import", path)
    assert human.code == 1 and "rejected" in human.stdout


def test_rejected_contacts_give_exit_1(cli: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path / "people.csv", "first_name,last_name,email,phone\n"
                 "Ann,Lee,ann@example.com,4155550100\nBad,Mail,not an email,\n")
    result = cli("import", path, "--json")
    assert result.code == 1, str(result)
    summary = result.json
    assert set(summary) >= CONTACTS_SUMMARY_KEYS
    assert (summary["records"], summary["created"], summary["rejected"]) == (2, 1, 1)
    assert summary["records"] == sum(summary[k] for k in ("created", "updated", "unchanged", "rejected"))
    assert len(summary["rejects"]) == 1


def assert_nothing_imported(db_url: str) -> None:
    assert count(db_url, "contacts") == 0
    assert count(db_url, "events") == 0
    assert count(db_url, "import_batches") == 0


def test_missing_file_is_bad_usage_and_nothing_is_imported(cli: CliRunner, samples: Path, tmp_path: Path,
                                                           db_url: str) -> None:
    missing = tmp_path / "nope.csv"
    result = cli("import", *sample_files(samples), missing)
    assert_user_error(result, 2, "nope.csv")
    assert_nothing_imported(db_url)


def test_directory_is_bad_usage(cli: CliRunner, samples: Path, tmp_path: Path, db_url: str) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    result = cli("import", samples / "contacts.csv", folder)
    assert_user_error(result, 2, "exports")
    assert_nothing_imported(db_url)


@pytest.mark.parametrize("content", ["hello, world\nthis is no export\n", "", '{"what": "json, but no export"}'])
def test_unknown_format_is_bad_usage(cli: CliRunner, samples: Path, tmp_path: Path, db_url: str,
                                     content: str) -> None:
    path = write(tmp_path / "mystery.txt", content)
    result = cli("import", samples / "contacts.csv", path)
    assert_user_error(result, 2, "mystery.txt")
    assert_nothing_imported(db_url)


def test_unknown_format_name_is_bad_usage(cli: CliRunner, samples: Path, db_url: str) -> None:
    result = cli("import", samples / "contacts.csv", "--format", "excel")
    assert result.code == 2 and "Traceback" not in result.output
    assert_nothing_imported(db_url)


def test_format_override(cli: CliRunner, samples: Path) -> None:
    cli.ok("import", samples / "contacts.csv")
    summary = cli.ok("import", samples / "twilio-messages.csv", "--format", "twilio-csv", "--json").json
    assert summary["files"][0]["format"] == "twilio-csv" and summary["records"] == 6


def test_import_into_an_unknown_location(cli: CliRunner, samples: Path, db_url: str) -> None:
    assert_user_error(cli("import", samples / "contacts.csv", "--location", "Mars"), 2, "Mars")
    assert count(db_url, "contacts") == 0
