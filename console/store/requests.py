"""Handing a console command to the writer, and the writer's side of the queue (console.store.team).

A granted login's console calls ``dnd_request`` with the command's arguments (and the bytes of any file they name),
waits for the writer's NOTIFY on the replies channel, and reads its answer with ``dnd_reply``. The writer LISTENs
on the requests channel, claims pending requests one by one, runs each as its actor and answers.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from console.errors import StoreUnavailable
from console.store.db import Store, error_line
from console.store.team import REPLIES_CHANNEL, REQUESTS_CHANNEL, writer_name

log = logging.getLogger(__name__)

#: How long a console waits for a writer that is running but has not answered yet, between checks.
POLL_S = 1.0


@dataclass(frozen=True, slots=True)
class Answer:
    exit_code: int
    stdout: str
    stderr: str


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
    return conn


def writer_running(conn: Any) -> bool:
    (schema,) = conn.execute("SELECT current_schema()").fetchone()
    row = conn.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
        (writer_name(str(schema)),),
    ).fetchone()
    return bool(row[0])


def forward(store: Store, argv: Sequence[str], region: str, files: Sequence[tuple[str, bytes]]) -> Answer:
    """Hand ``argv`` to the writer as this login and wait for its answer."""
    try:
        conn = _listen(store, REPLIES_CHANNEL)
    except Exception as exc:
        raise StoreUnavailable(f"cannot reach the database: {error_line(exc)}") from None
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
        while True:
            for _ in conn.notifies(timeout=POLL_S, stop_after=1):
                pass  # woken by an answer (ours or another's), or a second passed: look
            row = conn.execute("SELECT state, exit_code, stdout, stderr FROM dnd_reply(%s)", (request_id,)).fetchone()
            if row is not None and row[0] in ("done", "failed"):
                return Answer(int(row[1] if row[1] is not None else 2), row[2] or "", row[3] or "")
            if not writer_running(conn):
                raise StoreUnavailable(f"the console's writer stopped before answering request {request_id}")
    finally:
        conn.close()


# -- the writer ------------------------------------------------------------------------------------------------


def serve(
    store: Store,
    run: Callable[[Request, Path], Answer],
    work_dir: Path,
    should_stop: Callable[[], bool] = lambda: False,
    on_ready: Callable[[], None] | None = None,
) -> None:
    """Answer requests until ``should_stop``; one writer per schema (a second one is refused)."""
    conn = _listen(store, REQUESTS_CHANNEL)
    try:
        (schema,) = conn.execute("SELECT current_schema()").fetchone()
        (locked,) = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (writer_name(schema),)).fetchone()
        if not locked:
            raise StoreUnavailable(f"another dnd-console serve already serves the schema {schema}")
        conn.execute(f"SET application_name = '{writer_name(schema).replace(chr(39), '')}'")
        conn.execute(
            "UPDATE console_requests SET state = 'failed', exit_code = 2, done_at = now(),"
            " stderr = 'dnd-console: the writer stopped while running this request' WHERE state = 'running'"
        )
        if on_ready is not None:
            on_ready()
        while not should_stop():
            while (request := _claim(conn)) is not None:
                answer = _run_one(run, request, work_dir)
                conn.execute(
                    "UPDATE console_requests SET state = 'done', exit_code = %s, stdout = %s, stderr = %s,"
                    " done_at = now() WHERE id = %s",
                    (answer.exit_code, answer.stdout, answer.stderr, request.id),
                )
                conn.execute(f"SELECT pg_notify({REPLIES_CHANNEL}, %s)", (str(request.id),))
            for _ in conn.notifies(timeout=POLL_S, stop_after=1):
                pass
    finally:
        conn.close()


def _claim(conn: Any) -> Request | None:
    row = conn.execute(
        "UPDATE console_requests SET state = 'running' WHERE id = (SELECT id FROM console_requests"
        " WHERE state = 'pending' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id, actor, command"
    ).fetchone()
    if row is None:
        return None
    request_id, actor, command = row
    files = [
        (str(name), bytes(content))
        for name, content in conn.execute(
            "SELECT name, content FROM console_request_files WHERE request_id = %s ORDER BY position", (request_id,)
        )
    ]
    try:
        data = orjson.loads(command)
        argv, region = [str(a) for a in data["argv"]], str(data.get("region") or "US")
    except (orjson.JSONDecodeError, KeyError, TypeError):
        argv, region = [], "US"
    return Request(int(request_id), str(actor), argv, region, files)


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
