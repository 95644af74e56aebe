"""File > Export list...: the list as the agent filtered it, as CSV (``contacts list --csv``, formula-safe).

The file is written on the database worker by ``services.contact_list.export_contacts_csv``, first to a
``.part`` file beside the chosen one, which then replaces it: a failed export never leaves half a file under the
chosen name."""

from __future__ import annotations

import contextlib
import os
from datetime import date
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

from console.errors import InvalidInput
from console.services.contact_list import export_contacts_csv
from console.services.context import AppContext
from console.store.contact_list import ContactFilter

CSV_FILTER = "CSV files (*.csv);;All files (*)"


def start_folder() -> Path:
    """The user's Documents folder if there is one, else the home folder (never the install folder)."""
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    if documents and Path(documents).is_dir():
        return Path(documents)
    return Path.home()


def default_file_name(location: str, today: date | None = None) -> str:
    """E.g. "contacts-Default-2026-12-01.csv" (characters a file name cannot hold become "-")."""
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in location).strip("-.") or "list"
    return f"contacts-{safe}-{(today or date.today()).isoformat()}.csv"


def ask_export_path(parent: QWidget | None, location: str) -> Path | None:
    """The file the agent chose (with ``.csv`` added when no suffix was typed), or None when cancelled."""
    chosen, _ = QFileDialog.getSaveFileName(parent, "Export list", str(start_folder() / default_file_name(location)),
                                            CSV_FILTER)
    if not chosen:
        return None
    path = Path(chosen)
    return path if path.suffix else path.with_suffix(".csv")


def write_list_csv(ctx: AppContext, flt: ContactFilter, path: Path) -> int:
    """On the worker: write the filtered list to ``path``; the rows written. A file that cannot be written is an
    InvalidInput naming it and why (shown in the window's message bar)."""
    part = path.with_name(path.name + ".part")
    try:
        with part.open("w", encoding="utf-8", newline="") as out:
            written = export_contacts_csv(ctx, flt, out)
        os.replace(part, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)
        why = exc.strerror or str(exc)
        raise InvalidInput(f"Cannot write {path}: {why}. Choose another folder or file name.") from exc
    return written
