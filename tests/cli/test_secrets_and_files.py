"""Issue 13, item 4 (CLI.md "Common", RULES.md "Files on the desk", "Where the rules are enforced"): no password is
ever printed, the desk's files are private whatever the umask, and SQLite says that identities are claimed."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.store.db import default_url, redact, safe_url

from .clitools import CliRunner, assert_user_error

SECRET = "s3cr3t-Pw"


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+psycopg//user:{SECRET}@127.0.0.1/db",  # no "://"
        f"postgresql+psycopg://user:{SECRET}@127.0.0.1:abc/db",  # a port that is not a number
        f"postgresql+psycopg://user:{SECRET}@127.0.0.1:99999/db",  # out of range
        f"postgresql+psycopg:/user:{SECRET}@127.0.0.1/db",
        f"{SECRET}",
    ],
)
def test_a_url_that_cannot_be_read_is_bad_usage_without_its_text(bare_cli: CliRunner, url: str) -> None:
    for command in (["status", "1"], ["audit", "verify"], ["contacts", "add", "--name", "X"]):
        result = bare_cli("--db", url, *command)
        assert_user_error(result, 2, "cannot be read")
        assert SECRET not in result.output


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+psycopg://user:{SECRET}@127.0.0.1:1/db?connect_timeout=2",
        f"postgresql+psycopg://user@127.0.0.1:1/db?password={SECRET}&connect_timeout=2",
        f"postgresql+psycopg://user@127.0.0.1:1/db?PassWord={SECRET}&connect_timeout=2",
        f"postgresql+psycopg://user@127.0.0.1:1/db?password={SECRET}&no_such_option=1",
    ],
)
def test_no_password_is_printed_when_the_database_cannot_be_opened(bare_cli: CliRunner, url: str) -> None:
    result = bare_cli("--db", url, "status", "1")
    assert_user_error(result, 2, "database")
    assert SECRET not in result.output and "***" in result.output


def test_safe_url_and_redact_hide_every_password() -> None:
    url = f"postgresql+psycopg://ann:{SECRET}@db.example/console?password={SECRET}2&sslmode=require"
    shown = safe_url(url)
    assert SECRET not in shown and "sslmode=require" in shown and "ann" in shown
    assert redact(f"failed for {SECRET} and {SECRET}2", url) == "failed for *** and ***"
    assert SECRET not in safe_url(f"postgresql+psycopg//ann:{SECRET}@db")


@pytest.fixture(params=[0o000, 0o022, 0o002])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_default_sqlite_database_is_0600_in_a_0700_folder_whatever_the_umask(
    bare_cli: CliRunner, umask: int
) -> None:
    bare_cli.ok("contacts", "add", "--name", "Ann", "--email", "ann@example.com")
    bare_cli.ok("set", "ann@example.com", "--channel", "email", "--on")
    database = Path(default_url().removeprefix("sqlite:///"))
    assert database.is_file()
    assert mode(database.parent) == 0o700
    for path in database.parent.iterdir():  # the database, its WAL files, the sealing key and the anchor
        assert mode(path) == 0o600, path


def test_an_existing_default_folder_made_0755_is_tightened(bare_cli: CliRunner) -> None:
    database = Path(default_url().removeprefix("sqlite:///"))
    database.parent.mkdir(parents=True)
    database.parent.chmod(0o755)
    bare_cli.ok("contacts", "add", "--name", "Ann")
    assert mode(database.parent) == 0o700 and mode(database) == 0o600


def test_a_new_database_anywhere_is_created_0600(bare_cli: CliRunner, tmp_path: Path, umask: int) -> None:
    path = tmp_path / "new" / "desk.db"
    bare_cli.ok("--db", f"sqlite:///{path}", "contacts", "add", "--name", "Ann")
    assert mode(path) == 0o600 and mode(path.parent) == 0o700


def test_sqlite_agents_list_says_identities_are_claimed(sqlite_cli: CliRunner) -> None:
    assert sqlite_cli.ok("agents", "list", "--json").json["identities"] == "claimed"
    out = sqlite_cli.ok("agents", "list").stdout
    assert "claimed" in out and "db grant" in out


@pytest.mark.postgres
def test_postgresql_agents_list_names_the_database_login(cli: CliRunner, db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    data = cli.ok("agents", "list", "--json").json
    assert data["identities"] == "login"  # the test's login owns the schema: it could write the tables itself
    assert "db grant" in cli.ok("agents", "list").stdout
