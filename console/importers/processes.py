"""Child processes of an import: started fresh (spawn), gone with their parent, stopped cooperatively.

One helper for both kinds of children (the window's import process, the parsers of a big file). A child gets
the message queue and a stop event; it sends typed messages (dataclasses), checks ``stop`` between record
batches, and its last word is ``Done`` (what it returned) or ``Failed`` (what it raised), sent for it. The
parent reads them with ``Children.relay``, the one receiving loop of both. A child dies when its parent does:
``PR_SET_PDEATHSIG`` on Linux, plus a watchdog thread that checks the parent's pid, so a ``kill -9`` of the
importer leaves no parser behind. :meth:`Children.close` asks them to
stop, keeps draining the queue meanwhile (a child whose queue is full could not exit) and kills what is left
after a short grace.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from console.errors import InvalidInput

log = logging.getLogger(__name__)

#: How long a child may take to stop by itself before it is terminated.
GRACE_S = 1.0
#: How often a child checks that its parent is still there.
WATCHDOG_S = 0.25
PR_SET_PDEATHSIG = 1


class ChildLost(RuntimeError):
    """A child process ended without saying why (killed, or crashed in the interpreter)."""


@dataclass(frozen=True, slots=True)
class Done:
    """Child ``index`` finished: ``result`` is what its target returned (picklable)."""

    index: int
    result: Any


@dataclass(frozen=True, slots=True)
class Failed:
    """Child ``index`` raised: a problem of the input (``message`` in one line), or a bug (``crashed``: the
    traceback)."""

    index: int
    message: str
    crashed: bool


@dataclass(frozen=True, slots=True)
class Outbox:
    """What a child is given to talk to its parent: ``send`` a message, ``stopping()`` asks whether to stop."""

    messages: Any
    stop: Any

    def send(self, message: object, *, final: bool = False) -> bool:
        """Put a message for the parent; False (and nothing sent) once the parent asked to stop, unless ``final``
        (the answer the parent waits for even when it asked to stop)."""
        while final or not self.stop.is_set():
            try:
                self.messages.put(message, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def stopping(self) -> bool:
        return bool(self.stop.is_set())


def die_with_parent(parent_pid: int) -> None:
    """End this process when ``parent_pid`` ends (called first thing in a child)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent was gone before the signal was armed
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(WATCHDOG_S)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def _bootstrap(
    parent_pid: int,
    target: Callable[..., Any],
    outbox: Outbox,
    args: tuple[Any, ...],
    index: int,
    user_errors: tuple[type[BaseException], ...] | None,
) -> None:
    die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop (Ctrl-C reaches it)
    code = 0
    try:
        if user_errors is None:
            target(outbox, *args)  # the target says everything itself
        else:
            _report(target, outbox, args, index, user_errors)
    except BaseException:  # a last resort: the parent sees the child end without a word
        code = 1
        traceback.print_exc()
    # Hand over what is still buffered (the parent drains the queue until its children end), then leave
    # without the interpreter's teardown, which takes seconds on a heap of parsed records.
    outbox.messages.close()
    outbox.messages.join_thread()
    os._exit(code)


def _report(
    target: Callable[..., Any],
    outbox: Outbox,
    args: tuple[Any, ...],
    index: int,
    user_errors: tuple[type[BaseException], ...],
) -> None:
    """Run ``target`` and send its last word: ``Done`` with its result, or ``Failed``. Sent even when the parent
    asked to stop (the window's import process answers a Cancel with its summary)."""
    try:
        result = target(outbox, *args)
    except user_errors as exc:
        outbox.send(Failed(index, str(exc), False), final=True)
    except BaseException:
        outbox.send(Failed(index, traceback.format_exc(), True), final=True)
    else:
        outbox.send(Done(index, result), final=True)


@contextlib.contextmanager
def _main_not_rerun() -> Iterator[None]:
    """While children are started: a spawned child would otherwise import the parent's main module again (the
    ``dnd-console`` script, which loads every command, about half a second) before it can start. Children run
    functions of importable modules, never of ``__main__``, so they are told there is no main module to run."""
    main = sys.modules.get("__main__")
    hidden = {name: main.__dict__.pop(name) for name in ("__file__",) if main is not None and name in main.__dict__}
    spec = getattr(main, "__spec__", None)
    if main is not None:
        main.__spec__ = None
    try:
        yield
    finally:
        if main is not None:
            main.__dict__.update(hidden)
            main.__spec__ = spec


