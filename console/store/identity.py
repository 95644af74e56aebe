"""Who is acting, and what their role lets them do."""

from __future__ import annotations

import getpass
import os
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from console.domain.events import now_us
from console.domain.reviews import DECIDER_ROLES
from console.domain.roles import ADMIN, ROLES, agent_addition_blockers, role_blockers
from console.errors import InvalidInput, Refused
from console.store.models import Agent

__all__ = ["ROLES", "add_agent", "admin_exists", "can_review", "current_actor", "list_agents", "role_of"]

ACTOR_ENV = "DND_CONSOLE_ACTOR"


#: Set only by the team writer (``dnd-console serve``) while it runs a request: the login that asked for it,
#: which the database itself recorded (the request's ``session_user``).
acting_for: ContextVar[str | None] = ContextVar("acting_for", default=None)


def current_actor(session: Session | None = None, claimed: str | None = None) -> str:
    """The acting identity: the login a team writer acts for, else the database user in team mode on PostgreSQL,
    else ``claimed`` (Settings.actor), else DND_CONSOLE_ACTOR, else the login name."""
    delegated = acting_for.get()
    if delegated:
        return delegated
    if session is not None and session.get_bind().dialect.name == "postgresql":
        user = session.scalar(text("SELECT current_user"))
        if user:
            return str(user)
    if claimed and claimed.strip():
        return claimed.strip()
    name = os.environ.get(ACTOR_ENV, "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@dataclass(frozen=True, slots=True)
class IdentityMode:
    """How far the acting identity can be trusted (RULES.md, "Where the rules are enforced")."""

    #: ``claimed`` (SQLite: one desk), ``login`` (PostgreSQL, a login that can write the tables itself) or
    #: ``enforced`` (PostgreSQL, a login set up with ``db grant``: the server refuses every direct write).
    mode: str
    explanation: str

    @property
    def claimed(self) -> bool:
        return self.mode == "claimed"


CLAIMED = IdentityMode(
    "claimed",
    "identities are claimed, not proven (one desk: the operating-system login or DND_CONSOLE_ACTOR); "
    "a team that needs enforced roles uses PostgreSQL with db grant",
)


def identity_mode(session: Session) -> IdentityMode:
    """Claimed on SQLite; on PostgreSQL, enforced when this login cannot write the ledger by itself."""
    if session.get_bind().dialect.name != "postgresql":
        return CLAIMED
    user = session.scalar(text("SELECT current_user"))
    if session.scalar(text("SELECT has_table_privilege(current_user, 'events', 'INSERT')")):
        return IdentityMode(
            "login",
            f"the identity is the database login ({user}), which can write the console's tables itself: "
            "roles are enforced only for logins set up with db grant",
        )
    return IdentityMode("enforced", f"the identity is the database login ({user}); the server enforces its role")


def role_of(session: Session, actor: str) -> str:
    """An actor who is not in the agents table acts as an agent."""
    role = session.scalar(select(Agent.role).where(Agent.name == actor))
    return role or "agent"


def can_review(session: Session, actor: str) -> bool:
    return role_of(session, actor) in DECIDER_ROLES


def list_agents(session: Session) -> list[Agent]:
    return list(session.scalars(select(Agent).order_by(Agent.name)))


def admin_exists(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Agent).where(Agent.role == ADMIN)))


def add_agent(session: Session, actor: str, name: str, role: str) -> Agent:
    """Adding agents needs an admin, except while no admin exists (domain.roles): then anyone may add the first."""
    clean = name.strip()
    if not clean:
        raise InvalidInput("an agent needs a name")
    problems = role_blockers(role)
    if problems:
        raise InvalidInput(problems[0])
    refusals = agent_addition_blockers(actor, role_of(session, actor), role, admin_exists(session))
    if refusals:
        raise Refused("; ".join(refusals))
    agent = session.get(Agent, clean)
    if agent is None:
        agent = Agent(name=clean, role=role, added_by=actor, added_at_us=now_us())
        session.add(agent)
    else:
        agent.role = role
    session.flush()
    return agent
