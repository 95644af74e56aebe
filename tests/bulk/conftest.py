"""Fixtures of the bulk tests: ``cli`` runs dnd-console in-process on the test database (both backends)."""

from __future__ import annotations

import pytest

from tests.cli.clitools import CliRunner


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db_url: str) -> CliRunner:
    return CliRunner(monkeypatch, capsys, db_url)


from tests.services.conftest import desk  # noqa: E402,F401  (the services' Desk, on the same backends)
