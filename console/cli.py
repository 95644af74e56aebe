"""Entry point of ``dnd-console`` (also ``python -m console``): assembles the commands of CLI.md."""

from __future__ import annotations

import sys

import click

from console.commands import admin, audit_cmds, contacts, dnd, imports, reviews, team_cmds
from console.commands.support import Context, fail, pass_ctx, user_errors
from console.errors import UserError
from console.store.db import WriterNeeded

REGION_ENV = "DND_CONSOLE_REGION"


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", envvar="DND_CONSOLE_DB", default=None, help="SQLAlchemy database URL (or DND_CONSOLE_DB)")
@click.option(
    "--region",
    envvar=REGION_ENV,
    default="US",
    show_default=True,
    help="default region for national phone numbers",
)
@click.version_option(package_name="dnd-console")
@click.pass_context
def cli(click_ctx: click.Context, db: str | None, region: str) -> None:
    """DND Console: see and change each contact's Do Not Disturb, per channel."""
    click_ctx.obj = Context(db, region.upper())
    if click_ctx.invoked_subcommand is None:
        click_ctx.invoke(gui)


@cli.command()
@click.option("--demo", "use_demo", is_flag=True, help="open a fresh demo database")
@pass_ctx
@user_errors
def gui(ctx: Context, use_demo: bool) -> None:
    """Open the console window."""
    from console.ui.app import run_gui

    sys.exit(run_gui(ctx.db, use_demo))


for module in (admin, audit_cmds, contacts, dnd, imports, reviews, team_cmds):
    for command in module.COMMANDS:
        cli.add_command(command)


def main() -> None:
    try:
        cli(prog_name="dnd-console")
    except WriterNeeded as exc:  # a login set up with db grant: its change goes to the team's writer
        sys.exit(team_cmds.forward_command(sys.argv[1:], exc.store))
    except UserError as exc:  # raised while click parses, before a command's own handler
        fail(str(exc), exc.exit_code)
