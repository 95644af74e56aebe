"""``locations`` (sub-accounts, connected channels) and ``agents`` (roles; the first admin)."""

from __future__ import annotations

import pytest

from .clitools import CHANNELS, CliRunner, assert_user_error


def connected(cli: CliRunner) -> dict[str, list[str]]:
    return {row["name"]: row["connected"] for row in cli.ok("locations", "list", "--json").json["locations"]}


def test_a_new_database_has_default_with_all_six_channels(cli: CliRunner) -> None:
    assert connected(cli) == {"Default": list(CHANNELS)}
    out = cli.ok("locations", "list").stdout
    assert "Default" in out and all(c in out for c in CHANNELS)


def test_locations_add_with_channels(cli: CliRunner) -> None:
    result = cli.ok("locations", "add", "Clinic North", "--channels", "email,sms")
    assert "Clinic North" in result.stdout
    assert connected(cli) == {"Default": list(CHANNELS), "Clinic North": ["email", "sms"]}
    assert set(cli.ok("locations", "add", "Spa", "--json").json) >= {"id", "name"}
    assert connected(cli)["Spa"] == list(CHANNELS)


def test_locations_add_twice_is_refused(cli: CliRunner) -> None:
    cli.ok("locations", "add", "North")
    assert_user_error(cli("locations", "add", "North"), 2, "North")


def test_locations_connect_and_disconnect(cli: CliRunner) -> None:
    cli.ok("locations", "disconnect", "Default", "sms", "whatsapp")
    assert connected(cli)["Default"] == ["email", "call", "facebook", "gmb"]
    cli.ok("locations", "connect", "Default", "whatsapp")
    assert connected(cli)["Default"] == ["email", "call", "facebook", "gmb", "whatsapp"]
    # idempotent
    cli.ok("locations", "disconnect", "Default", "sms")
    assert "sms" not in connected(cli)["Default"]


def test_disconnecting_keeps_the_dnd_state(cli: CliRunner) -> None:
    cid = cli.ok("contacts", "add", "--name", "Ann", "--phone", "4155550100", "--json").json["id"]
    cli.ok("set", cid, "--channel", "sms", "--on")
    cli.ok("locations", "disconnect", "Default", "sms")
    cli.ok("locations", "connect", "Default", "sms")
    [row] = cli.ok("status", cid, "--json").json["contacts"]
    assert row["channels"]["sms"]["dnd"] is True and row["channels"]["sms"]["reason"] == "manual"


def test_contacts_belong_to_a_location(cli: CliRunner) -> None:
    cli.ok("locations", "add", "North", "--channels", "email")
    cid = cli.ok("contacts", "add", "--name", "Nell", "--email", "nell@example.com", "--location", "North",
                 "--json").json["id"]
    [row] = cli.ok("status", "nell@example.com", "--location", "North", "--json").json["contacts"]
    assert row["id"] == cid and row["location"] == "North" and row["status"] == "off"
    assert row["channels"]["sms"]["connected"] is False and row["channels"]["email"]["connected"] is True
    # looked up by address, a contact is found in its own location only
    assert_user_error(cli("status", "nell@example.com"), 2, "nell@example.com")
    assert cli("check", cid, "--channel", "sms", "--location", "North", "--json").json["reason"] == "not_connected"


# --- agents (SQLite only: on PostgreSQL the database user is the identity, so the actor cannot be switched) ---


def test_agents_list_empty(sqlite_cli: CliRunner) -> None:
    assert sqlite_cli.ok("agents", "list", "--json").json == {"agents": []}
    assert "no agents" in sqlite_cli.ok("agents", "list").stdout


def test_agents_first_admin_then_only_admins_add(sqlite_cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    cli = sqlite_cli
    monkeypatch.setenv("DND_CONSOLE_ACTOR", "anyone")
    # while no admin exists, anyone may add the first admin, and only an admin
    assert_user_error(cli("agents", "add", "pat", "--role", "agent"), 1, "admin")
    cli.ok("agents", "add", "boss", "--role", "admin")
    # now a non-admin is refused, whatever the role
    for role in ("agent", "reviewer", "admin"):
        assert_user_error(cli("agents", "add", "eve", "--role", role), 1, "admin")
    monkeypatch.setenv("DND_CONSOLE_ACTOR", "boss")
    cli.ok("agents", "add", "rita", "--role", "reviewer")
    cli.ok("agents", "add", "al", "--role", "agent")
    # a reviewer is no admin
    monkeypatch.setenv("DND_CONSOLE_ACTOR", "rita")
    assert_user_error(cli("agents", "add", "eve", "--role", "agent"), 1)
    rows = cli.ok("agents", "list", "--json").json["agents"]
    assert {(r["name"], r["role"]) for r in rows} == {("boss", "admin"), ("rita", "reviewer"), ("al", "agent")}
    assert {r["name"]: r["added_by"] for r in rows} == {"boss": "anyone", "rita": "boss", "al": "boss"}
    out = cli.ok("agents", "list").stdout
    assert "rita" in out and "reviewer" in out


def test_agents_add_unknown_role_is_bad_usage(sqlite_cli: CliRunner) -> None:
    result = sqlite_cli("agents", "add", "x", "--role", "overlord")
    assert result.code == 2 and "Traceback" not in result.output


def test_agents_on_the_test_database(cli: CliRunner) -> None:
    """On either backend: the acting identity may add the first admin, and then add a reviewer."""
    cli.ok("agents", "add", "chief", "--role", "admin")
    rows = cli.ok("agents", "list", "--json").json["agents"]
    assert [(r["name"], r["role"]) for r in rows] == [("chief", "admin")]
    assert set(rows[0]) >= {"name", "role"}
