"""Handing a console command to the writer, and the writer's side of the queue (console.store.team).

A granted login's console calls ``dnd_request`` with the command's arguments (and the bytes of any file they name),
waits for the writer's NOTIFY on the replies channel, and reads its answer with ``dnd_reply``. The writer LISTENs
on the requests channel, claims pending requests one by one, runs each as its actor and answers.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import psycopg

from console.errors import StoreUnavailable
from console.store.db import Store, error_line
from console.store.team import CANCELLED_PENDING_LINE, REPLIES_CHANNEL, REQUESTS_CHANNEL, writer_name

log = logging.getLogger(__name__)

#: How long a console waits for a writer that is running but has not answered yet, between checks.
POLL_S = 1.0
#: How often a console that may stop waiting (the window's import) looks whether it should.
STOP_POLL_S = 0.2


@dataclass(frozen=True, slots=True)
class Answer:
    exit_code: int
    stdout: str
    stderr: str
    #: The request was cancelled by its login (``dnd_cancel``): not run, or an import stopped with its summary.
    cancelled: bool = False


@dataclass(frozen=True, slots=True)
class Request:
    id: int
    actor: str
    argv: list[str]
    region: str
    files: list[tuple[str, bytes]]


def _listen(store: Store, channel_sql: str) -> Any:
    raw = store.engine.raw_connection()
    raw.detach()
    conn: Any = raw.dbapi_connection
    conn.rollback()
    conn.autocommit = True
    (channel,) = conn.execute(f"SELECT {channel_sql}").fetchone()
    conn.execute(f'LISTEN "{channel}"')
    with contextlib.suppress(psycopg.Error):  # a file sent with a request is stored with lz4 (PostgreSQL 14+):
        conn.execute("SET default_toast_compression = 'lz4'")  # half the server's time of pglz for a big export
    return conn


def writer_running(conn: Any) -> bool:
    (schema,) = conn.execute("SELECT current_schema()").fetchone()
    row = conn.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
        (writer_name(str(schema)),),
    ).fetchone()
    return bool(row[0])


class StoppedWaiting(StoreUnavailable):
    """The console stopped waiting for its request's answer; the writer may still run it."""

    def __init__(self, request_id: int, why: str = "stopped waiting") -> None:
        super().__init__(
            f"{why}: the team's writer carries on with it (request {request_id}); "
            "its changes show in the list when it is done"
        )
        self.request_id = request_id


#: The states of a request that has its answer (``cancelled``: by its login, migration 0013).
ANSWERED = ("done", "failed", "cancelled")
#: How long a console waits for the answer to a request it cancelled (the writer stops an import within 2 s).
CANCEL_WAIT_S = 15.0


def forward(
    store: Store,
    argv: Sequence[str],
    region: str,
    files: Sequence[tuple[str, bytes]],
    should_stop: Callable[[], bool] | None = None,
) -> Answer:
    """Hand ``argv`` to the writer as this login and wait for its answer.

    ``should_stop`` (looked at every :data:`STOP_POLL_S`), or Ctrl-C while waiting: cancel the request
    (``dnd_cancel``, which cancels only this login's own requests) and wait for the answer, which then says
    what was done: an import the writer was running stops and answers with its summary (``cancelled``), a request
    it had not taken yet is answered without running, a quick command already running finishes. Should the writer
    not answer within :data:`CANCEL_WAIT_S`, :class:`StoppedWaiting` is raised (a second Ctrl-C raises it at once).

    The listening connection is kept on the store for the next request (``Store.kept``; a new one is opened when
    none is idle, for instance while another thread waits on it), so a toggle costs no new server connection."""
    conn = _kept_listener(store)
    try:
        answer = _forward_on(conn, argv, region, files, should_stop)
    except BaseException:
        _give_back(store, conn)
        raise
    _give_back(store, conn)
    return answer


_KEPT_LOCK = threading.Lock()


def _kept_listener(store: Store) -> Any:
    with _KEPT_LOCK:
        while store.kept:
            conn = store.kept.pop()
            if not conn.closed and not conn.broken:
                return conn
    try:
        return _listen(store, REPLIES_CHANNEL)
    except Exception as exc:
        raise StoreUnavailable(f"cannot reach the database: {error_line(exc)}") from None


