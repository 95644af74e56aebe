"""Fixtures of the team-mode tests: several stores on one database, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from console.domain.events import now_us
from console.store.db import Store
from console.store.models import Contact
from tests.cli.clitools import Result
from tests.cli.clitools import run_cli as cli_run
from tests.conftest import PG_ENV, PgSchema, pg_url

needs_pg = pytest.mark.skipif(not pg_url(), reason=f"{PG_ENV} not set")


class Databases:
    """Fresh, empty databases of one backend; every one is removed at the end of the test."""

    def __init__(self, backend: str, folder: Path) -> None:
        self.backend = backend
        self.folder = folder
        self.schemas: list[PgSchema] = []
        self.count = 0

    def new(self) -> str:
        self.count += 1
        if self.backend == "sqlite":
            return f"sqlite:///{self.folder / f'db{self.count}.db'}"
        base = pg_url()
        assert base
        schema = PgSchema(base)
        self.schemas.append(schema)
        return schema.url

    def drop(self) -> None:
        for schema in self.schemas:
            schema.drop()


def _backends() -> list[object]:
    return ["sqlite", pytest.param("postgresql", marks=[pytest.mark.postgres, needs_pg])]


@pytest.fixture(params=_backends())
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Databases]:
    made = Databases(request.param, tmp_path)
    try:
        yield made
    finally:
        made.drop()


@pytest.fixture
def pg_databases(tmp_path: Path) -> Iterator[Databases]:
    if not pg_url():
        pytest.skip(f"{PG_ENV} not set")
    made = Databases("postgresql", tmp_path)
    try:
        yield made
    finally:
        made.drop()


@pytest.fixture
def open_store() -> Iterator[Callable[[str], Store]]:
    """Opens stores that are all disposed at the end of the test."""
    opened: list[Store] = []

    def make(url: str) -> Store:
        store = Store(url)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.dispose()


def add_contacts(store: Store, count: int, location_id: int = 1) -> list[int]:
    """``count`` contacts user0@example.com ... with phones, inserted in one go (no events yet)."""
    now = now_us()
    with store.write() as session:
        rows = [
            Contact(
                location_id=location_id,
                name=f"User {i}",
                email=f"user{i}@example.com",
                phone=f"+1415555{i:04d}",
                created_at_us=now,
                updated_at_us=now,
                dnd_mask=0,
            )
            for i in range(count)
        ]
        session.add_all(rows)
        session.flush()
        return [c.id for c in rows]


def with_user(url: str, user: str) -> str:
    return make_url(url).set(username=user, password=None).render_as_string(hide_password=False)


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """``run_cli(url, "status", "1")``: dnd-console in-process through its real entry point."""

    def run(url: str | None, *args: str) -> Result:
        return cli_run(*(["--db", url] if url else []), *args, monkeypatch=monkeypatch, capsys=capsys)

    return run


def assert_one_line_error(result: Result, code: int = 2) -> str:
    assert result.code == code, result
    assert "Traceback" not in result.output, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result
    return lines[0]
