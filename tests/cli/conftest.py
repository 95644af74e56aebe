"""Fixtures of the CLI tests: ``cli`` runs dnd-console in-process on the test database."""

from __future__ import annotations

from pathlib import Path

import pytest

from .clitools import CliRunner

SHARED_SAMPLES = Path("/work/shared/samples")


@pytest.fixture
def samples(samples: Path) -> Path:
    """The worked example's files: tests/data/samples when present, else the shared read-only copy."""
    if (samples / "contacts.csv").is_file():
        return samples
    if (SHARED_SAMPLES / "contacts.csv").is_file():
        return SHARED_SAMPLES
    pytest.skip("sample files not found")


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db_url: str) -> CliRunner:
    """``cli("status", "1", "--json")`` on the ``db_url`` database (SQLite; PostgreSQL when configured)."""
    return CliRunner(monkeypatch, capsys, db_url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'only-sqlite.db'}"


@pytest.fixture
def sqlite_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], sqlite_url: str) -> CliRunner:
    """For what only SQLite can show (switching DND_CONSOLE_ACTOR; on PostgreSQL the database user acts)."""
    return CliRunner(monkeypatch, capsys, sqlite_url)


@pytest.fixture
def bare_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> CliRunner:
    """No --db: tests pass their own."""
    return CliRunner(monkeypatch, capsys, None)


@pytest.fixture
def imported(cli: CliRunner, samples: Path) -> CliRunner:
    """The worked example: contacts.csv, then every other sample file, in one call."""
    files = sorted(p for p in samples.iterdir() if p.suffix in (".csv", ".json", ".jsonl"))
    cli.ok("import", *files)
    return cli
