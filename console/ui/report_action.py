""""Save consent report...": the selected contact's consent record as HTML or PDF, written on the database worker.

The file dialog starts in ~/Documents (or the home folder) with a name made of the contact's name and id; the
format follows the file's extension (.html or .pdf), else the filter chosen. ``services.report.write_report``
reads everything in one transaction and writes the file; the message bar names the file, or says what failed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from console.services.context import AppContext
from console.services.report import write_report
from console.ui.operations import QueryOp
from console.ui.taskman import TaskManager

HTML_FILTER = "HTML page (*.html *.htm)"
PDF_FILTER = "PDF document (*.pdf)"
#: (parent, title, start path, filters) -> (path chosen or "", filter chosen): QFileDialog.getSaveFileName's shape.
AskPath = Callable[[QWidget | None, str, str, str], tuple[str, str]]
Show = Callable[[str, str], None]  # level, text


def start_folder() -> Path:
    documents = Path.home() / "Documents"
    return documents if documents.is_dir() else Path.home()


def default_name(name: str, contact_id: int) -> str:
    """"consent-report-ann-lee-12.html": the contact's name as a file name (letters, digits and dashes)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-")
    return f"consent-report-{slug + '-' if slug else ''}{contact_id}.html"


def chosen_format(path: Path, selected_filter: str) -> tuple[Path, str]:
    """The file and its format: by extension; with none, the filter's (and its extension is added)."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return path, "pdf"
    if suffix in (".html", ".htm"):
        return path, "html"
    fmt = "pdf" if selected_filter == PDF_FILTER else "html"
    return path.with_name(f"{path.name}.{fmt}"), fmt


def ask_save_path(parent: QWidget | None, title: str, start: str, filters: str) -> tuple[str, str]:
    return QFileDialog.getSaveFileName(parent, title, start, filters)


def report_work(ctx: AppContext, contact_id: int, path: Path, fmt: str) -> int:
    return write_report(ctx, str(contact_id), path, fmt)


def size_words(size: int) -> str:
    return f"{size / 1024:.0f} KB" if size >= 1024 else f"{size} bytes"


class ReportSaver:
    """Asks where, then writes the report on the worker; ``ask_path`` is replaced in tests."""

    def __init__(self, tasks: TaskManager, show: Show, parent: QWidget | None = None) -> None:
        self._tasks = tasks
        self._show = show
        self._parent = parent
        self.ask_path: AskPath = ask_save_path
        self.op: QueryOp[int] | None = None

    def save(self, contact_id: int | None, name: str) -> QueryOp[int] | None:
        if contact_id is None:
            self._show("info", "Select a contact first: the consent report is of one contact.")
            return None
        start = start_folder() / default_name(name, contact_id)
        answer, selected = self.ask_path(self._parent, f"Save consent report of {name}", str(start),
                                         f"{HTML_FILTER};;{PDF_FILTER}")
        if not answer:
            return None
        path, fmt = chosen_format(Path(answer), selected)
        op: QueryOp[int] = QueryOp(self._tasks, lambda ctx: report_work(ctx, contact_id, path, fmt))
        op.with_progress(f"Writing the consent report of {name}...").without_retry()
        op.success(lambda size: self._show("info", f"Consent report of {name} saved as {fmt.upper()}: {path} "
                                                   f"({size_words(size)})."))
        self.op = op
        op.run_in_background()
        return op
