"""The files of an import: checked before anything is imported, and their sha256 for the batch."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson

from console.errors import InvalidInput
from console.importers import registry
from console.importers.errors import ImportFileError
from console.importers.records import check_file


@dataclass(frozen=True, slots=True)
class ImportFile:
    path: Path
    format: str
    size: int


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class FileDigests:
    """sha256 of each file, computed on a thread while the import runs (hashing releases the interpreter)."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self._values: dict[Path, str] = {}
        self._thread = threading.Thread(target=self._run, args=(list(paths),), name="import-sha256", daemon=True)
        self._thread.start()

    def _run(self, paths: list[Path]) -> None:
        for path in paths:
            try:
                self._values[path] = sha256_of(path)
            except OSError as exc:
                self._values[path] = f"unreadable: {exc.strerror or exc}"

    def values(self) -> dict[Path, str]:
        self._thread.join()
        return self._values


def files_json(
    files: Sequence[ImportFile], digests: dict[Path, str] | None = None, events: dict[str, list[int]] | None = None
) -> str:
    """The batch's files; ``events`` adds each file's first and last ledger entry id (which file a record came from)."""
    listed: list[dict[str, object]] = []
    for f in files:
        entry: dict[str, object] = {
            "path": str(f.path), "name": f.path.name, "sha256": (digests or {}).get(f.path, ""), "format": f.format
        }
        if events and str(f.path) in events:
            entry["events"] = events[str(f.path)]
        listed.append(entry)
    return orjson.dumps(listed).decode()


def check_files(paths: Sequence[Path], fmt: str | None) -> list[ImportFile]:
    """Every file is checked before anything is imported; contacts files come first."""
    checked: list[ImportFile] = []
    for path in paths:
        try:
            found = check_file(path, fmt)
            checked.append(ImportFile(path, found, path.stat().st_size))
        except ImportFileError as exc:
            raise InvalidInput(str(exc)) from None
        except OSError as exc:
            raise InvalidInput(f"{path}: {exc.strerror or exc}") from None
    return sorted(checked, key=lambda f: not registry.is_contacts(f.format))
