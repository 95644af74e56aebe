"""Driving ``dnd-console`` in-process through its real entry point (the ``cli`` group, run by click's own
``CliRunner``), and small helpers for the CLI tests."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner as ClickRunner
from sqlalchemy import create_engine, inspect, text

import console.services.context as services_context
from console.cli import cli
from console.store.db import Store

CHANNELS = ("email", "sms", "call", "facebook", "gmb", "whatsapp")
STATUS_CONTACT_KEYS = {"id", "name", "email", "phone", "location", "status", "channels"}
STATUS_CHANNEL_KEYS = {"connected", "dnd", "kind", "locked", "reason", "since", "source", "until", "version"}
HISTORY_KEYS = {"at", "recorded_at", "channel", "before", "after", "actor", "source", "reason", "event"}
STATE_KEYS = {"dnd", "kind", "reason"}
EVENT_SUMMARY_KEYS = {"files", "records", "applied", "no_effect", "duplicates", "unmatched", "rejected",
                      "possible_opt_outs", "rejects"}
CONTACTS_SUMMARY_KEYS = {"records", "created", "updated", "unchanged", "rejected", "rejects"}


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str
    args: tuple[str, ...] = field(default=())

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def __str__(self) -> str:
        return f"dnd-console {' '.join(self.args)} -> {self.code}\nstdout: {self.stdout}\nstderr: {self.stderr}"


class CliRunner:
    """Runs ``dnd-console ARGS`` in-process through click's ``CliRunner``; every store it opens is disposed after."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                 db_url: str | None) -> None:
        self.monkeypatch = monkeypatch
        self.capsys = capsys
        self.db_url = db_url

    def __call__(self, *args: str | Path | int, db_url: str | None = None) -> Result:
        url = db_url or self.db_url
        argv = [str(a) for a in args]
        if url is not None:
            argv = ["--db", url, *argv]
        return run_cli(*argv, monkeypatch=self.monkeypatch, capsys=self.capsys)

    def ok(self, *args: str | Path | int, db_url: str | None = None) -> Result:
        result = self(*args, db_url=db_url)
        assert result.code == 0, str(result)
        return result


def run_cli(*args: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Result:
    """``dnd-console ARGS`` through click's test runner (its own stdout and stderr, exit code from SystemExit)."""
    opened: list[Store] = []

    class TrackedStore(Store):
        def __init__(self, *a: Any, **kw: Any) -> None:
            opened.append(self)  # before opening: a store that fails half way still gets disposed
            super().__init__(*a, **kw)

    capsys.readouterr()  # drop anything printed before
    with monkeypatch.context() as patch:
        patch.setattr(services_context, "Store", TrackedStore)
        try:
            done = ClickRunner().invoke(cli, list(args), prog_name="dnd-console", catch_exceptions=False)
        finally:
            for store in opened:
                if hasattr(store, "engine"):
                    store.dispose()
    return Result(done.exit_code, done.stdout, done.stderr, tuple(args))


def assert_user_error(result: Result, code: int = 2, *words: str) -> None:
    """A user error: the exit code, one line on stderr naming the problem, never a traceback."""
    assert result.code == code, str(result)
    assert "Traceback" not in result.output, str(result)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, str(result)
    for word in words:
        assert word.lower() in lines[0].lower(), str(result)


def sql(db_url: str, statement: str, **params: Any) -> list[tuple[Any, ...]]:
    """Run one statement directly on the database (behind the console's back); returns the rows, if any."""
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


def count(db_url: str, table: str) -> int:
    """Rows in a table; 0 when the schema was never created."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table(table):
                return 0
            return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


def db_user(db_url: str) -> str | None:
    """On PostgreSQL the database user is the identity (CLI.md, team mode); None on SQLite."""
    if not db_url.startswith("postgresql"):
        return None
    return str(sql(db_url, "SELECT current_user")[0][0])


def parse_csv(text_: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text_)))


def write(path: Path, content: str) -> Path:
    path.write_text(content, encoding="utf-8")
    return path
