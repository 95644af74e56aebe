"""Provider exports turned into ledger events, one module per format."""

from console.importers.base import FORMATS, ContactRow, EventRecord, Record, Reject
from console.importers.detect import detect_format
from console.importers.errors import (
    EmptyFile,
    FileMissing,
    FileReadError,
    ImportFileError,
    MissingColumns,
    NotAFile,
    NotAnExport,
    UnknownFormat,
    UnreadableFile,
)
from console.importers.reading import ByteCounter, ProgressReader
from console.importers.records import check_file, iter_records

__all__ = [
    "FORMATS",
    "ByteCounter",
    "ContactRow",
    "EmptyFile",
    "EventRecord",
    "FileMissing",
    "FileReadError",
    "ImportFileError",
    "MissingColumns",
    "NotAFile",
    "NotAnExport",
    "ProgressReader",
    "Record",
    "Reject",
    "UnknownFormat",
    "UnreadableFile",
    "check_file",
    "detect_format",
    "iter_records",
]