def _give_back(store: Store, conn: Any) -> None:
    """Keep ``conn`` for the next request, unless it broke (then it is closed)."""
    if conn.closed or conn.broken:
        with contextlib.suppress(Exception):
            conn.close()
        return
    with _KEPT_LOCK:
        store.kept.append(conn)


def _forward_on(
    conn: Any,
    argv: Sequence[str],
    region: str,
    files: Sequence[tuple[str, bytes]],
    should_stop: Callable[[], bool] | None,
) -> Answer:
    try:
        if not writer_running(conn):
            raise StoreUnavailable(
                "this login writes through the console's writer, and none is running for this database: "
                "an admin starts it beside the database with: dnd-console serve"
            )
        command = orjson.dumps({"argv": list(argv), "region": region}).decode()
        (request_id,) = conn.execute(
            "SELECT dnd_request(%s, %s, %s)", (command, [n for n, _ in files], [c for _, c in files])
        ).fetchone()
        request_id = int(request_id)
        try:
            answer = _wait(conn, request_id, should_stop)
        except KeyboardInterrupt:  # Ctrl-C on the command line: the writer is asked to cancel, as should_stop does
            answer = None
        if answer is None:
            return _cancel_and_wait(conn, request_id)
        return answer
    except psycopg.Error as exc:
        raise StoreUnavailable(f"lost the connection to the database: {error_line(exc)}") from None


def _wait(conn: Any, request_id: int, should_stop: Callable[[], bool] | None,
          deadline: float | None = None) -> Answer | None:
    """The request's answer; None when ``should_stop`` turned true first. StoppedWaiting after ``deadline``."""
    while True:
        if should_stop is not None and should_stop():
            return None
        for _ in conn.notifies(timeout=POLL_S if should_stop is None else STOP_POLL_S, stop_after=1):
            pass  # woken by an answer (ours or another's), or a second passed: look
        row = conn.execute("SELECT state, exit_code, stdout, stderr FROM dnd_reply(%s)", (request_id,)).fetchone()
        if row is not None and row[0] in ANSWERED:
            return Answer(int(row[1] if row[1] is not None else 2), row[2] or "", row[3] or "", row[0] == "cancelled")
        if not writer_running(conn):
            raise StoreUnavailable(f"the console's writer stopped before answering request {request_id}")
        if deadline is not None and time.monotonic() > deadline:
            raise StoppedWaiting(request_id, "the writer did not answer the cancel in time")


def cancel_request(conn: Any, request_id: int) -> str | None:
    """Cancel this login's request ``request_id`` (``dnd_cancel``): its state after the call (``cancelled``,
    ``cancelling``, or ``done``/``failed``: nothing left to cancel), or None when it is no request of this login's."""
    (state,) = conn.execute("SELECT dnd_cancel(%s)", (request_id,)).fetchone()
    return None if state is None else str(state)


def _cancel_and_wait(conn: Any, request_id: int) -> Answer:
    try:
        if cancel_request(conn, request_id) is None:
            raise StoppedWaiting(request_id, "the request could not be cancelled")
        log.info("request %s: cancel asked of the writer", request_id)
        answer = _wait(conn, request_id, None, time.monotonic() + CANCEL_WAIT_S)
    except KeyboardInterrupt:
        raise StoppedWaiting(request_id) from None
    except psycopg.errors.UndefinedFunction:  # a schema before 0013: no cancel exists, only the wait stops
        raise StoppedWaiting(request_id) from None
    assert answer is not None
    return answer


# -- the writer ------------------------------------------------------------------------------------------------

