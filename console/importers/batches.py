"""Which process runs an import batch, and batches whose process is gone.

An import that is stopped (Ctrl-C, SIGTERM, Cancel, an error) marks its batch itself. One that is killed
(``kill -9``, a power cut) cannot: its batch stays ``running`` with the owner it recorded (host, pid and the
process's start time, so a reused pid is not taken for it). The next import on that host marks such a batch
``interrupted``; running the same files again completes it, as after any interruption.
"""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from console.domain.events import now_us
from console.store.models import ImportBatch

log = logging.getLogger(__name__)

RUNNING, INTERRUPTED = "running", "interrupted"


def process_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), or None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return fields[19] if fields[0] not in ("Z", "X") else None


def owner_tag() -> str:
    """This process as a batch's owner: ``host pid start``."""
    pid = os.getpid()
    return f"{socket.gethostname()} {pid} {process_start(pid) or '-'}"


def owner_alive(owner: str) -> bool | None:
    """Whether the process named by ``owner`` still runs; None when that cannot be told from here."""
    parts = owner.split(" ")
    if len(parts) != 3 or parts[0] != socket.gethostname() or not parts[1].isdigit() or parts[2] == "-":
        return None
    return process_start(int(parts[1])) == parts[2]


def mark_abandoned(session: Session) -> list[int]:
    """Mark ``interrupted`` the running batches of this host whose process is gone; their ids."""
    marked: list[int] = []
    for batch in session.scalars(select(ImportBatch).where(ImportBatch.state == RUNNING)):
        if batch.owner and owner_alive(batch.owner) is False:
            batch.state, batch.finished_at_us = INTERRUPTED, now_us()
            marked.append(batch.id)
    if marked:
        log.info("import batches %s were left running by a process that is gone: marked interrupted", marked)
    return marked
