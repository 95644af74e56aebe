"""What every command shares: the context, JSON output, options and the one-line error rule."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any, NoReturn, TypeVar

import click
import orjson

from console.domain.channels import CHANNEL_ORDER, Channel, parse_channel
from console.errors import ConsoleError, InvalidInput, Refused, WriterNeeded
from console.services.context import AppContext, Settings

F = TypeVar("F", bound=Callable[..., Any])


def make_context(settings: Settings) -> AppContext:
    """The context every command receives: the settings built by ``cli.py``; the store opens on first use."""
    return AppContext(settings)

pass_ctx = click.make_pass_decorator(AppContext)


def emit_json(data: object) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")


def fail(message: str, code: int) -> NoReturn:
    click.echo(f"dnd-console: {message}", err=True)
    sys.exit(code)


#: Exit codes of CLI.md: 0 done or allowed, 1 refused or blocked, 2 bad usage or unusable input (the environment
#: included: a busy or unreachable database). Decided here alone: the errors themselves know no exit codes.
EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def exit_code(exc: ConsoleError) -> int:
    return EXIT_REFUSED if isinstance(exc, Refused) else EXIT_USAGE


def user_errors(func: F) -> F:
    """A user error prints one clear line and never a traceback; each command is one transaction.

    Driver errors arrive already sorted by the store: the environment's as Unavailable (a ConsoleError), our bugs
    as themselves (a traceback, as a bug should).
    """

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except WriterNeeded:
            raise  # cli.main hands the command to the team's writer
        except ConsoleError as exc:
            fail(str(exc), exit_code(exc))
        except KeyboardInterrupt:
            fail("interrupted; work already committed is kept", 130)

    return wrapper  # type: ignore[return-value]


CHANNEL_NAMES = [c.value for c in CHANNEL_ORDER]


def channel_option(
    allow_all: bool = False, required: bool = True, only: Sequence[str] | None = None, several: bool = False
) -> Callable[[F], F]:
    """``--channel``; an unknown name is a one-line user error (exit 2), not click's usage block. ``several``: a
    comma-separated list of channels is accepted too (``sms,call``; not with ``all``)."""
    names = list(only or CHANNEL_NAMES) + (["all"] if allow_all else [])
    help_text = "the channel" + (" (all: every channel, connected or not)" if allow_all else "")
    if several:
        help_text += "; several: sms,call"

    def check(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
        if value is None:
            return None
        wanted = value.strip().lower()
        parts = [p.strip() for p in wanted.split(",")] if several and "," in wanted else [wanted]
        for part in parts:
            if part not in names or (len(parts) > 1 and part == "all"):
                known = part in CHANNEL_NAMES
                what = "cannot be used here" if known or part == "all" else "is not a channel"
                raise InvalidInput(f"--channel {value!r} {what} (choose one of: {', '.join(names)})")
        return ",".join(dict.fromkeys(parts))

    return click.option(
        "--channel",
        "channel",
        required=required,
        metavar="[" + "|".join(names) + "]",
        callback=check,
        help=help_text,
    )


def channels_argument(values: tuple[str, ...]) -> list[Channel]:
    try:
        return [parse_channel(v) for part in values for v in part.split(",") if v.strip()]
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


location_option = click.option("--location", default=None, help="location (default: Default)")
json_option = click.option("--json", "as_json", is_flag=True, help="machine-readable output on stdout")
