"""Locations, agents, demo data and the schema (the audit chain: audit_cmds.py)."""

from __future__ import annotations

import click

from console.commands.support import Context, channels_argument, emit_json, json_option, pass_ctx, user_errors
from console.domain.channels import CHANNEL_ORDER
from console.domain.events import iso_utc
from console.store.identity import ROLES, add_agent, identity_mode, list_agents
from console.store.ledger import record_note
from console.store.locations import add_location, connected_channels, list_locations, set_connected


@click.group()
def locations() -> None:
    """Locations (sub-accounts) and their connected channels."""


@locations.command("list")
@json_option
@pass_ctx
@user_errors
def locations_list(ctx: Context, as_json: bool) -> None:
    with ctx.store.read() as session:
        rows = [
            {
                "id": loc.id,
                "name": loc.name,
                "connected": [c.value for c in CHANNEL_ORDER if c in connected_channels(session, loc.id)],
            }
            for loc in list_locations(session)
        ]
    if as_json:
        emit_json({"locations": rows})
        return
    for row in rows:
        click.echo(f"{row['name']}: {', '.join(row['connected']) or 'no channel connected'}")


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
def locations_add(ctx: Context, name: str, channels: str, as_json: bool) -> None:
    wanted = channels_argument((channels,))
    with ctx.store.write() as session:
        location = add_location(session, name, wanted)
        record_note(
            session,
            location.id,
            ctx.actor(session),
            "location.added",
            {"name": location.name, "channels": ",".join(c.value for c in wanted)},
        )
        result = {"id": location.id, "name": location.name}
    emit_json(result) if as_json else click.echo(f"added location {result['name']} (id {result['id']})")


def _connect(ctx: Context, name: str, values: tuple[str, ...], connected: bool) -> None:
    wanted = channels_argument(values)
    if not wanted:
        raise click.UsageError("name at least one channel")
    with ctx.store.write() as session:
        location = ctx.location(session, name)
        set_connected(session, location.id, wanted, connected)
        record_note(
            session,
            location.id,
            ctx.actor(session),
            "location.connected" if connected else "location.disconnected",
            {"channels": ",".join(c.value for c in wanted)},
        )
    verb = "connected" if connected else "disconnected (every contact's DND state for it is kept)"
    click.echo(f"{location.name}: {', '.join(c.label for c in wanted)} {verb}")


@locations.command("connect")
@click.argument("name")
@click.argument("channels", nargs=-1, required=True)
@pass_ctx
@user_errors
def locations_connect(ctx: Context, name: str, channels: tuple[str, ...]) -> None:
    _connect(ctx, name, channels, True)


@locations.command("disconnect")
@click.argument("name")
@click.argument("channels", nargs=-1, required=True)
@pass_ctx
@user_errors
def locations_disconnect(ctx: Context, name: str, channels: tuple[str, ...]) -> None:
    _connect(ctx, name, channels, False)


@click.group()
def agents() -> None:
    """Agents and their roles (agent, reviewer, admin)."""


@agents.command("list")
@json_option
@pass_ctx
@user_errors
def agents_list(ctx: Context, as_json: bool) -> None:
    with ctx.store.read() as session:
        rows = [
            {"name": a.name, "role": a.role, "added_by": a.added_by, "added_at": iso_utc(a.added_at_us)}
            for a in list_agents(session)
        ]
        mode = identity_mode(session)
    if as_json:
        emit_json({"agents": rows, "identities": mode.mode})
        return
    for row in rows:
        click.echo(f"{row['name']}\t{row['role']}")
    if not rows:
        click.echo("no agents yet (everyone acts as an agent; add the first admin with: agents add NAME --role admin)")
    click.echo(f"note: {mode.explanation}")


@agents.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="agent", show_default=True)
@json_option
@pass_ctx
@user_errors
def agents_add(ctx: Context, name: str, role: str, as_json: bool) -> None:
    with ctx.store.write() as session:
        actor = ctx.actor(session)
        agent = add_agent(session, actor, name, role)
        record_note(
            session, ctx.location(session, None).id, actor, "agent.added", {"name": agent.name, "role": agent.role}
        )
        result = {"name": agent.name, "role": agent.role}
    emit_json(result) if as_json else click.echo(f"{result['name']} is now {result['role']}")


@click.command()
@click.option("--contacts", "count", default=3000, show_default=True, type=click.IntRange(1, 5_000_000))
@click.option("--seed", default=7, show_default=True, help="random seed: the same seed builds the same data")
@json_option
@pass_ctx
@user_errors
def demo(ctx: Context, count: int, seed: int, as_json: bool) -> None:
    """Fill the database with generated contacts and realistic events."""
    from console.store.demo import build_demo

    stats = build_demo(ctx.store, contacts=count, seed=seed)
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
def db_upgrade(ctx: Context) -> None:
    """Create or migrate the schema (also done automatically on first use)."""
    from console.store.migrate import current_revision

    revision = current_revision(ctx.store.engine)
    click.echo(f"schema at revision {revision}")


COMMANDS = [locations, agents, demo, db]
