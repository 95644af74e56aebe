"""Stopping an import is clean: no parser outlives its parent, Ctrl-C, SIGTERM and Cancel end it within 2 s,
the batch says it was interrupted or cancelled, and running it again completes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from sqlalchemy import select

from console.importers.batches import owner_tag
from console.importers.isolated import run_import_isolated
from console.importers.pipeline import run_import
from console.importers.processes import Children, Outbox
from console.store.db import Store
from console.store.models import ImportBatch

ROOT = Path(__file__).resolve().parents[1]
STOP_WITHIN_S = 2.0

#: Imports ``argv[2]`` into ``argv[1]`` split across two parsers (every file is split), printing "started" and the
#: parser pids at the first chunk; ``argv[3]`` == "hang" makes storing the first chunk hang.
SCRIPT = """
import os, sys, time
from pathlib import Path
from console.importers import pipeline, ranges
from console.store.db import Store
ranges.MIN_SPLIT_BYTES = 0
real = pipeline.commit_parsed
def commit(*args, **kwargs):
    real(*args, **kwargs)
    if not getattr(commit, "said", False):
        commit.said = True
        print("started", *children(), flush=True)
    if sys.argv[3] == "hang":
        time.sleep(600)
    time.sleep(0.05)
def children():
    found = []
    for pid in os.listdir("/proc"):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, IndexError):
            continue
        if pid.isdigit() and int(stat[1]) == os.getpid() and b"resource_tracker" not in cmdline:
            found.append(pid)
    return found
pipeline.commit_parsed = commit
pipeline.run_import(Store(sys.argv[1]), [Path(sys.argv[2])], location=None, actor="tester", workers=2,
                    chunk_records=100)
print("finished", flush=True)
"""


def mailgun_file(path: Path, n: int) -> Path:
    with path.open("wb") as out:
        for i in range(n):
            item = {"event": "delivered", "id": f"ev{i:08d}", "timestamp": 1_709_287_200.0 + i, "recipient": "a@b.co"}
            out.write(orjson.dumps(item) + b"\n")
    return path


def start_import(db: Path, events: Path, mode: str) -> tuple[subprocess.Popen[str], list[int]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    Store(f"sqlite:///{db}").dispose()
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, f"sqlite:///{db}", str(events), mode],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert process.stdout is not None
    words = process.stdout.readline().split()
    assert words and words[0] == "started", words
    return process, [int(pid) for pid in words[1:]]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has ended; only its exit status waits to be collected


def wait_gone(pids: list[int], seconds: float) -> float:
    started = time.monotonic()
    while any(alive(pid) for pid in pids) and time.monotonic() - started < seconds + 3:
        time.sleep(0.02)
    return time.monotonic() - started


def batch_states(db: Path) -> list[str]:
    store = Store(f"sqlite:///{db}")
    try:
        with store.read() as session:
            return [b.state for b in session.scalars(select(ImportBatch).order_by(ImportBatch.id))]
    finally:
        store.dispose()


def test_a_parser_process_is_gone_within_2_s_after_its_parent_is_killed(tmp_path: Path) -> None:
    db, events = tmp_path / "db.sqlite", mailgun_file(tmp_path / "e.jsonl", 3000)
    process, parsers = start_import(db, events, "hang")
    assert len(parsers) == 2 and all(alive(pid) for pid in parsers)
    process.kill()
    process.wait()
    assert wait_gone(parsers, STOP_WITHIN_S) < STOP_WITHIN_S
    assert not any(alive(pid) for pid in parsers)
    assert batch_states(db) == ["running"]  # nobody could say otherwise yet


def test_a_batch_whose_process_was_killed_is_marked_interrupted_and_a_rerun_completes_it(tmp_path: Path) -> None:
    db, events = tmp_path / "db.sqlite", mailgun_file(tmp_path / "e.jsonl", 3000)
    process, _ = start_import(db, events, "hang")
    process.kill()
    process.wait()
    store = Store(f"sqlite:///{db}")
    rerun = run_import(store, [events], location=None, actor="tester").as_dict()
    store.dispose()
    assert batch_states(db) == ["interrupted", "done"]
    assert rerun["records"] == 3000 and rerun["duplicates"] == 100  # the chunk committed before the kill


def test_a_running_batch_of_a_live_process_is_left_running(store: Store, tmp_path: Path) -> None:
    with store.write() as session:
        batch = ImportBatch(location_id=1, actor="other", started_at_us=1, state="running", files="[]")
        batch.owner = owner_tag()
        session.add(batch)
    run_import(store, [mailgun_file(tmp_path / "e.jsonl", 10)], location=None, actor="tester")
    with store.read() as session:
        assert [b.state for b in session.scalars(select(ImportBatch).order_by(ImportBatch.id))] == ["running", "done"]


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_or_sigterm_ends_an_import_within_2_s_and_marks_its_batch_interrupted(
    tmp_path: Path, how: signal.Signals
) -> None:
    db, events = tmp_path / "db.sqlite", mailgun_file(tmp_path / "e.jsonl", 20_000)
    process, parsers = start_import(db, events, "slow")
    started = time.monotonic()
    process.send_signal(how)
    process.wait(timeout=10)
    assert time.monotonic() - started < STOP_WITHIN_S
    assert wait_gone(parsers, STOP_WITHIN_S) < STOP_WITHIN_S
    assert batch_states(db) == ["interrupted"]
    store = Store(f"sqlite:///{db}")
    rerun = run_import(store, [events], location=None, actor="tester").as_dict()
    store.dispose()
    assert rerun["records"] == 20_000 and 0 < rerun["duplicates"] < 20_000
    assert rerun["no_effect"] + rerun["duplicates"] == 20_000
    assert batch_states(db) == ["interrupted", "done"]


def test_cancel_of_an_isolated_import_returns_within_2_s_and_marks_the_batch_cancelled(tmp_path: Path) -> None:
    db, events = tmp_path / "db.sqlite", mailgun_file(tmp_path / "e.jsonl", 200_000)
    store = Store(f"sqlite:///{db}")
    asked: list[float] = []

    def should_stop() -> bool:
        return bool(asked)

    def progress(update: object) -> None:
        if not asked:
            asked.append(time.monotonic())

    summary = run_import_isolated(
        store, [events], location=None, actor="tester", progress=progress, should_stop=should_stop
    )
    took = time.monotonic() - asked[0]
    store.dispose()
    assert summary.cancelled and took < STOP_WITHIN_S
    assert 0 < summary.as_dict()["records"] < 200_000
    assert batch_states(db) == ["cancelled"]


def _grandchild(outbox: Outbox, n: int) -> None:
    outbox.send(("grandchild", n, os.getpid()), final=True)


def _child_with_children(outbox: Outbox) -> None:
    seen: list[object] = []
    deadline = time.monotonic() + 30
    with Children(_grandchild, [(0,), (1,)], "test-grandchild") as children:
        while len(seen) < 2 and time.monotonic() < deadline:
            message = children.receive(0.5)
            if message is not None:
                seen.append(message)
    outbox.send(("child", sorted(str(m) for m in seen)), final=True)


def test_an_import_process_may_start_parsing_processes_of_its_own() -> None:
    with Children(_child_with_children, [()], "test-child") as child:
        message = child.receive(60.0)
    assert isinstance(message, tuple) and message[0] == "child" and len(message[1]) == 2
    assert all("grandchild" in text for text in message[1])
