"""Team mode on PostgreSQL: ``db grant`` and ``serve`` (console.services.team), and forwarding a granted login's
writes to the writer."""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

import click
from click.testing import CliRunner

from console.commands.admin import db
from console.commands.support import EXIT_INTERRUPTED, emit_json, exit_code, json_option, pass_ctx, user_errors
from console.domain.roles import ROLES
from console.errors import ConsoleError
from console.services import team
from console.services.context import AppContext, Settings

log = logging.getLogger(__name__)


@db.command("grant")
@click.argument("login")
@click.option("--role", type=click.Choice(ROLES), default=None, help="the role the login acts with")
@click.option("--revoke", is_flag=True, help="take the login's access and its agents row away again")
@json_option
@pass_ctx
@user_errors
def db_grant(ctx: AppContext, login: str, role: str | None, revoke: bool, as_json: bool) -> None:
    """Set a database login up to use the console with one role and nothing more (PostgreSQL, admin)."""
    result = team.grant(ctx, login, role, revoke)
    if as_json:
        emit_json(result.as_dict())
    elif revoke:
        click.echo(f"{login} can no longer use the console")
    else:
        click.echo(f"{login} can now use the console as {role} (and nothing more)")


@click.command("serve")
@pass_ctx
@user_errors
def serve_command(ctx: AppContext) -> None:
    """Run the team's writer beside the database, as the schema's owner: it applies every granted login's
    changes through the console's rules. Stop it with Ctrl-C."""
    invoke = cli_invoker(click.get_current_context().find_root().command)
    stopping: list[bool] = []

    def stop(_signum: int, _frame: FrameType | None) -> None:
        stopping.append(True)

    signal.signal(signal.SIGTERM, stop)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        team.serve(
            ctx,
            invoke,
            should_stop=lambda: bool(stopping),
            on_ready=lambda: click.echo("dnd-console serve: answering requests (Ctrl-C stops)", err=True),
        )


def cli_invoker(root: click.Command) -> Callable[[team.Request, Sequence[str]], team.Answer]:
    """The writer's way to run a request: the whole command line (``root``) in this process, its output captured."""

    def invoke(request: team.Request, argv: Sequence[str]) -> team.Answer:
        result = CliRunner().invoke(root, list(argv))
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            log.error("request %s: %r", request.id, result.exception)
            name = type(result.exception).__name__
            return team.Answer(70, result.stdout, f"dnd-console: the writer could not run the command ({name})\n")
        return team.Answer(result.exit_code, result.stdout, result.stderr)

    return invoke


def forward_command(root: click.Command, argv: Sequence[str], store: object) -> int:
    """A granted login's write: hand the command to the writer on ``store``'s database; print its answer; its
    exit code."""
    parsed = root.make_context("dnd-console", list(argv), resilient_parsing=True)
    rest = [*getattr(parsed, "_protected_args", []), *parsed.args]
    region = Settings.from_env(region=parsed.params.get("region")).region
    files = [(token, Path(token).read_bytes()) for token in dict.fromkeys(rest) if _sendable(token)]
    try:
        answer = team.forward(store, rest, region, files)
    except ConsoleError as exc:
        click.echo(f"dnd-console: {exc}", err=True)
        return exit_code(exc)
    sys.stdout.write(answer.stdout)
    sys.stderr.write(answer.stderr)
    if answer.cancelled:  # Ctrl-C cancelled it in the writer: the exit code of an interrupted local command
        if not answer.stderr.strip():
            click.echo("dnd-console: cancelled in the team's writer; what it committed is kept", err=True)
        return EXIT_INTERRUPTED
    return answer.exit_code


def _sendable(token: str) -> bool:
    if not token or token.startswith("-"):
        return False
    try:
        return Path(token).is_file()
    except OSError:
        return False


COMMANDS = [serve_command]
