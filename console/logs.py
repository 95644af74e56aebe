"""Logging for the front ends: per-area loggers to a rotating file in the user log folder, and to stderr on
``-v`` / ``--verbose``. No Qt here: the window and the command line both call :func:`setup_logging`.

Areas: ``console.store`` (the database: environment errors, opening), ``console.feed`` (the change feed and its
reconnections), ``console.imports`` (import runs) and ``console.ui`` (the window). Library code only ever calls
``logging.getLogger(AREA)``; nothing is printed unless a front end sets logging up.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

import platformdirs

APP_NAME = "dnd-console"
AREAS = ("console.store", "console.feed", "console.imports", "console.ui")
LOG_FILE = "console.log"
MAX_BYTES = 1_000_000
BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"

_OURS = "_dnd_console_handler"


def log_folder() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def setup_logging(verbose: bool = False, folder: Path | None = None) -> Path | None:
    """Send the console's loggers to ``folder``/console.log (rotating; default: the user log folder) and, when
    ``verbose``, to stderr with debug detail. Calling it again replaces what an earlier call set up. Returns the
    log file, or None when the folder cannot be written (then the file is skipped, never the program)."""
    stop_logging()
    root = logging.getLogger("console")
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    formatter = logging.Formatter(FORMAT)
    path = (folder or log_folder()) / LOG_FILE
    written: Path | None = path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        to_file: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
        )
    except OSError:
        written = None
    else:
        to_file.setLevel(logging.INFO)
        _add(root, to_file, formatter)
    if verbose:
        to_stderr = logging.StreamHandler(sys.stderr)
        to_stderr.setLevel(logging.DEBUG)
        _add(root, to_stderr, formatter)
    for area in AREAS:
        logging.getLogger(area)  # the areas exist (and show in the file) from the start
    return written


def stop_logging() -> None:
    """Remove (and close) what :func:`setup_logging` added, at the end of a command."""
    root = logging.getLogger("console")
    for handler in list(root.handlers):
        if getattr(handler, _OURS, False):
            root.removeHandler(handler)
            handler.close()


def _add(root: logging.Logger, handler: logging.Handler, formatter: logging.Formatter) -> None:
    handler.setFormatter(formatter)
    setattr(handler, _OURS, True)
    root.addHandler(handler)
