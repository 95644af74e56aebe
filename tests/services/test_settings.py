"""Settings declared once: built from explicit values, then the DND_CONSOLE_* environment, then defaults; the
database URL's variable is read there alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.commands.imports import TerminalProgress
from console.importers.summary import ImportProgress
from console.services.context import AppContext, Settings
from console.store.db import Store, default_url, resolve_url


def test_explicit_values_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DND_CONSOLE_DB", "sqlite:///env.db")
    monkeypatch.setenv("DND_CONSOLE_REGION", "gb")
    monkeypatch.setenv("DND_CONSOLE_IMPORT_WORKERS", "3")
    monkeypatch.setenv("DND_CONSOLE_ACTOR", "ann")
    from_env = Settings.from_env()
    assert (from_env.db_url, from_env.region, from_env.import_workers, from_env.actor) == (
        "sqlite:///env.db",
        "GB",
        3,
        "ann",
    )
    explicit = Settings.from_env(db_url="sqlite:///x.db", region="de")
    assert (explicit.db_url, explicit.region) == ("sqlite:///x.db", "DE")
    monkeypatch.setenv("DND_CONSOLE_IMPORT_WORKERS", "lots")
    assert Settings.from_env().import_workers is None


def test_the_store_never_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DND_CONSOLE_DB", "sqlite:///env.db")
    assert resolve_url(None) == default_url()


def test_a_context_opens_its_store_once_and_closes_it(tmp_path: Path) -> None:
    opened: list[str | None] = []

    def opener(url: str | None) -> Store:
        opened.append(url)
        return Store(url)

    ctx = AppContext(Settings(db_url=f"sqlite:///{tmp_path / 'c.db'}"), opener=opener)
    assert ctx.store is ctx.store and len(opened) == 1
    ctx.close()
    assert ctx.store is not None and len(opened) == 2
    ctx.close()


def test_the_terminal_progress_bar_is_clicks_one_per_file(capsys: pytest.CaptureFixture[str]) -> None:
    bar = TerminalProgress()
    bar(ImportProgress("/tmp/a.csv", 10, 100, 5, 1.0))
    bar(ImportProgress("/tmp/a.csv", 100, 100, 50, 2.0))
    bar(ImportProgress("/tmp/b.jsonl", 5, 50, 60, 2.5))
    bar.close()
    err = capsys.readouterr().err
    assert "a.csv" in err and "b.jsonl" in err
