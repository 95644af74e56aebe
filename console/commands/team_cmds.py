"""Team mode on PostgreSQL: ``db grant`` and ``serve`` (console.store.team), and forwarding a granted login's
writes to the writer."""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

import click
from click.testing import CliRunner

from console.commands.admin import db
from console.commands.support import Context, emit_json, json_option, pass_ctx, user_errors
from console.errors import Refused, StoreUnavailable, UserError
from console.store.db import Store
from console.store.identity import ROLES, acting_for
from console.store.requests import Answer, Request, forward, serve
from console.store.team import grant_login, revoke_login

log = logging.getLogger(__name__)

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


@db.command("grant")
@click.argument("login")
@click.option("--role", type=click.Choice(ROLES), default=None, help="the role the login acts with")
@click.option("--revoke", is_flag=True, help="take the login's access and its agents row away again")
@json_option
@pass_ctx
@user_errors
def db_grant(ctx: Context, login: str, role: str | None, revoke: bool, as_json: bool) -> None:
    """Set a database login up to use the console with one role and nothing more (PostgreSQL, admin)."""
    if ctx.store.dialect != "postgresql":
        raise UserError("db grant is for PostgreSQL: on SQLite (one desk) identities are claimed, not enforced")
    if revoke == (role is not None):
        raise UserError("give either --role agent|reviewer|admin or --revoke")
    with ctx.store.write() as session:
        actor = ctx.actor(session)
        if revoke:
            revoke_login(session, actor, login)
        else:
            assert role is not None
            grant_login(session, actor, login, role)
    result = {"login": login, "role": None if revoke else role, "revoked": revoke}
    if as_json:
        emit_json(result)
    elif revoke:
        click.echo(f"{login} can no longer use the console")
    else:
        click.echo(f"{login} can now use the console as {role} (and nothing more)")


@click.command("serve")
@pass_ctx
@user_errors
def serve_command(ctx: Context) -> None:
    """Run the team's writer beside the database, as the schema's owner: it applies every granted login's
    changes through the console's rules. Stop it with Ctrl-C."""
    store = ctx.store
    if store.dialect != "postgresql":
        raise UserError("serve is for PostgreSQL team mode (on SQLite every console writes itself)")
    if store.writes_through_writer():
        raise Refused("serve must run as the owner of the console's schema, not as a granted login")
    stopping: list[bool] = []

    def stop(_signum: int, _frame: FrameType | None) -> None:
        stopping.append(True)

    signal.signal(signal.SIGTERM, stop)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    with tempfile.TemporaryDirectory(prefix="dnd-console-serve-") as work, contextlib.suppress(KeyboardInterrupt):
        serve(
            store,
            lambda request, folder: run_request(store, request, folder),
            Path(work),
            should_stop=lambda: bool(stopping),
            on_ready=lambda: click.echo("dnd-console serve: answering requests (Ctrl-C stops)", err=True),
        )


def run_request(store: Store, request: Request, folder: Path) -> Answer:
    """Run one request's command as its actor, with the files it sent, on the writer's own store."""
    argv = list(request.argv)
    words = tuple(a for a in argv[:2] if not a.startswith("-"))
    if words[:1] not in FORWARDABLE and words[:2] not in FORWARDABLE:
        return Answer(1, "", f"dnd-console: the writer does not run {' '.join(words) or 'that'} for a login\n")
    sent = {name: content for name, content in request.files}
    for position, token in enumerate(argv):
        if token in sent:
            local = folder / str(position) / (Path(token).name or "file")
            local.parent.mkdir(parents=True, exist_ok=True)
            local.write_bytes(sent[token])
            argv[position] = str(local)
        elif token and not token.startswith("-") and Path(token).exists():
            return Answer(2, "", f"dnd-console: {token}: the writer reads only files sent with the request\n")
    from console.cli import cli

    reset = acting_for.set(request.actor)
    try:
        with shared_store(store):
            result = CliRunner().invoke(cli, ["--db", store.url, "--region", request.region, *argv])
    finally:
        acting_for.reset(reset)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        log.error("request %s: %r", request.id, result.exception)
        return Answer(70, result.stdout, "dnd-console: the writer could not run the command\n")
    return Answer(result.exit_code, result.stdout, result.stderr)


class shared_store:
    """While the writer runs a request, the command uses the writer's open store instead of opening one."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __enter__(self) -> None:
        Context.shared[self.store.url] = self.store

    def __exit__(self, *_exc: object) -> None:
        Context.shared.pop(self.store.url, None)


def forward_command(argv: Sequence[str], store: Store) -> int:
    """A granted login's write: hand the command to the writer on ``store``'s database; print its answer; its
    exit code."""
    from console.cli import cli

    parsed = cli.make_context("dnd-console", list(argv), resilient_parsing=True)
    rest = [*getattr(parsed, "_protected_args", []), *parsed.args]
    region = str(parsed.params.get("region") or "US").upper()
    files = [(token, Path(token).read_bytes()) for token in dict.fromkeys(rest) if _sendable(token)]
    try:
        answer = forward(store, rest, region, files)
    except StoreUnavailable as exc:
        click.echo(f"dnd-console: {exc}", err=True)
        return exc.exit_code
    sys.stdout.write(answer.stdout)
    sys.stderr.write(answer.stderr)
    return answer.exit_code


def _sendable(token: str) -> bool:
    if not token or token.startswith("-"):
        return False
    try:
        return Path(token).is_file()
    except OSError:
        return False


COMMANDS = [serve_command]
