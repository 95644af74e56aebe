"""``possible-opt-outs`` (an agent confirms or dismisses) and ``export suppressions`` (spreadsheet-safe)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from console.domain.channels import Channel, DndKind
from console.domain.events import Effect, Event, to_us
from console.store.db import Store
from console.store.ledger import record_events
from console.store.locations import get_location

from .clitools import CliRunner, assert_user_error, db_user, parse_csv

ELI = "+14155550104"
OPT_OUT_KEYS = {"id", "address", "contact_ids", "body", "received_at", "state"}


def pending(cli: CliRunner) -> list[dict]:
    return cli.ok("possible-opt-outs", "list", "--json").json["possible_opt_outs"]


def sms(cli: CliRunner, ref: str) -> dict:
    [row] = cli.ok("status", ref, "--json").json["contacts"]
    return row["channels"]["sms"]


def test_possible_opt_outs_list(imported: CliRunner) -> None:
    cli = imported
    [item] = pending(cli)
    assert set(item) == OPT_OUT_KEYS
    [eli] = cli.ok("status", ELI, "--json").json["contacts"]
    assert item["address"] == ELI and item["contact_ids"] == [eli["id"]]
    assert item["body"] == "please stop texting me"
    assert item["received_at"] == "2024-03-01T12:00:00Z" and item["state"] == "pending"
    out = cli.ok("possible-opt-outs", "list").stdout
    assert "please stop texting me" in out


def test_confirm_is_a_permanent_sms_dnd_dated_at_receipt_by_the_agent(
    imported: CliRunner, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    cli = imported
    [item] = pending(cli)
    monkeypatch.setenv("DND_CONSOLE_ACTOR", "alice")
    cli.ok("possible-opt-outs", "confirm", item["id"])
    state = sms(cli, ELI)
    assert (state["dnd"], state["kind"], state["reason"]) == (True, "permanent", "sms.opt_out_confirmed")
    assert state["since"] == "2024-03-01T12:00:00Z" and state["locked"] is True
    assert cli("check", ELI, "--channel", "sms", "--json").json == {
        "allowed": False,
        "reason": "sms.opt_out_confirmed",
        "kind": "permanent",
    }
    [entry] = [h for h in cli.ok("history", ELI, "--json").json if h["reason"] == "sms.opt_out_confirmed"]
    assert entry["actor"] == (db_user(db_url) or "alice")
    assert entry["at"] == "2024-03-01T12:00:00Z" and entry["channel"] == "sms"
    assert entry["after"] == {"dnd": True, "kind": "permanent", "reason": "sms.opt_out_confirmed"}
    # it leaves the queue; --all still shows it, decided
    assert pending(cli) == []
    [decided] = cli.ok("possible-opt-outs", "list", "--all", "--json").json["possible_opt_outs"]
    assert decided["state"] == "confirmed"
    # an agent cannot lift it
    assert_user_error(cli("set", ELI, "--channel", "sms", "--off"), 1)
    # deciding twice is refused (CLI.md leaves open whether as bad usage or as a refusal)
    for verb in ("confirm", "dismiss"):
        again = cli("possible-opt-outs", verb, item["id"])
        assert_user_error(again, again.code if again.code in (1, 2) else 2, "confirmed")
    assert cli("audit", "verify").code == 0


def test_dismiss_changes_nothing_and_leaves_the_queue(imported: CliRunner) -> None:
    cli = imported
    [item] = pending(cli)
    before = cli.ok("status", ELI, "--json").json
    history = cli.ok("history", ELI, "--json").json
    cli.ok("possible-opt-outs", "dismiss", item["id"])
    assert cli.ok("status", ELI, "--json").json == before
    assert cli.ok("history", ELI, "--json").json == history
    assert cli("check", ELI, "--channel", "sms").code == 0
    assert pending(cli) == []
    [decided] = cli.ok("possible-opt-outs", "list", "--all", "--json").json["possible_opt_outs"]
    assert decided["state"] == "dismissed" and decided["id"] == item["id"]
    assert "no possible opt-outs" in cli.ok("possible-opt-outs", "list").stdout
    assert cli("audit", "verify").code == 0


def test_unknown_possible_opt_out(cli: CliRunner) -> None:
    assert_user_error(cli("possible-opt-outs", "confirm", "999"), 2, "999")
    assert_user_error(cli("possible-opt-outs", "dismiss", "999"), 2, "999")


# --- export suppressions ---


def test_export_email_csv(imported: CliRunner) -> None:
    rows = parse_csv(imported.ok("export", "suppressions", "--channel", "email").stdout)
    assert rows[0] == ["address", "kind", "reason", "since"]
    by_address = {r[0]: r[1:] for r in rows[1:]}
    assert set(by_address) == {"ann.lee@example.com", "bo.chen@example.com", "cara@example.org",
                               "fay@example.com", "old.customer@example.com"}
    assert by_address["old.customer@example.com"] == ["temporary", "email.suppress-bounce", "2022-10-13T18:02:00Z"]
    assert by_address["fay@example.com"][:2] == ["spam", "email.complained"]
    assert by_address["ann.lee@example.com"][:2] == ["temporary", "email.bounce"]


def test_export_email_mailgun(imported: CliRunner) -> None:
    rows = parse_csv(imported.ok("export", "suppressions", "--channel", "email", "--format", "mailgun").stdout)
    assert rows[0] == ["address", "tag", "created_at"]
    by_address = {r[0]: r for r in rows[1:]}
    assert "old.customer@example.com" in by_address and len(by_address) == 5
    old = by_address["old.customer@example.com"]
    assert parsedate_to_datetime(old[2]).isoformat() == "2022-10-13T18:02:00+00:00"


def test_export_to_a_file(imported: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "suppressions.csv"
    result = imported.ok("export", "suppressions", "--channel", "email", "-o", target)
    assert "5" in result.stdout
    assert "old.customer@example.com" in target.read_text(encoding="utf-8")


def test_export_sms_lists_phone_dnd(imported: CliRunner) -> None:
    rows = parse_csv(imported.ok("export", "suppressions", "--channel", "sms").stdout)
    assert rows[0] == ["address", "kind", "reason", "since"]
    reasons = {r[0].lstrip("'"): r[2] for r in rows[1:]}
    assert reasons == {"+14155550101": "sms.opt_out_keyword", "+14155550102": "sms.error_30004",
                       "+14155550105": "sms.error_30006"}


@pytest.mark.parametrize("email", ["=sum(1+1)@example.com", "+promo@example.com", "-2+3@example.com"])
def test_export_never_writes_a_formula(cli: CliRunner, email: str) -> None:
    cid = cli.ok("contacts", "add", "--name", "Formula", "--email", email, "--phone", "4155550100",
                 "--json").json["id"]
    cli.ok("set", cid, "--channel", "all", "--on")
    for channel, fmt, address in (("email", "csv", email), ("sms", "csv", "+14155550100")):
        rows = parse_csv(cli.ok("export", "suppressions", "--channel", channel, "--format", fmt).stdout)
        assert len(rows) == 2
        for cell in rows[1]:
            if re.fullmatch(r"\+[1-9]\d{6,14}", cell):
                continue  # an E.164 number is digits only: no spreadsheet runs it, and Twilio needs it as is
            assert not cell.startswith(("=", "+", "-", "@")), (channel, fmt, rows[1])
        # neutralised, not altered: the address is still there after the guard character
        assert rows[1][0].endswith(address) and len(rows[1][0]) <= len(address) + 1


def test_export_mailgun_format_is_for_email_only(cli: CliRunner) -> None:
    assert_user_error(cli("export", "suppressions", "--channel", "sms", "--format", "mailgun"), 2, "email")


@pytest.mark.parametrize("email", ["+cmd@x.com", "=sum(1+1)@example.com", "-2+3@example.com"])
def test_export_mailgun_writes_addresses_exactly_as_stored(cli: CliRunner, email: str) -> None:
    cid = cli.ok("contacts", "add", "--name", "Exact", "--email", email, "--json").json["id"]
    cli.ok("set", cid, "--channel", "email", "--on")
    [stored] = cli.ok("status", cid, "--json").json["contacts"]
    rows = parse_csv(cli.ok("export", "suppressions", "--channel", "email", "--format", "mailgun").stdout)
    assert rows[0] == ["address", "tag", "created_at"]
    assert [row[0] for row in rows[1:]] == [stored["email"]]  # for Mailgun: no guard character, no other address
    assert stored["email"].startswith(email[0])
    spreadsheet = parse_csv(cli.ok("export", "suppressions", "--channel", "email", "--format", "csv").stdout)
    assert spreadsheet[1][0] == "'" + stored["email"]  # csv stays formula-safe


MOMENTS = [
    datetime(999, 5, 1, 8, 30, tzinfo=UTC),
    datetime(1969, 7, 20, 20, 17, 40, 500000, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
]


@pytest.mark.parametrize("moment", MOMENTS)
def test_export_dates_have_four_digit_years(cli: CliRunner, db_url: str, moment: datetime) -> None:
    """Whatever date the store holds, ``since`` is ISO 8601 with a four-digit year and created_at is RFC 2822."""
    cli.ok("contacts", "add", "--name", "Old", "--email", "old@example.com")
    store = Store(db_url)
    try:
        with store.write() as session:
            location_id = get_location(session, None).id
            event = Event(
                source="mailgun",
                key="old-1",
                at_us=to_us(moment),
                channel=Channel.EMAIL,
                effect=Effect.SET,
                kind=DndKind.PERMANENT,
                reason="email.bounce",
                address="old@example.com",
            )
            record_events(session, location_id, [event], "tester")
    finally:
        store.dispose()
    [row] = parse_csv(cli.ok("export", "suppressions", "--channel", "email").stdout)[1:]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", row[3]), row
    assert datetime.fromisoformat(row[3].replace("Z", "+00:00")) == moment
    [mailgun] = parse_csv(cli.ok("export", "suppressions", "--channel", "email", "--format", "mailgun").stdout)[1:]
    assert f" {moment.year:04d} " in mailgun[2] and parsedate_to_datetime(mailgun[2]) == moment.replace(microsecond=0)
