"""RULES.md "Where the rules are enforced" on PostgreSQL: logins set up with ``db grant`` and the team's writer.

Each test makes its own schema and its own login roles (unique names) and drops exactly those afterwards. The
writer (``dnd-console serve``) runs in a thread of the test, as the schema's owner.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from sqlalchemy import create_engine, inspect, text

from console.cli import cli
from console.commands.team_cmds import cli_invoker
from console.services.team import IMPORT_CHILD, request_runner
from console.store.db import Store
from console.store.requests import serve
from tests.cli.clitools import CliRunner, Result, assert_user_error
from tests.conftest import PgSchema, pg_url

from .conftest import needs_pg

pytestmark = [pytest.mark.postgres, needs_pg]


class Team:
    """A schema owned by the test's own login, three person logins made for the test, and a running writer (its
    imports in child processes, as ``dnd-console serve`` runs them)."""

    def __init__(self, cli: CliRunner, tmp_path: Path) -> None:
        base = pg_url()
        assert base
        self.schema = PgSchema(base)
        self.owner_url = self.schema.url
        tag = uuid.uuid4().hex[:8]
        self.logins = {name: f"{name}_{tag}" for name in ("boss", "rita", "amy")}
        self.made: list[str] = []
        with self.schema.engine.begin() as conn:
            for login in self.logins.values():
                conn.execute(text(f'CREATE ROLE "{login}" LOGIN'))
                self.made.append(login)
        self.cli = cli
        self.tmp_path = tmp_path
        self.stop = threading.Event()
        self.writer: threading.Thread | None = None
        self.store: Store | None = None

    def url(self, who: str) -> str:
        url = self.schema.engine.url
        options = quote(f"-csearch_path={self.schema.name}")
        where = f"{url.host or '127.0.0.1'}:{url.port or 5432}/{url.database}"
        return f"postgresql+psycopg://{self.logins[who]}@{where}?options={options}"

    def base_conninfo(self) -> str:
        url = self.schema.engine.url
        return f"host={url.host or '127.0.0.1'} port={url.port or 5432} dbname={url.database}"

    def as_(self, who: str, *args: Any) -> Result:
        return self.cli(*args, db_url=self.owner_url if who == "owner" else self.url(who))

    def start_writer(self, import_child: tuple[str, ...] = IMPORT_CHILD) -> None:
        self.store = Store(self.owner_url)
        ready = threading.Event()
        store = self.store
        self.writer = threading.Thread(
            target=serve,
            args=(store, request_runner(store, cli_invoker(cli)), self.tmp_path),
            kwargs={"should_stop": self.stop.is_set, "on_ready": ready.set, "import_child": import_child},
            daemon=True,
        )
        self.writer.start()
        assert ready.wait(30), "the writer did not start"

    def stop_writer(self) -> None:
        self.stop.set()
        if self.writer is not None:
            self.writer.join(30)
            self.writer = None
        if self.store is not None:
            self.store.dispose()
            self.store = None
        self.stop.clear()

    def psql(self, who: str, statement: str) -> str | None:
        """Run one statement as that login with a plain client; the server's error text, or None if it ran."""
        conninfo = f"{self.base_conninfo()} user={self.logins[who]} options='-csearch_path={self.schema.name}'"
        with psycopg.connect(conninfo, autocommit=True) as conn:
            try:
                conn.execute(statement)
            except psycopg.Error as exc:
                return str(exc).splitlines()[0]
        return None

    def close(self) -> None:
        self.stop.set()
        if self.writer is not None:
            self.writer.join(10)
        if self.store is not None:
            self.store.dispose()
        self.schema.drop()
        engine = create_engine(self.schema.base)
        try:
            with engine.begin() as conn:
                for login in self.made:  # only the roles this test created
                    conn.execute(text(f'DROP OWNED BY "{login}"'))
                    conn.execute(text(f'DROP ROLE "{login}"'))
        finally:
            engine.dispose()


