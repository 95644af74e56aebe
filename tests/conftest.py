"""Shared fixtures: a fresh store on SQLite, and on PostgreSQL when DND_CONSOLE_TEST_PG names a server."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # tests never need a screen

import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from console.store.db import Store

PG_ENV = "DND_CONSOLE_TEST_PG"
SAMPLES = Path(__file__).resolve().parent / "data" / "samples"


def pg_url() -> str | None:
    return os.environ.get(PG_ENV) or None


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never touch the user's data folder or settings, and act as a known agent."""
    monkeypatch.setenv("DND_CONSOLE_ACTOR", "tester")
    monkeypatch.delenv("DND_CONSOLE_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))  # the log folder


class PgSchema:
    """A schema of its own on the PostgreSQL server, so runs and tests never interfere."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.name = f"t_{uuid.uuid4().hex[:12]}"
        self.engine = create_engine(base)
        with self.engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.name}"'))
        sep = "&" if "?" in base else "?"
        self.url = f"{base}{sep}options={quote(f'-csearch_path={self.name}')}"

    def drop(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
        self.engine.dispose()


def _backends() -> list[object]:
    params: list[object] = ["sqlite"]
    params.append(
        pytest.param(
            "postgresql", marks=[pytest.mark.postgres, pytest.mark.skipif(not pg_url(), reason=f"{PG_ENV} not set")]
        )
    )
    return params


@pytest.fixture(params=_backends())
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: an SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'console.db'}"
        return
    base = pg_url()
    assert base
    schema = PgSchema(base)
    try:
        yield schema.url
    finally:
        schema.drop()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = Store(db_url)
    try:
        yield opened
    finally:
        opened.dispose()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(f"sqlite:///{tmp_path / 'console.db'}")
    try:
        yield opened
    finally:
        opened.dispose()


@pytest.fixture
def samples() -> Path:
    return SAMPLES
