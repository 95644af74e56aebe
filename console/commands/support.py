"""What every command shares: the context, JSON output, options and the one-line error rule."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any, ClassVar, NoReturn, TypeVar

import click
import orjson
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from console.domain.channels import CHANNEL_ORDER, Channel, parse_channel
from console.errors import UserError
from console.store.contacts import find_contacts
from console.store.db import Store, WriterNeeded, error_line
from console.store.identity import current_actor
from console.store.locations import get_location
from console.store.models import Contact, Location

F = TypeVar("F", bound=Callable[..., Any])


class Context:
    """Options of the ``dnd-console`` group; the store opens (and migrates) on first use."""

    def __init__(self, db: str | None, region: str) -> None:
        self.db = db
        self.region = region
        self._store: Store | None = None

    #: Stores a long-running process lends to the commands it runs (the team writer, commands/team_cmds.py).
    shared: ClassVar[dict[str, Store]] = {}

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = self.shared.get(self.db or "") or Store(self.db)
        return self._store

    def actor(self, session: Session) -> str:
        return current_actor(session)

    def location(self, session: Session, name: str | None) -> Location:
        return get_location(session, name)

    def contacts(self, session: Session, ref: str, location: str | None) -> list[Contact]:
        return find_contacts(session, ref, self.location(session, location).id, self.region)


pass_ctx = click.make_pass_decorator(Context)


def emit_json(data: object) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")


def fail(message: str, code: int) -> NoReturn:
    click.echo(f"dnd-console: {message}", err=True)
    sys.exit(code)


def user_errors(func: F) -> F:
    """A user error prints one clear line and never a traceback; each command is one transaction."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except WriterNeeded:
            raise  # main() hands the command to the team's writer
        except UserError as exc:
            fail(str(exc), exc.exit_code)
        except (OperationalError, DBAPIError) as exc:
            detail = error_line(exc)
            if "locked" in detail or "busy" in detail:
                fail(f"the database is busy ({detail}); try again in a moment", 2)
            fail(f"database error: {detail}", 2)
        except KeyboardInterrupt:
            fail("interrupted; work already committed is kept", 130)

    return wrapper  # type: ignore[return-value]


CHANNEL_NAMES = [c.value for c in CHANNEL_ORDER]


def channel_option(
    allow_all: bool = False, required: bool = True, only: Sequence[str] | None = None
) -> Callable[[F], F]:
    """``--channel``; an unknown name is a one-line user error (exit 2), not click's usage block."""
    names = list(only or CHANNEL_NAMES) + (["all"] if allow_all else [])
    help_text = "the channel" + (" (all: every channel, connected or not)" if allow_all else "")

    def check(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
        if value is None:
            return None
        wanted = value.strip().lower()
        if wanted not in names:
            known = wanted in CHANNEL_NAMES
            what = "cannot be used here" if known else "is not a channel"
            raise UserError(f"--channel {value!r} {what} (choose one of: {', '.join(names)})")
        return wanted

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
        raise UserError(str(exc)) from None


location_option = click.option("--location", default=None, help="location (default: Default)")
json_option = click.option("--json", "as_json", is_flag=True, help="machine-readable output on stdout")