@pytest.fixture
def team(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Iterator[Team]:
    made = Team(CliRunner(monkeypatch, capsys, None), tmp_path)
    try:
        made.as_("owner", "db", "upgrade")
        made.as_("owner", "db", "grant", made.logins["boss"], "--role", "admin")  # the first admin
        yield made
    finally:
        made.close()


def tables(team: Team) -> list[str]:
    engine = create_engine(team.owner_url)
    try:
        return sorted(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_every_table_refuses_a_granted_logins_direct_writes(team: Team) -> None:
    team.start_writer()
    assert team.as_("boss", "db", "grant", team.logins["amy"], "--role", "agent").code == 0
    names = tables(team)
    assert {"events", "channel_states", "agents", "chain_head", "audit_key", "console_requests"} <= set(names)
    for table in names:
        for statement in (
            f"INSERT INTO {table} DEFAULT VALUES",
            f"UPDATE {table} SET {first_column(team, table)} = {first_column(team, table)}",
            f"DELETE FROM {table}",
            f"TRUNCATE {table}",
        ):
            error = team.psql("amy", statement)
            assert error is not None and "permission denied" in error, (table, statement, error)


def first_column(team: Team, table: str) -> str:
    engine = create_engine(team.owner_url)
    try:
        return str(inspect(engine).get_columns(table)[0]["name"])
    finally:
        engine.dispose()


def test_a_granted_login_cannot_read_the_key_act_as_another_or_grant_itself_a_role(team: Team) -> None:
    team.start_writer()
    team.as_("boss", "db", "grant", team.logins["amy"], "--role", "agent")
    owner = str(team.schema.engine.url.username or "postgres")
    for statement in (
        "SELECT * FROM audit_key",
        "SELECT * FROM console_requests",
        f'SET ROLE "{owner}"',
        f'SET ROLE "{team.logins["boss"]}"',
        f'SET SESSION AUTHORIZATION "{team.logins["boss"]}"',
        f'GRANT "{owner}" TO "{team.logins["amy"]}"',
        f'GRANT "{team.logins["boss"]}" TO CURRENT_USER',
        "SELECT dnd_seal_check(1, 1) FROM audit_key",
    ):
        error = team.psql("amy", statement)
        assert error is not None and any(w in error for w in ("permission denied", "must have", "must be")), (
            statement,
            error,
        )
    # reading is allowed, and so is checking seals without the key
    assert team.psql("amy", "SELECT count(*) FROM events") is None
    assert team.psql("amy", "SELECT dnd_seal_ok('x', 'y')") is None


def test_the_actor_of_a_request_is_the_login_itself(team: Team) -> None:
    team.start_writer()
    team.as_("boss", "db", "grant", team.logins["amy"], "--role", "agent")
    # a request written by hand with another's name: there is no argument for it, and the row says who asked
    assert team.psql("amy", "INSERT INTO console_requests (actor, command) VALUES ('boss', '{}')") is not None
    by_hand = """SELECT dnd_request('{"argv": ["agents", "add", "x", "--role", "admin"]}', NULL, NULL)"""
    assert team.psql("amy", by_hand) is None
    team.as_("amy", "audit", "verify")  # any command, so the writer has answered the one above meanwhile
    engine = create_engine(team.owner_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT actor, exit_code FROM console_requests ORDER BY id")).all()
    finally:
        engine.dispose()
    forged = [r for r in rows if r[0] == team.logins["amy"]]
    assert forged and all(actor != "boss" for actor, _ in rows)


def test_the_console_works_for_each_role_through_db_grant(team: Team, tmp_path: Path) -> None:
    team.start_writer()
    logins = team.logins
    assert team.as_("boss", "db", "grant", logins["rita"], "--role", "reviewer").code == 0
    assert team.as_("boss", "db", "grant", logins["amy"], "--role", "agent").code == 0
    assert team.as_("amy", "agents", "list", "--json").json["identities"] == "enforced"
    # an agent: adds a contact and sets DND through the writer, but cannot make itself admin
    assert team.as_("amy", "contacts", "add", "--name", "Ann Lee", "--phone", "+14155550100").code == 0
    assert team.as_("amy", "set", "+14155550100", "--channel", "call", "--on").code == 0
    assert_user_error(team.as_("amy", "agents", "add", logins["amy"], "--role", "admin"), 1, "admin")
    assert_user_error(team.as_("amy", "db", "grant", logins["amy"], "--role", "admin"), 1, "admin")
    history = team.as_("amy", "history", "+14155550100", "--json").json
    assert [e["actor"] for e in history if e["reason"] == "manual"] == [logins["amy"]]
    # an agent's import with a START over a STOP is held for the reviewer, who approves it
    stop = tmp_path / "stop.jsonl"
    stop.write_text('{"MessageSid": "SMs1", "From": "+14155550100", "To": "+14155559000", "Body": "STOP"}\n')
    start = tmp_path / "start.jsonl"
    start.write_text('{"MessageSid": "SMs2", "From": "+14155550100", "To": "+14155559000", "Body": "START"}\n')
    assert team.as_("amy", "import", stop, "--format", "twilio-json").code == 0
    summary = team.as_("amy", "import", start, "--format", "twilio-json", "--json").json
    assert summary["held_opt_ins"] == 1
    [review] = team.as_("rita", "review", "list", "--json").json["reviews"]
    assert review["submitted_by"] == logins["amy"]
    assert_user_error(team.as_("amy", "review", "approve", review["id"]), 1)
    assert team.as_("rita", "review", "approve", review["id"]).code == 0
    assert team.as_("amy", "check", "+14155550100", "--channel", "sms").code == 0
    # every role verifies the audit, seals included, without the key
    for who in ("amy", "rita", "boss"):
        assert team.as_(who, "audit", "verify", "--replay").code == 0
    # revoke takes both the access and the agents row away
    assert team.as_("boss", "db", "grant", logins["amy"], "--revoke").code == 0
    assert logins["amy"] not in [a["name"] for a in team.as_("boss", "agents", "list", "--json").json["agents"]]
    assert team.psql("amy", "SELECT count(*) FROM events") is not None


def test_db_grant_is_refused_for_non_admins_and_bad_usage_on_sqlite(team: Team, sqlite_url: str) -> None:
    team.start_writer()
    team.as_("boss", "db", "grant", team.logins["amy"], "--role", "agent")
    assert_user_error(team.as_("amy", "db", "grant", team.logins["rita"], "--role", "reviewer"), 1, "admin")
    assert_user_error(team.cli("db", "grant", "x", "--role", "agent", db_url=sqlite_url), 2, "PostgreSQL")
    assert_user_error(team.as_("boss", "db", "grant", "no_such_login_xyz", "--role", "agent"), 2, "no database login")


def test_without_a_writer_a_granted_logins_change_is_one_line(team: Team) -> None:
    team.start_writer()
    team.as_("boss", "db", "grant", team.logins["amy"], "--role", "agent")
    team.stop.set()
    assert team.writer is not None
    team.writer.join(10)
    result = team.as_("amy", "contacts", "add", "--name", "Bo")
    assert_user_error(result, 2, "serve")
    assert team.as_("amy", "audit", "verify").code == 0  # reading still works


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'desk.db'}"


def test_a_migration_after_db_grant_lets_granted_logins_read_the_new_tables(team: Team) -> None:
    """GRANT SELECT ON ALL TABLES covers the tables of its day: an upgrade grants reading of the new ones too."""
    from console.store.migrate import alembic_config, command

    team.start_writer()
    assert team.as_("boss", "db", "grant", team.logins["amy"], "--role", "agent").code == 0
    assert team.psql("amy", "SELECT count(*) FROM inbound_states") is None
    engine = create_engine(team.owner_url)
    try:
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0005")  # drops inbound_states (0006)
    finally:
        engine.dispose()
    assert team.as_("owner", "db", "upgrade").code == 0  # made again, by the owner, after the grant
    assert team.psql("amy", "SELECT count(*) FROM inbound_states") is None
    error = team.psql("amy", "SELECT * FROM audit_key")
    assert error is not None and "permission denied" in error
    insert = "INSERT INTO inbound_states (contact_id, channel, dnd, version) VALUES (1, 'sms', true, 1)"
    error = team.psql("amy", insert)
    assert error is not None and "permission denied" in error
