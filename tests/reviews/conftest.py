"""Fixtures of the review tests: a contact with locked channels, a reviewer and an admin, and the CLI in-process."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

import console.services.context as services_context
from console.cli import main
from console.domain.channels import DndKind
from console.store.db import Store
from console.store.identity import add_agent
from console.store.models import Contact
from tests.helpers import World, email_set, sms_stop

PHONE = "+14155550100"
EMAIL = "ann@example.com"
BUSINESS = "+14155559000"
VIDEO = "video=https://evidence.example.com/optin.mp4"
SUBMITTER, REVIEWER, ADMIN = "ana.agent", "rita.reviewer", "admin"


@dataclass
class Desk:
    """A store where Ann's SMS is opted out (permanent) and her email complained (spam), with a reviewer."""

    world: World
    ann: Contact

    @property
    def store(self) -> Store:
        return self.world.store


def lock_ann(world: World) -> Contact:
    ann = world.contact("Ann Lee", EMAIL, PHONE)
    world.record(sms_stop(PHONE, "2024-03-01 10:00"),
                 email_set(EMAIL, "2024-03-02 10:00", DndKind.SPAM, "email.complained"))
    return ann


def add_team(store: Store) -> None:
    with store.write() as session:
        add_agent(session, ADMIN, ADMIN, "admin")
        add_agent(session, ADMIN, REVIEWER, "reviewer")
        add_agent(session, ADMIN, SUBMITTER, "agent")


@pytest.fixture
def desk(store: Store) -> Desk:
    world = World(store)
    ann = lock_ann(world)
    add_team(store)
    return Desk(world, ann)


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)


Cli = Callable[..., Run]


def make_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str) -> Cli:
    """``cli("review", "list", actor="rita.reviewer")``: console.cli.main in-process, as that actor."""

    def run(*args: str | int, actor: str = SUBMITTER) -> Run:
        opened: list[Store] = []

        class TrackedStore(Store):
            def __init__(self, *a: Any, **kw: Any) -> None:
                super().__init__(*a, **kw)
                opened.append(self)

        capsys.readouterr()
        with monkeypatch.context() as patch:
            patch.setenv("DND_CONSOLE_ACTOR", actor)
            patch.setattr(sys, "argv", ["dnd-console", "--db", url, *map(str, args)])
            patch.setattr(services_context, "Store", TrackedStore)
            try:
                main()
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
            finally:
                for opened_store in opened:
                    opened_store.dispose()
        out = capsys.readouterr()
        return Run(code, out.out, out.err)

    return run


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db_url: str, desk: Desk) -> Cli:
    """The CLI on the ``desk`` database (SQLite, and PostgreSQL when configured)."""
    return make_cli(monkeypatch, capsys, db_url)


@pytest.fixture
def sqlite_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], sqlite_store: Store) -> Cli:
    """Only SQLite can switch actors through DND_CONSOLE_ACTOR (on PostgreSQL the database user acts)."""
    lock_ann(World(sqlite_store))
    add_team(sqlite_store)
    return make_cli(monkeypatch, capsys, sqlite_store.url)
