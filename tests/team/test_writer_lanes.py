"""The team writer's two lanes: a granted login's import runs in a child process of the writer while the writer
keeps answering the quick requests; a writer that stops ends its import children and fails their requests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import create_engine, text

from console.store.db import Store
from console.store.requests import Answer, forward

from .conftest import needs_pg
from .test_enforced_roles import Team, team  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.postgres, needs_pg]
ROOT = Path(__file__).resolve().parents[2]


def events_file(folder: Path, count: int = 50) -> Path:
    path = folder / "stops.jsonl"
    path.write_text("".join(
        f'{{"MessageSid": "SMl{i}", "From": "+1415555{i:04d}", "To": "+14155559000", "Body": "STOP"}}\n'
        for i in range(count)))
    return path


@contextmanager
def imports_held(team: Team) -> Iterator[None]:  # noqa: F811
    """While the block runs, an import cannot start its batch (the owner holds import_batches locked)."""
    conn = psycopg.connect(team.owner_url.replace("postgresql+psycopg", "postgresql"), autocommit=False)
    try:
        conn.execute("LOCK TABLE import_batches IN ACCESS EXCLUSIVE MODE")
        yield
    finally:
        conn.rollback()
        conn.close()


def writer_children(parent: int) -> list[int]:
    """The import children (``console.writer_child``) of process ``parent``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and b"console.writer_child" in cmdline:
            found.append(int(entry.name))
    return found


def wait_for(what: Any, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = what()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError("timed out")


def request_state(team: Team, request_id: int) -> tuple[str, int | None, str | None]:  # noqa: F811
    engine = create_engine(team.owner_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT state, exit_code, stderr FROM console_requests WHERE id = :i"),
                               {"i": request_id}).one()
    finally:
        engine.dispose()
    return str(row[0]), row[1], row[2]


def import_in_background(store: Store, path: Path) -> tuple[threading.Thread, list[Answer | BaseException]]:
    got: list[Answer | BaseException] = []

    def run() -> None:
        try:
            got.append(forward(store, ["import", str(path), "--json"], "US", [(str(path), path.read_bytes())]))
        except BaseException as exc:  # handed to the test
            got.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, got


def test_the_writer_answers_quick_requests_while_an_import_runs(team: Team, tmp_path: Path) -> None:  # noqa: F811
    team.start_writer()
    assert team.as_("boss", "db", "grant", team.logins["amy"], "--role", "agent").code == 0
    assert team.as_("amy", "contacts", "add", "--name", "Ann Lee", "--phone", "+14155550100").code == 0
    amy = Store(team.url("amy"))
    try:
        with imports_held(team):
            thread, got = import_in_background(amy, events_file(tmp_path))
            [child] = wait_for(lambda: writer_children(os.getpid()))
            started = time.perf_counter()
            answer = forward(amy, ["set", "+14155550100", "--channel", "call", "--on", "--json"], "US", [])
            quick_s = time.perf_counter() - started
            assert answer.exit_code == 0, answer
            assert quick_s < 10 and not got, "the toggle waited for the import"
            assert writer_children(os.getpid()) == [child]  # the import is still running, in its child
        thread.join(60)
        [done] = got
        assert isinstance(done, Answer) and done.exit_code == 0, done
        assert '"applied"' in done.stdout
        wait_for(lambda: not writer_children(os.getpid()), 10)
    finally:
        amy.dispose()
    history = team.as_("amy", "history", "+14155550100", "--json").json
    assert {e["actor"] for e in history} == {team.logins["amy"]}  # the import acted as amy, not as the owner


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_stopped_writer_leaves_no_child_and_fails_the_import_with_one_line(
        team: Team, tmp_path: Path, signum: int) -> None:  # noqa: F811
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DND_CONSOLE_DB", None)
    writer = subprocess.Popen([sys.executable, "-m", "console", "--db", team.owner_url, "serve"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    amy: Store | None = None
    try:
        wait_for(lambda: team.as_("boss", "db", "grant", team.logins["amy"], "--role", "agent").code == 0)
        amy = Store(team.url("amy"))
        with imports_held(team):
            thread, got = import_in_background(amy, events_file(tmp_path))
            [child] = wait_for(lambda: writer_children(writer.pid))
            writer.send_signal(signum)
            assert writer.wait(30) == 0
            thread.join(30)
        with pytest.raises(ProcessLookupError):
            os.kill(child, 0)
        assert not writer_children(writer.pid)
        [answer] = got
        assert isinstance(answer, Answer) and answer.exit_code == 2, answer
        assert len(answer.stderr.strip().splitlines()) == 1 and "stopped" in answer.stderr
        assert "Traceback" not in writer.stderr.read() if writer.stderr else True
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait(10)
        if amy is not None:
            amy.dispose()


def test_a_killed_writers_import_child_ends_too_and_the_next_writer_fails_it(
        team: Team, tmp_path: Path) -> None:  # noqa: F811
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DND_CONSOLE_DB", None)
    command = [sys.executable, "-m", "console", "--db", team.owner_url, "serve"]
    writer = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    amy: Store | None = None
    try:
        wait_for(lambda: team.as_("boss", "db", "grant", team.logins["amy"], "--role", "agent").code == 0)
        amy = Store(team.url("amy"))
        with imports_held(team):
            _thread, _got = import_in_background(amy, events_file(tmp_path))
            [child] = wait_for(lambda: writer_children(writer.pid))
            writer.kill()  # no chance to clean up: the child sees its stdin close and ends itself
            writer.wait(10)
            wait_for(lambda: not Path(f"/proc/{child}").exists() or b"zombie" in _status(child), 20)
        engine = create_engine(team.owner_url)
        try:
            with engine.connect() as conn:
                (request_id,) = conn.execute(text("SELECT max(id) FROM console_requests")).one()
        finally:
            engine.dispose()
        assert request_state(team, request_id)[0] == "running"
        team.start_writer()  # the next writer fails what the killed one was running, with one line
        state, code, stderr = request_state(team, request_id)
        assert (state, code) == ("failed", 2) and stderr and "stopped while running" in stderr
    finally:
        if writer.poll() is None:
            writer.kill()
        if amy is not None:
            amy.dispose()


def _status(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/status").read_bytes().lower()
    except OSError:
        return b"zombie"


def test_an_import_child_that_cannot_start_is_one_line_and_the_writer_carries_on(
        team: Team, tmp_path: Path) -> None:  # noqa: F811
    team.start_writer(import_child=(str(tmp_path / "no-such-interpreter"),))
    assert team.as_("boss", "db", "grant", team.logins["amy"], "--role", "agent").code == 0
    amy = Store(team.url("amy"))
    try:
        path = events_file(tmp_path, 3)
        answer = forward(amy, ["import", str(path), "--json"], "US", [(str(path), path.read_bytes())])
        assert answer.exit_code == 70 and answer.stderr.strip().splitlines() == [
            "dnd-console: the writer could not start the import"]
        assert forward(amy, ["contacts", "add", "--name", "Bo", "--json"], "US", []).exit_code == 0
    finally:
        amy.dispose()
