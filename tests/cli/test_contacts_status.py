"""``contacts add`` and ``status``: normalized addresses, the --json shape of CLI.md, the status badge."""

from __future__ import annotations

import pytest

from .clitools import CHANNELS, STATUS_CHANNEL_KEYS, STATUS_CONTACT_KEYS, CliRunner, assert_user_error


def status_of(cli: CliRunner, ref: str | int) -> list[dict]:
    return cli.ok("status", ref, "--json").json["contacts"]


def test_contacts_add_prints_the_new_id(cli: CliRunner) -> None:
    result = cli.ok("contacts", "add", "--name", "Ann Lee", "--email", "ann@example.com")
    new_id = result.stdout.strip()
    assert new_id.isdigit()
    assert [c["name"] for c in status_of(cli, new_id)] == ["Ann Lee"]


def test_contacts_add_json_is_the_id_only(cli: CliRunner) -> None:
    first = cli.ok("contacts", "add", "--name", "Ann Lee", "--phone", "4155550100", "--json").json
    second = cli.ok("contacts", "add", "--name", "Bo Chen", "--phone", "4155550101", "--json").json
    assert set(first) == {"id"} and isinstance(first["id"], int)
    assert second["id"] != first["id"]
    assert status_of(cli, second["id"])[0]["name"] == "Bo Chen"


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("(415) 555-0100", "+14155550100"),
        ("+1 415 555 0101", "+14155550101"),
        ("415-555-0102", "+14155550102"),
    ],
)
def test_phone_is_stored_and_reported_in_e164(cli: CliRunner, written: str, e164: str) -> None:
    cid = cli.ok("contacts", "add", "--name", "Ann", "--phone", written, "--json").json["id"]
    assert status_of(cli, cid)[0]["phone"] == e164
    # any common spelling finds the contact again
    assert [c["id"] for c in status_of(cli, written)] == [cid]
    assert [c["id"] for c in status_of(cli, e164)] == [cid]


def test_email_is_trimmed_and_lower_cased(cli: CliRunner) -> None:
    cid = cli.ok("contacts", "add", "--name", "Bo", "--email", "  BO.Chen@Example.COM ", "--json").json["id"]
    assert status_of(cli, cid)[0]["email"] == "bo.chen@example.com"
    assert [c["id"] for c in status_of(cli, "Bo.Chen@EXAMPLE.com")] == [cid]


def test_region_option_reads_national_numbers_of_that_country(cli: CliRunner) -> None:
    cid = cli.ok("--region", "GB", "contacts", "add", "--name", "Ian", "--phone", "020 7946 0018", "--json").json["id"]
    assert status_of(cli, cid)[0]["phone"] == "+442079460018"
    assert [c["id"] for c in cli.ok("--region", "GB", "status", "020 7946 0018", "--json").json["contacts"]] == [cid]
    # the default region stays US, where that is no phone number
    assert_user_error(cli("contacts", "add", "--name", "Us", "--phone", "020 7946 0018"), 2, "phone")


def test_status_json_shape(cli: CliRunner) -> None:
    cid = cli.ok("contacts", "add", "--name", "Ann Lee", "--email", "ann@example.com", "--phone",
                 "(415) 555-0100", "--json").json["id"]
    data = cli.ok("status", cid, "--json").json
    assert set(data) == {"contacts"}
    [row] = data["contacts"]
    assert set(row) == STATUS_CONTACT_KEYS
    assert row["id"] == cid and row["name"] == "Ann Lee" and row["location"] == "Default"
    assert row["email"] == "ann@example.com" and row["phone"] == "+14155550100"
    assert row["status"] == "off"
    assert set(row["channels"]) == set(CHANNELS)
    for channel in CHANNELS:
        expected: dict[str, object] = dict.fromkeys(("kind", "reason", "since", "source", "until"))
        expected.update(connected=True, dnd=False, locked=False, version=0)  # version: for set --expect-version
        if channel in ("sms", "call"):  # revision 2: inbound DND beside the outbound state
            expected["inbound"] = {"dnd": False, "since": None}
        assert row["channels"][channel] == expected


def test_status_of_a_manual_dnd(cli: CliRunner) -> None:
    cid = cli.ok("contacts", "add", "--name", "Ann", "--email", "ann@example.com", "--json").json["id"]
    cli.ok("set", cid, "--channel", "email", "--on")
    [row] = status_of(cli, cid)
    email = row["channels"]["email"]
    assert set(email) == STATUS_CHANNEL_KEYS
    assert email["dnd"] is True and email["kind"] == "manual" and email["locked"] is False
    assert email["reason"] == "manual" and email["source"] == "agent"
    assert email["since"].endswith("Z")
    assert row["status"] == "partial"


def test_status_badge_on_off_partial_over_connected_channels(cli: CliRunner) -> None:
    cid = cli.ok("contacts", "add", "--name", "Ann", "--email", "a@example.com", "--phone", "4155550100",
                 "--json").json["id"]
    assert status_of(cli, cid)[0]["status"] == "off"
    cli.ok("set", cid, "--channel", "sms", "--on")
    assert status_of(cli, cid)[0]["status"] == "partial"
    # only sms is DND: with sms disconnected nothing connected is DND
    cli.ok("locations", "disconnect", "Default", "sms")
    [row] = status_of(cli, cid)
    assert row["status"] == "off"
    assert row["channels"]["sms"]["connected"] is False and row["channels"]["sms"]["dnd"] is True
    cli.ok("locations", "connect", "Default", "sms")
    [row] = status_of(cli, cid)
    assert row["status"] == "partial" and row["channels"]["sms"]["reason"] == "manual"
    cli.ok("set", cid, "--channel", "all", "--on")
    assert status_of(cli, cid)[0]["status"] == "on"


def test_status_lists_every_contact_sharing_an_address(cli: CliRunner) -> None:
    a = cli.ok("contacts", "add", "--name", "Ann", "--email", "family@example.com", "--json").json["id"]
    b = cli.ok("contacts", "add", "--name", "Bob", "--email", "Family@Example.com", "--json").json["id"]
    cli.ok("contacts", "add", "--name", "Other", "--email", "other@example.com")
    rows = status_of(cli, "family@example.com")
    assert [(r["id"], r["name"]) for r in rows] == [(a, "Ann"), (b, "Bob")]
    assert all(set(r) == STATUS_CONTACT_KEYS for r in rows)


def test_status_human_output_names_the_contact(cli: CliRunner) -> None:
    cid = cli.ok("contacts", "add", "--name", "Ann Lee", "--email", "ann@example.com", "--json").json["id"]
    cli.ok("set", cid, "--channel", "email", "--on")
    out = cli.ok("status", "ann@example.com").stdout
    assert "Ann Lee" in out and "PARTIAL" in out.upper()
