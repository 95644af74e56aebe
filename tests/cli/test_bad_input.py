"""Bad input (issue 2): one clear line on stderr, exit 2 (1 for a refused action), never a traceback."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from .clitools import CliRunner, assert_user_error, count, sql


@pytest.fixture
def ann(cli: CliRunner) -> int:
    return int(cli.ok("contacts", "add", "--name", "Ann", "--email", "ann@example.com", "--phone", "4155550100",
                      "--json").json["id"])


@pytest.mark.parametrize("ref", ["999", "nobody@example.com", "+14155559999", "(212) 555-0199"])
@pytest.mark.parametrize("command", [
    ["status"], ["history"], ["check", "--channel", "sms"], ["set", "--channel", "sms", "--on"],
])
def test_unknown_contact(cli: CliRunner, ann: int, command: list[str], ref: str) -> None:
    result = cli(command[0], ref, *command[1:])
    assert_user_error(result, 2, "no contact")
    assert result.stdout == ""


@pytest.mark.parametrize("ref", ["not a phone", "12", "ann@", "@example.com", "a@b"])
def test_malformed_contact_reference(cli: CliRunner, ann: int, ref: str) -> None:
    assert_user_error(cli("status", ref), 2)
    assert_user_error(cli("check", ref, "--channel", "email"), 2)


@pytest.mark.parametrize(("option", "value", "word"), [
    ("--email", "not-an-email", "email"),
    ("--email", "ann@@example.com", "email"),
    ("--email", "ann@example", "email"),
    ("--phone", "12", "phone"),
    ("--phone", "call me maybe", "phone"),
    ("--phone", "+1 415 555 01000000000", "phone"),
])
def test_malformed_phone_or_email_is_refused_and_nothing_added(cli: CliRunner, db_url: str, option: str,
                                                                value: str, word: str) -> None:
    assert_user_error(cli("contacts", "add", "--name", "X", option, value), 2, word)
    assert count(db_url, "contacts") == 0


@pytest.mark.parametrize("command", [
    ["check", "{ann}", "--channel", "fax"],
    ["set", "{ann}", "--channel", "pigeon", "--on"],
    ["locations", "connect", "Default", "fax"],
    ["locations", "disconnect", "Default", "sms", "telegram"],
    ["locations", "add", "North", "--channels", "email,fax"],
    ["export", "suppressions", "--channel", "fax"],
])
def test_unknown_channel(cli: CliRunner, ann: int, command: list[str]) -> None:
    result = cli(*[part.format(ann=ann) for part in command])
    assert_user_error(result, 2)
    assert "fax" in result.stderr or "pigeon" in result.stderr or "telegram" in result.stderr
    # nothing changed
    rows = cli.ok("locations", "list", "--json").json["locations"]
    assert [(r["name"], len(r["connected"])) for r in rows] == [("Default", 6)]


@pytest.mark.parametrize("command", [
    ["status", "{ann}", "--location", "Mars"],
    ["check", "{ann}", "--channel", "sms", "--location", "Mars"],
    ["contacts", "add", "--name", "X", "--location", "Mars"],
    ["locations", "connect", "Mars", "sms"],
    ["locations", "disconnect", "Mars", "sms"],
    ["possible-opt-outs", "list", "--location", "Mars"],
    ["export", "suppressions", "--channel", "email", "--location", "Mars"],
])
def test_unknown_location(cli: CliRunner, ann: int, db_url: str, command: list[str]) -> None:
    assert_user_error(cli(*[part.format(ann=ann) for part in command]), 2, "Mars")
    assert count(db_url, "contacts") == 1


@pytest.mark.parametrize("url", ["sqlite:////proc/nope/x.db", "sqlite:////proc/x.db", "sqlite:////dev/null/x.db"])
def test_database_path_that_cannot_be_written(bare_cli: CliRunner, url: str) -> None:
    for command in (["status", "1"], ["contacts", "add", "--name", "X"], ["audit", "verify"]):
        assert_user_error(bare_cli("--db", url, *command), 2)


def test_database_path_is_a_directory(bare_cli: CliRunner, tmp_path: Path) -> None:
    assert_user_error(bare_cli("--db", f"sqlite:///{tmp_path}", "status", "1"), 2)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_database_in_a_read_only_folder(bare_cli: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        assert_user_error(bare_cli("--db", f"sqlite:///{folder / 'x.db'}", "status", "1"), 2)
    finally:
        folder.chmod(0o755)


def test_database_given_by_environment(bare_cli: CliRunner, monkeypatch: pytest.MonkeyPatch,
                                       tmp_path: Path) -> None:
    monkeypatch.setenv("DND_CONSOLE_DB", "sqlite:////proc/nope/x.db")
    assert_user_error(bare_cli("status", "1"), 2)
    monkeypatch.setenv("DND_CONSOLE_DB", f"sqlite:///{tmp_path / 'env.db'}")
    bare_cli.ok("contacts", "add", "--name", "X")
    assert (tmp_path / "env.db").is_file()


def test_not_a_database_url(bare_cli: CliRunner) -> None:
    assert_user_error(bare_cli("--db", "nonsense://", "status", "1"), 2)
    assert_user_error(bare_cli("--db", "mysql://x@localhost/y", "status", "1"), 2)


def test_a_file_that_is_not_a_database(bare_cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not an SQLite database, just text " * 10)
    before = path.read_bytes()
    assert_user_error(bare_cli("--db", f"sqlite:///{path}", "status", "1"), 2, "database")
    assert path.read_bytes() == before


def test_unreachable_database_server(bare_cli: CliRunner) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
    assert_user_error(bare_cli("--db", url, "status", "1"), 2)


def table_dump(db_url: str) -> list[tuple[object, ...]]:
    tables = [r[0] for r in sql(db_url, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")] \
        if db_url.startswith("sqlite") else None
    if tables is None:
        tables = ["alembic_version", "agents", "contacts", "events", "channel_states", "locations", "integrations"]
    rows: list[tuple[object, ...]] = []
    for table in tables:
        rows += [(table, *r) for r in sql(db_url, f"SELECT * FROM {table}")]
    return sorted(rows, key=repr)


@pytest.mark.parametrize("command", [
    ["status", "{ann}"],
    ["contacts", "add", "--name", "New", "--email", "new@example.com"],
    ["set", "{ann}", "--channel", "email", "--on"],
    ["locations", "list"],
    ["audit", "verify"],
    ["demo", "--contacts", "5"],
])
def test_database_from_a_newer_schema_is_refused_untouched(cli: CliRunner, ann: int, db_url: str,
                                                            command: list[str]) -> None:
    cli.ok("set", ann, "--channel", "sms", "--on")
    sql(db_url, "UPDATE alembic_version SET version_num = '9999_future'")
    before = table_dump(db_url)
    result = cli(*[part.format(ann=ann) for part in command])
    assert_user_error(result, 2, "9999_future")
    assert "newer" in result.stderr
    assert table_dump(db_url) == before


def test_newer_schema_sqlite_file_is_byte_for_byte_untouched(sqlite_cli: CliRunner, sqlite_url: str) -> None:
    sqlite_cli.ok("contacts", "add", "--name", "Ann", "--email", "ann@example.com")
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = path.read_bytes()
    assert_user_error(sqlite_cli("contacts", "add", "--name", "Bo"), 2, "newer")
    assert path.read_bytes() == before


def test_missing_required_option_is_bad_usage(cli: CliRunner, ann: int) -> None:
    for command in (["check", str(ann)], ["contacts", "add"], ["export", "suppressions"], ["nonsense"]):
        result = cli(*command)
        assert result.code == 2 and "Traceback" not in result.output, str(result)
