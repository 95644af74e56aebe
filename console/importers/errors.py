"""File-level import errors: each names the file and says what to do.

Record-level problems are never raised: they become ``Reject`` records and parsing goes on.
"""

from __future__ import annotations

from pathlib import Path


class ImportFileError(Exception):
    """A file that cannot be imported at all; nothing is imported from it."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class FileMissing(ImportFileError):
    """The file does not exist."""


class NotAFile(ImportFileError):
    """A directory or another non-regular file was given."""


class UnreadableFile(ImportFileError):
    """The file exists but cannot be read (permissions, corrupt compression, I/O error)."""


class EmptyFile(ImportFileError):
    """The file holds no data (or only white space)."""


class UnknownFormat(ImportFileError):
    """The content matches none of the supported formats."""


class NotAnExport(UnknownFormat):
    """Valid JSON, but not a provider export this console knows."""


class MissingColumns(ImportFileError):
    """A CSV file whose header lacks required columns (or uses an unsupported delimiter)."""

    def __init__(self, path: Path | str, problem: str, missing: tuple[str, ...]) -> None:
        self.missing = missing
        super().__init__(path, problem)


class FileReadError(ImportFileError):
    """The file failed while it was being read (truncated, removed or changed during the import)."""