#: Import requests run at most this many at a time, each in a child process of the writer (the import lane).
MAX_IMPORTS = 2
#: How long the writer waits between looks while an import child runs (it notices a child's end this fast).
CHILD_POLL_S = 0.1
#: How long a stopped writer gives its import children after SIGTERM before it kills them.
CHILD_GRACE_S = 5.0
STOPPED_LINE = "dnd-console: the writer stopped while running this request"
IMPORT_STOPPED_LINE = (
    "dnd-console: the writer stopped while running this import (what it committed is kept: run it again to complete it)"
)
ANSWER_FILE = "answer.json"
#: What ``dnd_cancel`` sends on the requests channel (``cancel:ID``), and what the writer tells an import child.
CANCEL_PAYLOAD = "cancel:"
CANCEL_LINE = b"cancel\n"
#: How often the writer looks for cancelled imports without being woken, and how long a cancelled child may take.
CANCEL_POLL_S = 1.0
CANCEL_KILL_S = 3.0
#: console/writer_child.py's exit code when it was cancelled before its import began (it writes no answer).
CANCELLED_BEFORE_IMPORT = 75
START_FAILED_LINE = "dnd-console: the writer could not start the import"
#: The folder that holds the ``console`` package this writer runs.
PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def request_words(argv: Sequence[str]) -> tuple[str, ...]:
    """The command a request names (its first one or two words that are not options)."""
    return tuple(a for a in argv[:2] if not a.startswith("-"))


def is_import(argv: Sequence[str]) -> bool:
    return request_words(argv)[:1] == ("import",)


@dataclass(slots=True)
class _Child:
    """An import request running in a child process of the writer."""

    request: Request
    process: subprocess.Popen[bytes]
    folder: Path
    started: float
    #: When its login's cancel was passed on to it (monotonic), else None.
    cancelled_at: float | None = None


def serve(
    store: Store,
    run: Callable[[Request, Path], Answer],
    work_dir: Path,
    should_stop: Callable[[], bool] = lambda: False,
    on_ready: Callable[[], None] | None = None,
    import_child: Sequence[str] | None = None,
) -> None:
    """Answer requests until ``should_stop``; one writer per schema (a second one is refused).

    Two lanes: quick commands run here, one at a time, through ``run``. With ``import_child`` (the command line of
    the writer's child, see console/writer_child.py), an ``import`` request runs in a child process of its own
    (at most :data:`MAX_IMPORTS` at once) and is answered when the child ends, while this loop keeps answering the
    quick ones; without it imports run here like any other command. The child is told which request to run on
    its stdin (the database URL, the request's id and its folder: never on its command line); it reads the
    request (its login, arguments and files) from ``console_requests`` itself, which only the schema's owner can
    read, and runs it only while the request is ``running``. It writes its answer to ``ANSWER_FILE`` in the
    request's folder. Each child leads a process group of its own and dies when this writer's end of its stdin
    closes, so a writer that stops (or is killed) leaves no child behind; a stopped writer fails the requests its
    children ran with one line."""
    conn = _listen(store, REQUESTS_CHANNEL)
    children: list[_Child] = []
    try:
        (schema,) = conn.execute("SELECT current_schema()").fetchone()
        (locked,) = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (writer_name(schema),)).fetchone()
        if not locked:
            raise StoreUnavailable(f"another dnd-console serve already serves the schema {schema}")
        conn.execute(f"SET application_name = '{writer_name(schema).replace(chr(39), '')}'")
        conn.execute(
            "UPDATE console_requests SET state = 'failed', exit_code = 2, done_at = now(),"
            " stderr = %s WHERE state = 'running'",
            (STOPPED_LINE,),
        )
        if on_ready is not None:
            on_ready()
        cancels, next_cancel_look = False, 0.0
        while not should_stop():
            if children and (cancels or time.monotonic() >= next_cancel_look):
                _pass_cancels_on(conn, children)
                cancels, next_cancel_look = False, time.monotonic() + CANCEL_POLL_S
            for child in [c for c in children if c.process.poll() is not None]:
                children.remove(child)
                _answer(conn, child.request.id, _child_answer(child),
                        "cancelled" if child.cancelled_at is not None else "done")
            room = import_child is not None and len(children) < MAX_IMPORTS
            request = _claim(conn, imports=room or import_child is None, import_files=import_child is None)
            if request is not None:
                if import_child is not None and is_import(request.argv):
                    try:
                        children.append(_start_child(store, import_child, request, work_dir))
                    except OSError as exc:  # no process could be started: the requester gets one line
                        log.error("request %s: cannot start the import process: %s", request.id, exc)
                        _answer(conn, request.id, Answer(70, "", f"{START_FAILED_LINE}\n"))
                else:
                    _answer(conn, request.id, _run_one(run, request, work_dir))
                continue
            for note in conn.notifies(timeout=CHILD_POLL_S if children else POLL_S, stop_after=1):
                cancels = cancels or note.payload.startswith(CANCEL_PAYLOAD)
    finally:
        try:
            _stop_children(conn, children)
        finally:
            conn.close()


