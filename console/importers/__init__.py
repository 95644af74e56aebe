"""Provider exports turned into ledger events, one module per format."""

from console.importers.base import ContactRow, EventRecord, Record, Reject
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
from console.importers.registry import Head, Layout, ProviderFormat, ReadContext, register

__all__ = [
    "ByteCounter",
    "ContactRow",
    "EmptyFile",
    "EventRecord",
    "FileMissing",
    "FileReadError",
    "Head",
    "ImportFileError",
    "Layout",
    "MissingColumns",
    "NotAFile",
    "NotAnExport",
    "ProgressReader",
    "ProviderFormat",
    "ReadContext",
    "Record",
    "Reject",
    "UnknownFormat",
    "UnreadableFile",
    "check_file",
    "detect_format",
    "iter_records",
    "register",
]
