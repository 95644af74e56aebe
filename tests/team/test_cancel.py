"""A login cancels its own request to the team's writer (``dnd_cancel``, migration 0013): a running import stops
within 2 s in the writer's child, its batch marked cancelled with what it committed kept (and counted exactly), and
running it again completes it; a pending request is answered without running; another login's request cannot be
cancelled; Ctrl-C of a granted login's command line cancels it too."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic import command
from sqlalchemy import create_engine, text

from console.store.db import Store, make_engine
from console.store.migrate import alembic_config, current_revision, ensure_schema
from console.store.requests import Answer, forward
from console.store.team import CANCELLED_PENDING_LINE
from tests.conftest import PgSchema, pg_url

from .conftest import needs_pg
from .test_enforced_roles import Team, team  # noqa: F401  (the fixture)
from .test_writer_lanes import ROOT, imports_held, request_state, wait_for, writer_children

pytestmark = [pytest.mark.postgres, needs_pg]
#: Events in the big file: enough that the import is still running well after its first chunk committed.
EVENTS = 150_000


def big_file(folder: Path, count: int = EVENTS) -> Path:
    path = folder / "big-stops.jsonl"
    path.write_text("".join(
        f'{{"MessageSid": "SMbig{i}", "From": "+1415{i:07d}", "To": "+14155559000", "Body": "STOP"}}\n'
        for i in range(count)))
    return path


def login_conn(team: Team, who: str) -> psycopg.Connection[Any]:  # noqa: F811
    conninfo = f"{team.base_conninfo()} user={team.logins[who]} options='-csearch_path={team.schema.name}'"
    return psycopg.connect(conninfo, autocommit=True)


def owner_scalar(team: Team, sql: str, **params: Any) -> Any:  # noqa: F811
    engine = create_engine(team.owner_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()
    finally:
        engine.dispose()


def last_request(team: Team) -> int:  # noqa: F811
    return int(owner_scalar(team, "SELECT max(id) FROM console_requests"))


class Importer:
    """amy's forwarded import on a thread; ``cancel`` is its ``should_stop`` (the window's Cancel)."""

    def __init__(self, store: Store, path: Path) -> None:
        self.cancel = threading.Event()
        self.got: list[Answer | BaseException] = []
        self.answered_at = 0.0

        def run() -> None:
            try:
                self.got.append(forward(store, ["import", str(path), "--json"], "US",
                                        [(str(path), path.read_bytes())], should_stop=self.cancel.is_set))
            except BaseException as exc:  # handed to the test
                self.got.append(exc)
            self.answered_at = time.monotonic()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def answer(self, timeout: float = 120) -> Answer:
        self.thread.join(timeout)
        [got] = self.got
        assert isinstance(got, Answer), got
        return got


def committed_entries(team: Team, batch: int | None = None) -> int:  # noqa: F811
    if batch is None:
        return int(owner_scalar(team, "SELECT count(*) FROM events WHERE batch_id IS NOT NULL"))
    return int(owner_scalar(team, "SELECT count(*) FROM events WHERE batch_id = :b", b=batch))


def test_cancel_stops_a_running_import_within_2_s_keeps_what_it_committed_and_a_rerun_completes_it(
        team: Team, tmp_path: Path) -> None:  # noqa: F811
    team.start_writer()
    assert team.as_("boss", "db", "grant", team.logins["amy"], "--role", "agent").code == 0
    path = big_file(tmp_path)
    amy = Store(team.url("amy"))
    try:
        importer = Importer(amy, path)
        wait_for(lambda: committed_entries(team) > 0, 120)  # the import is under way: a chunk is committed
        asked = time.monotonic()
        importer.cancel.set()
        answer = importer.answer()
        took = importer.answered_at - asked
        assert took < 2.0, f"the cancelled import answered after {took:.2f} s"
        assert answer.cancelled and answer.exit_code == 0, answer
        summary = json.loads(answer.stdout)
        assert summary["cancelled"] is True
        batch = int(summary["batch"])
        assert request_state(team, last_request(team))[0] == "cancelled"
        assert owner_scalar(team, "SELECT state FROM import_batches WHERE id = :b", b=batch) == "cancelled"
        kept = committed_entries(team, batch)
        assert 0 < kept < EVENTS
        assert summary["applied"] + summary["unmatched"] == kept  # the rolled-back chunk is not counted
        wait_for(lambda: not writer_children(os.getpid()), 10)  # the child and its parsing workers are gone

        again = forward(amy, ["import", str(path), "--json"], "US", [(str(path), path.read_bytes())])
        assert again.exit_code == 0 and not again.cancelled, again
        rerun = json.loads(again.stdout)
        assert rerun["cancelled"] is False and rerun["duplicates"] == kept
        assert rerun["applied"] + rerun["unmatched"] + rerun["duplicates"] == EVENTS
        assert owner_scalar(team, "SELECT state FROM import_batches WHERE id = :b", b=rerun["batch"]) == "done"
        assert committed_entries(team) == EVENTS
    finally:
        amy.dispose()
    assert team.as_("amy", "audit", "verify").code == 0


def test_another_logins_request_cannot_be_cancelled_and_a_cancel_before_the_batch_began_is_prompt(
        team: Team, tmp_path: Path) -> None:  # noqa: F811
    team.start_writer()
    for who in ("amy", "rita"):
        assert team.as_("boss", "db", "grant", team.logins[who], "--role", "agent").code == 0
    path = tmp_path / "one.jsonl"
    path.write_text('{"MessageSid": "SMo1", "From": "+14155550100", "To": "+14155559000", "Body": "STOP"}\n')
    amy = Store(team.url("amy"))
    try:
        with imports_held(team):  # the child waits to begin its batch
            importer = Importer(amy, path)
            wait_for(lambda: writer_children(os.getpid()))
            request = last_request(team)
            with login_conn(team, "rita") as rita:
                assert rita.execute("SELECT dnd_cancel(%s)", (request,)).fetchone() == (None,)
                assert rita.execute("SELECT dnd_cancel(%s)", (request + 1000,)).fetchone() == (None,)
                refused = None
                try:
                    rita.execute("UPDATE console_requests SET cancel_requested_at = now()")
                except psycopg.Error as exc:
                    refused = exc
                assert isinstance(refused, psycopg.errors.InsufficientPrivilege)
            time.sleep(1.5)  # the writer looks for cancels at least once a second: it found none
            assert owner_scalar(team, "SELECT cancel_requested_at FROM console_requests WHERE id = :i",
                                i=request) is None
            assert writer_children(os.getpid()) and not importer.got
            asked = time.monotonic()
            importer.cancel.set()
            answer = importer.answer(30)
            assert importer.answered_at - asked < 2.0
        assert answer.cancelled, answer  # nothing was begun: the import's empty summary, or (still starting) a line
        assert (json.loads(answer.stdout)["batch"] is None if answer.stdout.strip()
                else answer.stderr.strip() == CANCELLED_PENDING_LINE), answer
        assert request_state(team, request)[0] == "cancelled"
        assert owner_scalar(team, "SELECT count(*) FROM import_batches") == 0
    finally:
        amy.dispose()


def test_a_pending_request_cancelled_is_answered_and_never_run(team: Team) -> None:  # noqa: F811
    team.start_writer()
    assert team.as_("boss", "db", "grant", team.logins["amy"], "--role", "agent").code == 0
    team.stop_writer()  # no writer: the request stays pending
    command = json.dumps({"argv": ["contacts", "add", "--name", "Never Run", "--json"], "region": "US"})
    with login_conn(team, "amy") as amy:
        (request,) = amy.execute("SELECT dnd_request(%s, %s, %s)", (command, [], [])).fetchone()
        assert amy.execute("SELECT dnd_cancel(%s)", (request,)).fetchone() == ("cancelled",)
        assert amy.execute("SELECT dnd_cancel(%s)", (request,)).fetchone() == ("cancelled",)  # nothing left
        state, code, stdout, stderr = amy.execute(
            "SELECT state, exit_code, stdout, stderr FROM dnd_reply(%s)", (request,)).fetchone()
    assert (state, code, stdout) == ("cancelled", 1, "") and stderr.strip() == CANCELLED_PENDING_LINE
    team.start_writer()
    store = Store(team.url("amy"))
    try:  # a request made after it is run: the cancelled one was passed over
        answer = forward(store, ["contacts", "add", "--name", "Runs", "--json"], "US", [])
    finally:
        store.dispose()
    assert answer.exit_code == 0, answer
    names = {c["name"] for c in team.as_("amy", "contacts", "list", "--json").json["contacts"]}
    assert "Runs" in names and "Never Run" not in names
    assert request_state(team, int(request))[0] == "cancelled"


def test_ctrl_c_of_a_granted_logins_import_cancels_it_in_the_writer(team: Team, tmp_path: Path) -> None:  # noqa: F811
    team.start_writer()
    assert team.as_("boss", "db", "grant", team.logins["amy"], "--role", "agent").code == 0
    path = big_file(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DND_CONSOLE_DB", None)
    console = subprocess.Popen([sys.executable, "-m", "console", "--db", team.url("amy"), "import", str(path)],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: committed_entries(team) > 0, 120)
        console.send_signal(signal.SIGINT)
        out, err = console.communicate(timeout=10)
    finally:
        if console.poll() is None:
            console.kill()
    assert console.returncode == 130, (out, err)
    assert "import cancelled: what was committed is kept" in out and "Traceback" not in err
    assert request_state(team, last_request(team))[0] == "cancelled"
    assert owner_scalar(team, "SELECT state FROM import_batches ORDER BY id DESC LIMIT 1") == "cancelled"


def test_migration_0013_lets_logins_granted_before_it_cancel_and_downgrades() -> None:
    base = pg_url()
    assert base
    schema = PgSchema(base)
    engine = make_engine(schema.url)
    login = f"old_{uuid.uuid4().hex[:8]}"
    stranger = f"{login}_x"
    made: list[str] = []
    try:
        with schema.engine.begin() as conn:
            for name in (login, stranger):
                conn.execute(text(f'CREATE ROLE "{name}" LOGIN'))
                made.append(name)
        ensure_schema(engine, target="0012")
        with engine.begin() as conn:  # db grant as the console of revision 0012 did it
            conn.execute(text(f'GRANT USAGE ON SCHEMA "{schema.name}" TO "{login}"'))
            for function in ("dnd_request(text, text[], bytea[])", "dnd_reply(bigint)"):
                conn.execute(text(f'GRANT EXECUTE ON FUNCTION {function} TO "{login}"'))
        ensure_schema(engine)
        assert current_revision(engine) == "0013"
        with engine.connect() as conn:
            def may(role: str) -> bool:
                return bool(conn.execute(text("SELECT has_function_privilege(:r, 'dnd_cancel(bigint)', 'EXECUTE')"),
                                         {"r": role}).scalar())
            assert may(login) and not may(stranger)
            assert not conn.execute(text("SELECT has_function_privilege('public', 'dnd_cancel(bigint)', 'EXECUTE')")
                                    ).scalar()
            columns = set(conn.execute(text(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
                " AND table_name = 'console_requests'")).scalars())
            assert "cancel_requested_at" in columns
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0012")
            assert conn.execute(text("SELECT to_regprocedure('dnd_cancel(bigint)')")).scalar() is None
        assert current_revision(engine) == "0012"
        ensure_schema(engine)  # and up again
        assert current_revision(engine) == "0013"
    finally:
        engine.dispose()
        schema.drop()
        cleanup = create_engine(base)
        try:
            with cleanup.begin() as conn:
                for name in made:  # only the roles this test created
                    conn.execute(text(f'DROP OWNED BY "{name}"'))
                    conn.execute(text(f'DROP ROLE "{name}"'))
        finally:
            cleanup.dispose()
