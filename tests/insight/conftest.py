"""Fixtures of the insight tests: a world on each backend, its services context, and the CLI on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from console.services.context import AppContext, Settings
from console.store.db import Store
from tests.cli.clitools import CliRunner
from tests.helpers import World


@pytest.fixture
def world(store: Store) -> World:
    return World(store)


@pytest.fixture
def app(store: Store) -> Iterator[AppContext]:
    """The services' context on the test store (not closed here: the store fixture disposes it)."""
    yield AppContext(Settings(db_url=store.url), _store=store)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db_url: str) -> CliRunner:
    return CliRunner(monkeypatch, capsys, db_url)