def _answer(conn: Any, request_id: int, answer: Answer, state: str = "done") -> None:
    """The answer stored and its requester woken, in one round trip."""
    conn.execute(
        "WITH done AS (UPDATE console_requests SET state = %s, exit_code = %s, stdout = %s, stderr = %s,"
        f" done_at = now() WHERE id = %s RETURNING id) SELECT pg_notify({REPLIES_CHANNEL}, id::text) FROM done",
        (state, answer.exit_code, answer.stdout, answer.stderr, request_id),
    )


def _pass_cancels_on(conn: Any, children: list[_Child]) -> None:
    """The import children whose login cancelled their request (``dnd_cancel``) are told to stop: a line on their
    stdin, on which a child ends its import at once (console/writer_child.py: SIGTERM to its process group, read as
    Cancel, so the batch is marked cancelled and the answer is its summary). One that is still running
    :data:`CANCEL_KILL_S` later is killed with its group (its batch then reads as interrupted)."""
    now = time.monotonic()
    waiting = [c.request.id for c in children if c.cancelled_at is None]
    asked: set[int] = set()
    if waiting:
        asked = {int(i) for (i,) in conn.execute(
            "SELECT id FROM console_requests WHERE id = ANY(%s) AND cancel_requested_at IS NOT NULL", (waiting,))}
    for child in children:
        if child.request.id in asked:
            child.cancelled_at = now
            log.info("request %s by %s (import): cancelled by its login", child.request.id, child.request.actor)
            try:
                assert child.process.stdin is not None
                child.process.stdin.write(CANCEL_LINE)
                child.process.stdin.flush()
            except (OSError, ValueError):
                pass  # the child is ending anyway: its answer says how
        elif child.cancelled_at is not None and now - child.cancelled_at > CANCEL_KILL_S:
            log.warning("request %s: the import process did not stop on cancel: killing it", child.request.id)
            _signal_group(child.process, signal.SIGKILL)


def _start_child(store: Store, command: Sequence[str], request: Request, work_dir: Path) -> _Child:
    folder = work_dir / f"request-{request.id}"
    folder.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)  # the child imports the very code this writer runs (a worktree, an editable install)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PACKAGE_ROOT), env.get("PYTHONPATH", "")) if p)
    process = subprocess.Popen(  # the writer's own interpreter and module, no shell
        list(command), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, start_new_session=True, env=env
    )
    assert process.stdin is not None
    header = {"db": store.url, "request": request.id, "folder": str(folder)}
    try:
        process.stdin.write(orjson.dumps(header) + b"\n")
        process.stdin.flush()  # stdin stays open: the child ends itself when it closes (this writer gone)
    except OSError:
        pass  # the child died at once: its answer says so
    log.info("request %s by %s (import) started in process %s", request.id, request.actor, process.pid)
    return _Child(request, process, folder, time.perf_counter())


def _child_answer(child: _Child) -> Answer:
    code = child.process.returncode
    if child.process.stdin is not None:
        with contextlib.suppress(OSError):
            child.process.stdin.close()
    try:
        data = orjson.loads((child.folder / ANSWER_FILE).read_bytes())
        answer = Answer(int(data["exit_code"]), str(data["stdout"]), str(data["stderr"]))
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        if child.cancelled_at is not None and code == CANCELLED_BEFORE_IMPORT:
            answer = Answer(1, "", f"{CANCELLED_PENDING_LINE}\n")  # cancelled while it started: nothing was done
        else:
            answer = Answer(70, "", f"dnd-console: the writer's import process ended without an answer (exit {code})\n")
    log.info(
        "request %s by %s (import) in %.0f ms",
        child.request.id,
        child.request.actor,
        (time.perf_counter() - child.started) * 1000,
    )
    shutil.rmtree(child.folder, ignore_errors=True)
    return answer


