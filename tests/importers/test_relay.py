"""``Children.relay``: the one receiving loop of the import's child processes (parsers, the window's import)."""

from __future__ import annotations

import time

import pytest

from console.errors import ConsoleError, InvalidInput
from console.importers.processes import Children, Done, Outbox


def _answers(outbox: Outbox, n: int) -> int:
    outbox.send(("working", n))
    return n * 10


def _refuses(outbox: Outbox) -> None:
    raise InvalidInput("bad.csv: missing required column(s): email or phone")


def _crashes(outbox: Outbox) -> None:
    raise ValueError("a bug")


def _waits_for_stop(outbox: Outbox) -> str:
    deadline = time.monotonic() + 30
    while not outbox.stopping() and time.monotonic() < deadline:
        outbox.send("tick")
        time.sleep(0.05)
    return "stopped" if outbox.stopping() else "not asked"


def test_each_child_says_its_messages_then_done_with_its_result() -> None:
    with Children(_answers, [(1,), (2,)], "test-relay", user_errors=(ConsoleError,)) as children:
        messages = list(children.relay("a test child", 0.1, None, answer_stop=False))
    assert sorted(m for m in messages if isinstance(m, tuple)) == [("working", 1), ("working", 2)]
    assert sorted((m.index, m.result) for m in messages if isinstance(m, Done)) == [(0, 10), (1, 20)]


def test_a_problem_of_the_input_is_said_in_one_line_and_a_bug_with_its_traceback() -> None:
    with Children(_refuses, [()], "test-relay", user_errors=(ConsoleError,)) as child, \
            pytest.raises(InvalidInput, match=r"^bad\.csv: missing required column"):
        list(child.relay("a test child", 0.1, None, answer_stop=False))
    with Children(_crashes, [()], "test-relay", user_errors=(ConsoleError,)) as child, \
            pytest.raises(RuntimeError, match=r"(?s)a test child failed:\n.*Traceback.*ValueError: a bug"):
        list(child.relay("a test child", 0.1, None, answer_stop=False))


def test_stopping_leaves_at_once_or_waits_for_the_childs_answer() -> None:
    with Children(_waits_for_stop, [()], "test-relay", user_errors=(ConsoleError,)) as child:
        seen = []
        for message in child.relay("a test child", 0.05, lambda: len(seen) >= 2, answer_stop=False):
            seen.append(message)
        assert len(seen) == 2 and not any(isinstance(m, Done) for m in seen)
    with Children(_waits_for_stop, [()], "test-relay", user_errors=(ConsoleError,)) as child:
        seen = []
        for message in child.relay("a test child", 0.05, lambda: len(seen) >= 2, answer_stop=True):
            seen.append(message)
        assert isinstance(seen[-1], Done) and seen[-1].result == "stopped"


def _counts(outbox: Outbox, n: int, pause: float) -> int:
    time.sleep(pause)
    for i in range(5):
        outbox.send((n, i))
    return n


def test_ordered_children_are_relayed_in_the_order_of_their_jobs_while_the_later_ones_work_ahead() -> None:
    # the first child is the slowest to start: unordered, the second one's messages would come first
    jobs = [(0, 1.0), (1, 0.0), (2, 0.0)]
    with Children(_counts, jobs, "test-relay", depth=2, user_errors=(ConsoleError,), ordered=True) as children:
        messages = list(children.relay("a test child", 0.1, None, answer_stop=False))
    assert [m for m in messages if isinstance(m, tuple)] == [(n, i) for n in range(3) for i in range(5)]
    assert [m.index for m in messages if isinstance(m, Done)] == [0, 1, 2]


SCRIPT = """
import sys
from pathlib import Path
if __name__ != "__main__":  # run again as the child's __mp_main__
    Path(sys.argv[1]).write_text("imported again")
else:
    from console.errors import ConsoleError
    from console.importers.processes import Children, Done
    from tests.importers.test_relay import _answers
    with Children(_answers, [(1,), (2,)], "test-relay", user_errors=(ConsoleError,)) as children:
        done = [m for m in children.relay("a test child", 0.1, None, answer_stop=False) if isinstance(m, Done)]
    assert sorted(m.result for m in done) == [10, 20], done
    print("ok")
"""


def test_a_child_does_not_import_the_parents_main_script_again(tmp_path) -> None:
    """The ``dnd-console`` script loads every command: a child that ran it again would start half a second late."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    script, marker = tmp_path / "main_script.py", tmp_path / "marker"
    script.write_text(SCRIPT)
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    out = subprocess.run([sys.executable, str(script), str(marker)], capture_output=True, text=True, env=env,
                         cwd=root, timeout=60)
    assert out.stdout.strip() == "ok", out.stderr
    assert not marker.exists()