class Children:
    """Child processes running ``target(outbox, *args)``, one per ``args`` in ``jobs``, sharing one queue.

    With ``user_errors`` (exception types), each child's last word is sent for it (``Done`` or ``Failed``; an
    exception of those types is a problem of the input, said in one line) and ``relay`` reads the messages.
    """

    def __init__(
        self,
        target: Callable[..., Any],
        jobs: Sequence[tuple[Any, ...]],
        name: str,
        depth: int = 0,
        user_errors: tuple[type[BaseException], ...] | None = None,
        ordered: bool = False,
    ):
        """``ordered``: each child has a queue of its own (``depth`` messages) and ``relay`` yields child 0's
        messages, then child 1's..., so what they send arrives in the order of their jobs; the later children
        work ahead until their queue is full. Else all share one queue of ``depth`` and messages come as sent."""
        context = multiprocessing.get_context("spawn")  # never fork a process that may hold Qt or threads
        shared = None if ordered else context.Queue(maxsize=depth)
        self._queues = [context.Queue(maxsize=depth) if shared is None else shared for _ in jobs]
        self._messages = self._queues[0] if self._queues else context.Queue(maxsize=depth)
        self._ordered = ordered
        self._stop = context.Event()
        self.processes = [
            context.Process(
                target=_bootstrap,
                args=(os.getpid(), target, Outbox(self._queues[n], self._stop), args, n, user_errors),
                name=f"{name}-{n}" if len(jobs) > 1 else name,
                daemon=False,  # so a child may have children (the import process starts parsers); they die with it
            )
            for n, args in enumerate(jobs)
        ]

    def __enter__(self) -> Children:
        with _main_not_rerun():
            for process in self.processes:
                process.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def stop(self) -> None:
        """Ask every child to stop after the record batch in hand."""
        self._stop.set()

    def receive(
        self, timeout: float, finished: frozenset[int] = frozenset(), child: int | None = None
    ) -> object | None:
        """The next message (of ``child`` only, when the children were started ``ordered``), or None after
        ``timeout``. Raises ChildLost when a child (not in ``finished``, the indexes that said they are done)
        ended without a word."""
        messages = self._messages if child is None else self._queues[child]
        try:
            message: object = messages.get(timeout=timeout)
            return message
        except queue.Empty:
            pass
        watched = enumerate(self.processes) if child is None else [(child, self.processes[child])]
        for n, process in watched:
            if n not in finished and not process.is_alive() and self._queues[n].empty():
                raise ChildLost(f"{process.name} stopped unexpectedly (exit code {process.exitcode})")
        return None

    def relay(
        self, what: str, poll_s: float, should_stop: Callable[[], bool] | None, *, answer_stop: bool
    ) -> Iterator[object]:
        """Every message of the children (``Done`` ones too) until each child is done, for children started
        with ``user_errors``.

        ``Failed`` is raised here: ``InvalidInput`` for a problem of the input, ``RuntimeError`` naming ``what``
        for a bug or a child that ended without a word. When ``should_stop()`` turns true the iteration ends at
        once, or with ``answer_stop`` the children are asked to stop and their messages are relayed until they
        are done (their last word says what they did)."""
        done: set[int] = set()
        asked = False
        while len(done) < len(self.processes):
            if not asked and should_stop is not None and should_stop():
                if not answer_stop:
                    return
                self.stop()
                asked = True
            current = next(n for n in range(len(self.processes)) if n not in done) if self._ordered else None
            try:
                message = self.receive(poll_s, frozenset(done), current)
            except ChildLost as exc:
                raise RuntimeError(f"{what} failed: {exc}") from None
            if message is None:
                continue
            if isinstance(message, Failed):
                if message.crashed:
                    raise RuntimeError(f"{what} failed:\n{message.message}")
                raise InvalidInput(message.message)
            if isinstance(message, Done):
                done.add(message.index)
            yield message

    def close(self, grace: float = GRACE_S) -> None:
        """Stop the children: ask, drain their messages while they wind down, then terminate what is left."""
        self._stop.set()
        deadline = time.monotonic() + grace
        queues = list({id(q): q for q in self._queues}.values())
        while any(p.is_alive() for p in self.processes) and time.monotonic() < deadline:
            for messages in queues:
                with contextlib.suppress(queue.Empty, OSError, EOFError, ValueError):
                    messages.get(timeout=0.05 / len(queues))
        for process in self.processes:
            if process.is_alive():
                log.warning("%s did not stop within %.1f s: terminating it", process.name, grace)
                process.terminate()  # an import process marks its batch interrupted on SIGTERM
                process.join(1.0)
            if process.is_alive():
                process.kill()
                process.join(0.5)
        for messages in queues:
            messages.close()
            messages.cancel_join_thread()
