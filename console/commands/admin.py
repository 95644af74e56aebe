"""Locations, agents, demo data and the schema (the audit chain: audit_cmds.py)."""

from __future__ import annotations

import click

from console.commands.support import channels_argument, emit_json, json_option, pass_ctx, user_errors
from console.domain.channels import CHANNEL_ORDER
from console.domain.roles import ROLES
from console.services import agents as agent_services
from console.services import locations as location_services
from console.services.context import AppContext


@click.group()
def locations() -> None:
    """Locations (sub-accounts) and their connected channels."""


@locations.command("list")
@json_option
@pass_ctx
@user_errors
def locations_list(ctx: AppContext, as_json: bool) -> None:
    rows = location_services.list_locations(ctx)
    if as_json:
        emit_json({"locations": [row.as_dict() for row in rows]})
        return
    for row in rows:
        click.echo(f"{row.name}: {', '.join(c.value for c in row.connected_in_order) or 'no channel connected'}")


@locations.command("add")
@click.argument("name")
@click.option(
    "--channels",
    default=",".join(c.value for c in CHANNEL_ORDER),
    show_default=True,
    help="connected channels, comma separated",
)
@json_option
@pass_ctx
@user_errors
def locations_add(ctx: AppContext, name: str, channels: str, as_json: bool) -> None:
    """Add a location (needs admin once an admin exists)."""
    added = location_services.add_location(ctx, name, channels_argument((channels,))).result
    if as_json:
        emit_json({"id": added.id, "name": added.name})
    else:
        click.echo(f"added location {added.name} (id {added.id})")


def _connect(ctx: AppContext, name: str, values: tuple[str, ...], connected: bool) -> None:
    wanted = channels_argument(values)
    if not wanted:
        raise click.UsageError("name at least one channel")
    place = location_services.set_connected(ctx, name, wanted, connected).result
    verb = "connected" if connected else "disconnected (every contact's DND state for it is kept)"
    click.echo(f"{place.name}: {', '.join(c.label for c in wanted)} {verb}")


@locations.command("connect")
@click.argument("name")
@click.argument("channels", nargs=-1, required=True)
@pass_ctx
@user_errors
def locations_connect(ctx: AppContext, name: str, channels: tuple[str, ...]) -> None:
    """Connect channels of a location (needs admin once an admin exists)."""
    _connect(ctx, name, channels, True)


@locations.command("disconnect")
@click.argument("name")
@click.argument("channels", nargs=-1, required=True)
@pass_ctx
@user_errors
def locations_disconnect(ctx: AppContext, name: str, channels: tuple[str, ...]) -> None:
    """Disconnect channels of a location, keeping every contact's DND state (needs admin once one exists)."""
    _connect(ctx, name, channels, False)


@click.group()
def agents() -> None:
    """Agents and their roles (agent, reviewer, admin)."""


@agents.command("list")
@json_option
@pass_ctx
@user_errors
def agents_list(ctx: AppContext, as_json: bool) -> None:
    rows = agent_services.list_agents(ctx)
    mode = agent_services.identity_mode(ctx)
    if as_json:
        emit_json({"agents": [row.as_dict() for row in rows], "identities": mode.mode})
        return
    for row in rows:
        click.echo(f"{row.name}\t{row.role}")
    if not rows:
        click.echo("no agents yet (everyone acts as an agent; add the first admin with: agents add NAME --role admin)")
    click.echo(f"note: {mode.explanation}")


@agents.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="agent", show_default=True)
@json_option
@pass_ctx
@user_errors
def agents_add(ctx: AppContext, name: str, role: str, as_json: bool) -> None:
    agent = agent_services.add_agent(ctx, name, role).result
    if as_json:
        emit_json({"name": agent.name, "role": agent.role})
    else:
        click.echo(f"{agent.name} is now {agent.role}")


@click.command()
@click.option("--contacts", "count", default=3000, show_default=True, type=click.IntRange(1, 5_000_000))
@click.option("--seed", default=7, show_default=True, help="random seed: the same seed builds the same data")
@json_option
@pass_ctx
@user_errors
def demo(ctx: AppContext, count: int, seed: int, as_json: bool) -> None:
    """Fill the database with generated contacts and realistic events."""
    from console.services.demo import fill_demo

    stats = fill_demo(ctx, contacts=count, seed=seed)
    if as_json:
        emit_json(stats)
    else:
        click.echo(", ".join(f"{k}: {v}" for k, v in stats.items()))


@click.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@pass_ctx
@user_errors
def db_upgrade(ctx: AppContext) -> None:
    """Create or migrate the schema (also done automatically on first use)."""
    from console.services.database import schema_revision

    revision = schema_revision(ctx)
    click.echo(f"schema at revision {revision}")


COMMANDS = [locations, agents, demo, db]
