"""Team mode on PostgreSQL (RULES.md, "Where the rules are enforced"): setting a login up (``db grant``), the
team's writer (``dnd-console serve``) and handing a granted login's command to it (console.store.team and
console.store.requests do the database's side)."""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from console.errors import ConsoleError, InvalidInput, Refused
from console.services.base import actor
from console.services.context import AppContext
from console.store import requests
from console.store.db import Store
from console.store.identity import acting_for
from console.store.requests import Answer, Request
from console.store.team import grant_login, revoke_login

__all__ = [
    "IMPORT_CHILD",
    "Answer",
    "Grant",
    "Request",
    "forward",
    "grant",
    "request_runner",
    "run_as",
    "run_request",
    "serve",
]

#: The writer's import lane: each granted login's ``import`` runs in a child process started with this command
#: line (console/writer_child.py says how it learns which request, and whom it acts for).
IMPORT_CHILD = (sys.executable, "-m", "console.writer_child")

#: The commands a granted login may hand to the writer (first one or two words). Anything else is refused.
FORWARDABLE = frozenset(
    {
        ("set",),
        ("undo",),
        ("import",),
        ("contacts", "add"),
        ("contacts", "edit"),
        ("review", "submit"),
        ("review", "update"),
        ("review", "approve"),
        ("review", "reject"),
        ("review", "needs-info"),
        ("possible-opt-outs", "confirm"),
        ("possible-opt-outs", "dismiss"),
        ("agents", "add"),
        ("locations", "add"),
        ("locations", "connect"),
        ("locations", "disconnect"),
        ("db", "grant"),
    }
)


@dataclass(frozen=True, slots=True)
class Grant:
    login: str
    role: str | None
    revoked: bool

    def as_dict(self) -> dict[str, object]:
        return {"login": self.login, "role": self.role, "revoked": self.revoked}


def grant(ctx: AppContext, login: str, role: str | None, revoke: bool = False) -> Grant:
    """Set a database login up with one role and nothing more (or take its access away): PostgreSQL, admin."""
    if ctx.store.dialect != "postgresql":
        raise InvalidInput("db grant is for PostgreSQL: on SQLite (one desk) identities are claimed, not enforced")
    if revoke == (role is not None):
        raise InvalidInput("give either --role agent|reviewer|admin or --revoke")
    with ctx.store.write() as session:
        who = actor(ctx, session)
        if revoke:
            revoke_login(session, who, login)
        else:
            assert role is not None
            grant_login(session, who, login, role)
    return Grant(login, None if revoke else role, revoke)


def serve(
    ctx: AppContext,
    invoke: Callable[[Request, Sequence[str]], Answer],
    should_stop: Callable[[], bool],
    on_ready: Callable[[], None] | None = None,
) -> None:
    """Answer granted logins' requests until ``should_stop``: each runs through ``invoke`` (the command line, with
    the request's arguments, its files saved locally) as the login that asked, on this process's open store."""
    store = ctx.store
    if store.dialect != "postgresql":
        raise InvalidInput("serve is for PostgreSQL team mode (on SQLite every console writes itself)")
    if store.writes_through_writer():
        raise Refused("serve must run as the owner of the console's schema, not as a granted login")
    with tempfile.TemporaryDirectory(prefix="dnd-console-serve-") as work:
        requests.serve(store, request_runner(store, invoke), Path(work), should_stop=should_stop, on_ready=on_ready,
                       import_child=IMPORT_CHILD)


def run_request(url: str, request_id: int, folder: Path, invoke: Callable[[Request, Sequence[str]], Answer]) -> Answer:
    """In the writer's import child (console/writer_child.py): run request ``request_id`` as its login, read from
    the request queue itself; only the schema's owner can read it, and only a request the writer claimed runs."""
    try:
        store = Store(url, migrate=False)
    except ConsoleError as exc:
        return Answer(2, "", f"dnd-console: {exc}\n")
    try:
        if store.dialect != "postgresql" or store.writes_through_writer():
            return Answer(2, "", "dnd-console: the writer's import process runs as the schema's owner only\n")
        request = requests.claimed_request(store, request_id)
        if request is None:
            return Answer(2, "", f"dnd-console: request {request_id} is not one the writer is running\n")
        folder.mkdir(parents=True, exist_ok=True)
        return request_runner(store, invoke)(request, folder)
    finally:
        store.dispose()


def request_runner(
    store: Store, invoke: Callable[[Request, Sequence[str]], Answer]
) -> Callable[[Request, Path], Answer]:
    """How the writer runs one request: its files saved under the request's folder, then ``invoke`` with the
    command line's arguments, as the request's login, on the writer's own store."""

    def run(request: Request, folder: Path) -> Answer:
        argv = _local_argv(request, folder)
        if isinstance(argv, Answer):
            return argv
        with run_as(store, request.actor):
            return invoke(request, ["--db", store.url, "--region", request.region, *argv])

    return run


def _local_argv(request: Request, folder: Path) -> list[str] | Answer:
    """The request's arguments with every file it sent saved under ``folder``; an Answer if it may not run."""
    argv = list(request.argv)
    words = tuple(a for a in argv[:2] if not a.startswith("-"))
    if words[:1] not in FORWARDABLE and words[:2] not in FORWARDABLE:
        return Answer(1, "", f"dnd-console: the writer does not run {' '.join(words) or 'that'} for a login\n")
    sent = dict(request.files)
    for position, token in enumerate(argv):
        if token in sent:
            local = folder / str(position) / (Path(token).name or "file")
            local.parent.mkdir(parents=True, exist_ok=True)
            local.write_bytes(sent[token])
            argv[position] = str(local)
        elif token and not token.startswith("-") and Path(token).exists():
            return Answer(2, "", f"dnd-console: {token}: the writer reads only files sent with the request\n")
    return argv


@contextlib.contextmanager
def run_as(store: Store, login: str) -> Iterator[None]:
    """While the writer runs a request: the request's login acts, and commands use the writer's open store."""
    reset = acting_for.set(login)
    AppContext.shared[store.url] = store
    try:
        yield
    finally:
        AppContext.shared.pop(store.url, None)
        acting_for.reset(reset)


def forward(store: object, argv: Sequence[str], region: str, files: Sequence[tuple[str, bytes]],
            should_stop: Callable[[], bool] | None = None) -> Answer:
    """A granted login's write: hand ``argv`` (and the bytes of the files it names) to the writer of ``store``'s
    database and wait for its answer (``should_stop``, or Ctrl-C: cancel the request in the writer, then wait for
    the answer, which says what was done; ``requests.forward``). Unavailable when no
    writer runs."""
    assert isinstance(store, Store)
    return requests.forward(store, argv, region, files, should_stop)
