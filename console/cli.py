"""Entry point of ``dnd-console`` (also ``python -m console``): the composition root.

The settings are built here once, from ``--db`` / ``--region`` and the ``DND_CONSOLE_*`` environment
(:meth:`Settings.from_env`), and handed to every command and to the window.
"""

from __future__ import annotations

import sys

import click

from console.commands import admin, audit_cmds, bulk_cmds, contacts, dnd, imports, insight, reviews, team_cmds
from console.commands.support import exit_code, fail, make_context, pass_ctx, user_errors
from console.errors import ConsoleError, WriterNeeded
from console.logs import setup_logging, stop_logging
from console.services.context import AppContext, Settings
from console.store.identity import acting_for


class ConsoleGroup(click.Group):
    """The ``dnd-console`` group: a user error raised while a command's arguments are read (an unknown channel
    name, say) ends with the same one line and exit code as one raised by the command itself; a granted login's
    write (WriterNeeded) is handed, whole, to the team's writer."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["dnd_argv"] = list(args)  # the whole command line, should it go to the team's writer
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except WriterNeeded as exc:  # a login set up with db grant: its change goes to the team's writer
            ctx.exit(team_cmds.forward_command(self, ctx.meta["dnd_argv"], exc.store))
        except ConsoleError as exc:
            fail(str(exc), exit_code(exc))


@click.group(
    cls=ConsoleGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.option("--db", default=None, help="SQLAlchemy database URL (or DND_CONSOLE_DB; default: the user data folder)")
@click.option("--region", default=None, help="default region for national phone numbers (or DND_CONSOLE_REGION; US)")
@click.option("-v", "--verbose", is_flag=True, help="log what happens to stderr too (always to the log file)")
@click.version_option(package_name="dnd-console")
@click.pass_context
def cli(click_ctx: click.Context, db: str | None, region: str | None, verbose: bool) -> None:
    """DND Console: see and change each contact's Do Not Disturb, per channel."""
    if acting_for.get() is None:  # not a request the team's writer runs (its own logging serves its threads)
        setup_logging(verbose)
        click_ctx.call_on_close(stop_logging)
    settings = Settings.from_env(db_url=db, region=region)
    ctx = make_context(settings)
    click_ctx.obj = ctx
    click_ctx.call_on_close(ctx.close)
    if click_ctx.invoked_subcommand is None:
        click_ctx.invoke(gui)


@cli.command()
@click.option("--demo", "use_demo", is_flag=True, help="open a fresh demo database")
@click.option("--contact", default=None, metavar="CONTACT", help="open with this contact (id, email or phone) selected")
@pass_ctx
@user_errors
def gui(ctx: AppContext, use_demo: bool, contact: str | None) -> None:
    """Open the console window."""
    from console.ui.app import run_gui

    sys.exit(run_gui(ctx.settings, use_demo, contact=contact))


for module in (admin, audit_cmds, contacts, dnd, imports, reviews, insight, bulk_cmds, team_cmds):
    for command in module.COMMANDS:
        cli.add_command(command)


def main() -> None:
    cli(prog_name="dnd-console")
