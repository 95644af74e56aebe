"""Fixtures of the service tests: a context acting as a known agent on each backend, and a world to set up in."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from console.domain.channels import Channel
from console.domain.events import Effect, Event, Source
from console.services.agents import whoami
from console.services.context import AppContext, Settings
from console.store.db import Store
from console.store.models import Agent, LedgerEntry
from tests.helpers import World, at, key

ME = "ann.agent"  # who acts on SQLite; on PostgreSQL the database user acts


@dataclass
class Desk:
    """A context acting as ``me``, and a World on the same store to arrange what a test needs."""

    ctx: AppContext
    world: World
    me: str

    @property
    def store(self) -> Store:
        return self.world.store

    def grant(self, name: str, role: str) -> None:
        """Give ``name`` a role behind the services' back (no rule checked, nothing audited)."""
        with self.store.write() as session:
            session.merge(Agent(name=name, role=role, added_by="setup", added_at_us=0))

    def entries(self, reason: str | None = None) -> list[LedgerEntry]:
        with self.store.read() as session:
            rows = session.query(LedgerEntry).order_by(LedgerEntry.id).all()
        return [r for r in rows if reason is None or r.reason == reason]


@pytest.fixture
def desk(store: Store) -> Iterator[Desk]:
    ctx = AppContext.with_store(store, Settings(actor=ME))
    yield Desk(ctx, World(store), whoami(ctx)[0])


def possible_opt_out(phone: str, when: str = "2024-03-01 12:00", body: str = "please stop texting me") -> Event:
    """An inbound message that reads like an opt-out: it waits for an agent (possible_opt_outs)."""
    return Event(
        Source.TWILIO,
        key("SM"),
        at(when),
        Channel.SMS,
        Effect.NONE,
        None,
        "inbound/possible_opt_out",
        address=phone,
        detail={"label": "inbound/possible_opt_out", "possible_opt_out": "1", "body": body},
    )