def _stop_children(conn: Any, children: list[_Child]) -> None:
    """The writer stops: every import child (and its own children) ends, and its request fails with one line."""
    for child in children:
        _signal_group(child.process, signal.SIGTERM)
    deadline = time.monotonic() + CHILD_GRACE_S
    for child in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.process.wait(max(0.0, deadline - time.monotonic()))
        _signal_group(child.process, signal.SIGKILL)  # the child's own workers too, should any be left
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.process.wait(5)
        if child.process.stdin is not None:
            with contextlib.suppress(OSError):
                child.process.stdin.close()
        shutil.rmtree(child.folder, ignore_errors=True)
    for child in children:
        with contextlib.suppress(Exception):  # a lost connection: the next writer's start fails them instead
            conn.execute(
                "UPDATE console_requests SET state = 'failed', exit_code = 2, stderr = %s, done_at = now()"
                " WHERE id = %s AND state = 'running'",
                (IMPORT_STOPPED_LINE, child.request.id),
            )
            conn.execute(f"SELECT pg_notify({REPLIES_CHANNEL}, %s)", (str(child.request.id),))


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
        os.killpg(process.pid, signum)  # the child leads its own group (start_new_session)


def _claim(conn: Any, imports: bool = True, import_files: bool = True) -> Request | None:
    """The oldest pending request (``imports`` False: the oldest that is not an import), marked running: two round
    trips (three when it sent files). ``import_files`` False: an import's files are left in the database (its
    child reads them there), so a big file never holds the quick lane while it is read."""
    pending = conn.execute(
        "SELECT r.id, r.actor, r.command, EXISTS (SELECT 1 FROM console_request_files f WHERE f.request_id = r.id)"
        " FROM console_requests r WHERE r.state = 'pending' ORDER BY r.id LIMIT 200"
    )
    for request_id, actor, command, has_files in pending.fetchall():
        argv, region = _command(command)
        if not imports and is_import(argv):
            continue
        row = conn.execute(
            "UPDATE console_requests SET state = 'running' WHERE id = %s AND state = 'pending' RETURNING id",
            (request_id,),
        ).fetchone()
        if row is not None:
            files = _files(conn, int(request_id)) if has_files and (import_files or not is_import(argv)) else []
            return Request(int(request_id), str(actor), argv, region, files)
    return None


def _files(conn: Any, request_id: int) -> list[tuple[str, bytes]]:
    return [
        (str(name), bytes(content))
        for name, content in conn.execute(
            "SELECT name, content FROM console_request_files WHERE request_id = %s ORDER BY position", (request_id,)
        )
    ]


def load_request(conn: Any, request_id: int, state: str = "running") -> Request | None:
    """The request ``request_id`` (its login, arguments, region and files) if it is in ``state``."""
    row = conn.execute(
        "SELECT id, actor, command FROM console_requests WHERE id = %s AND state = %s", (request_id, state)
    ).fetchone()
    if row is None:
        return None
    request_id, actor, command = row
    argv, region = _command(command)
    return Request(int(request_id), str(actor), argv, region, _files(conn, int(request_id)))


def claimed_request(store: Store, request_id: int) -> Request | None:
    """The request the writer claimed (state ``running``), read on a connection of ``store`` (the owner's)."""
    raw = store.engine.raw_connection()
    try:
        conn: Any = raw.dbapi_connection
        request = load_request(conn, request_id)
        conn.rollback()
        return request
    finally:
        raw.close()


def _command(command: str) -> tuple[list[str], str]:
    try:
        data = orjson.loads(command)
        return [str(a) for a in data["argv"]], str(data.get("region") or "US")
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return [], "US"


def _run_one(run: Callable[[Request, Path], Answer], request: Request, work_dir: Path) -> Answer:
    started = time.perf_counter()
    if not request.argv:
        return Answer(2, "", "dnd-console: the request could not be read\n")
    folder = work_dir / f"request-{request.id}"
    try:
        return run(request, folder)
    except Exception as exc:  # the writer keeps serving; the requester gets one line
        log.exception("request %s failed", request.id)
        return Answer(70, "", f"dnd-console: the writer could not run the command ({type(exc).__name__})\n")
    finally:
        log.info(
            "request %s by %s (%s) in %.0f ms",
            request.id,
            request.actor,
            request.argv[:1],
            (time.perf_counter() - started) * 1000,
        )
        shutil.rmtree(folder, ignore_errors=True)
