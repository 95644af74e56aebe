"""Agents and their roles. Adding agents needs ``admin``, except while no admin exists: then anyone may add the
first admin (the rule lives in :mod:`console.domain.roles`). Each addition is an ``agent.added`` audit note."""

from __future__ import annotations

from dataclasses import dataclass

from console.domain.events import iso_utc
from console.services.base import Outcome, actor
from console.services.context import AppContext
from console.store import identity
from console.store.changes import AGENTS, Change
from console.store.ledger import record_note
from console.store.locations import get_location


@dataclass(frozen=True, slots=True)
class AgentView:
    name: str
    role: str
    added_by: str
    added_at_us: int

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "role": self.role, "added_by": self.added_by, "added_at": iso_utc(self.added_at_us)}


def list_agents(ctx: AppContext) -> list[AgentView]:
    with ctx.store.read() as session:
        return [AgentView(a.name, a.role, a.added_by, a.added_at_us) for a in identity.list_agents(session)]


def add_agent(ctx: AppContext, name: str, role: str) -> Outcome[AgentView]:
    """Add an agent (or give one another role)."""
    with ctx.store.write() as session:
        who = actor(ctx, session)
        agent = identity.add_agent(session, who, name, role)
        home = get_location(session, None)  # the note belongs to no location in particular: the Default one
        record_note(session, home.id, who, "agent.added", {"name": agent.name, "role": agent.role})
        view = AgentView(agent.name, agent.role, agent.added_by, agent.added_at_us)
    return Outcome(view, Change(AGENTS, None, frozenset(), who))


def whoami(ctx: AppContext) -> tuple[str, str]:
    """The acting identity and its role (an actor not in the agents table acts as an agent)."""
    with ctx.store.read() as session:
        who = actor(ctx, session)
        return who, identity.role_of(session, who)


def identity_mode(ctx: AppContext) -> identity.IdentityMode:
    """How far the acting identity can be trusted: ``claimed`` on SQLite (one desk), ``login`` or ``enforced``
    (a login set up with ``db grant``) on PostgreSQL; with the sentence a front end shows."""
    with ctx.store.read() as session:
        return identity.identity_mode(session)
@dataclass(frozen=True, slots=True)
class ActingView:
    """Who acts, with which role; ``claimed``: the name is the one the console was given (SQLite), not checked by
    the database (PostgreSQL's database user); ``admin_exists`` decides who may connect channels."""

    name: str
    role: str
    claimed: bool
    admin_exists: bool

    @property
    def words(self) -> str:
        """E.g. "Acting as ana.agent (agent)", with "claimed" on SQLite."""
        return f"Acting as {self.name} ({self.role})" + (", identity claimed, not verified" if self.claimed else "")


def acting(ctx: AppContext) -> ActingView:
    with ctx.store.read() as session:
        who = actor(ctx, session)
        claimed = session.get_bind().dialect.name != "postgresql"
        return ActingView(who, identity.role_of(session, who), claimed, identity.admin_exists(session))
