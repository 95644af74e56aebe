"""The team writer's import lane: one granted login's ``import`` request, run in a child process of the writer.

``dnd-console serve`` starts ``python -m console.writer_child`` for each import request it claims (at most two at a
time, console.store.requests.serve), so a long import never holds the other agents' toggles behind it. How the
child learns whom it acts for, and why only the writer's own children can use it:

* Nothing about the request is on the child's command line or in its environment. The writer writes one line of
  JSON to the child's stdin: the database URL it serves (the schema owner's), the request's id and the folder to
  work in. There is no option, variable or argument of ``dnd-console`` that names an actor.
* The child reads the request itself, from ``console_requests``: its login (the ``session_user`` the database
  recorded when the login called ``dnd_request``), its arguments and its files. It runs it only when that row is
  ``running`` (claimed by the writer, which holds the schema's writer lock) and only when its own login is the
  schema's owner (``Store.writes_through_writer`` false): a granted login can neither read that table nor write
  anything, and whoever can connect as the owner could write every table anyway, so the child gives nobody a power
  they did not have.
* The login acts through the same contextvar the writer uses in-process (``acting_for``, via
  ``services.team.run_as``), set only inside this process for the one command.

The child runs at a lower processor priority (``IMPORT_NICENESS``) than the writer, so on a busy server the agents'
toggles, answered by the writer itself, come first. The answer (exit code, stdout, stderr) goes to ``answer.json``
in the request's folder; the writer reads it when the child ends and answers the login. When the writer's end of
stdin closes (the writer stopped or was killed) the child ends its whole process group at once: no import outlives
its writer. A line ``cancel`` on stdin (the login cancelled the request, ``dnd_cancel``) cancels the import at once
(``console.importers.pipeline.cancel_imports``): the batch is marked cancelled and the answer is its summary.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import orjson

#: How much lower the import child's processor priority is than the writer's (nice(2)).
IMPORT_NICENESS = 10


def _end_with_the_writer(cancel_imports: Callable[..., bool], cancel_line: bytes, cancelled_code: int) -> None:
    """Block until the writer closes our stdin (or dies), then end this process group (our workers too). A line
    ``cancel`` before that (the login cancelled its request) cancels the import at once: SIGTERM to this process
    group, which the import reads as Cancel (its batch marked cancelled, its summary the answer). What it calls
    is imported by the main thread first (no import runs on this thread). A child whose import has not begun yet
    ends at once with ``cancelled_code``: it wrote nothing (the writer answers for it)."""
    pending = b""
    try:
        while chunk := os.read(0, 65536):  # the raw descriptor: no buffer lock held at the interpreter's shutdown
            pending += chunk
            if cancel_line in pending:
                pending = b""
                if not cancel_imports(signal_group=True):  # still starting: no import began, nothing to undo
                    os._exit(cancelled_code)
            pending = pending[-len(cancel_line):]
    except OSError:
        pass
    os.killpg(os.getpgrp(), signal.SIGTERM)


def _first_line() -> bytes:
    """The writer's one line, read byte by byte from the raw descriptor (nothing buffered past it)."""
    got = bytearray()
    while not got.endswith(b"\n"):
        byte = os.read(0, 1)
        if not byte:
            break
        got += byte
    return bytes(got)


def main() -> int:
    from console.cli import cli
    from console.commands.team_cmds import cli_invoker
    from console.importers.pipeline import cancel_imports
    from console.logs import setup_logging
    from console.services.team import run_request
    from console.store.requests import ANSWER_FILE, CANCEL_LINE, CANCELLED_BEFORE_IMPORT

    line = _first_line()
    try:
        header = orjson.loads(line)
        url, request_id, folder = str(header["db"]), int(header["request"]), Path(str(header["folder"]))
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        print("dnd-console: the writer's import process is started by dnd-console serve only", file=sys.stderr)
        return 2
    watch_args = (cancel_imports, CANCEL_LINE, CANCELLED_BEFORE_IMPORT)
    threading.Thread(target=_end_with_the_writer, args=watch_args, name="writer-watch", daemon=True).start()
    setup_logging()  # once for the process (the command it runs as the login sets none up)
    with contextlib.suppress(OSError):
        os.nice(IMPORT_NICENESS)  # the import yields the processor to the writer's quick lane (the agents' toggles)
    answer = run_request(url, request_id, folder, cli_invoker(cli))
    data = {"exit_code": answer.exit_code, "stdout": answer.stdout, "stderr": answer.stderr}
    (folder / ANSWER_FILE).write_bytes(orjson.dumps(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
