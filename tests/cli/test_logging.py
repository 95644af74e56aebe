"""Logging: per-area loggers to a rotating file in the user log folder, stderr on -v, and the change feed's
reconnections logged instead of swallowed."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.logs import AREAS, log_folder, setup_logging, stop_logging

from .clitools import CliRunner


@pytest.fixture(autouse=True)
def _clean_logging() -> Iterator[None]:
    yield
    stop_logging()


def ours(root: logging.Logger) -> list[logging.Handler]:
    return [h for h in root.handlers if getattr(h, "_dnd_console_handler", False)]


def test_the_file_is_in_the_user_log_folder_and_setup_replaces_itself(tmp_path: Path) -> None:
    assert str(log_folder()).startswith(str(tmp_path / "xdg-state"))  # isolated by tests/conftest.py
    path = setup_logging()
    assert path is not None and path.parent == log_folder()
    setup_logging(verbose=True)
    root = logging.getLogger("console")
    assert len(ours(root)) == 2 and root.level == logging.DEBUG  # file + stderr, not piled up
    for area in AREAS:
        logging.getLogger(area).warning("hello from %s", area)
    text = path.read_text(encoding="utf-8")
    assert all(f"{area}: hello from {area}" in text for area in AREAS)


def test_an_unwritable_folder_skips_the_file_not_the_program(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert setup_logging(folder=blocker / "logs") is None


def test_verbose_cli_logs_to_stderr_and_the_file(cli: CliRunner, samples: Path) -> None:
    quiet = cli.ok("import", samples / "contacts.csv")
    assert "console.imports" not in quiet.stderr
    loud = cli.ok("-v", "import", samples / "contacts.csv")
    assert "console.imports: import by" in loud.stderr and "console.imports: import batch" in loud.stderr
    text = (log_folder() / "console.log").read_text(encoding="utf-8")
    assert text.count("console.imports: import batch") == 2


def test_a_busy_database_is_logged_by_the_store(caplog: pytest.LogCaptureFixture) -> None:
    from sqlalchemy.exc import OperationalError

    from console.store.errors import unavailable

    class Busy(Exception):
        sqlite_errorcode = 5

    with caplog.at_level(logging.WARNING, logger="console.store"):
        found = unavailable(OperationalError("BEGIN", {}, Busy("database is locked")), "cannot write")
    assert found is not None and found.retryable
    assert any(r.name == "console.store" and "busy" in r.getMessage() for r in caplog.records)
