"""Provider formats: each one object, registered once, and read from here by everything that imports files.

A format (``ProviderFormat``) says everything the import needs to know about one kind of export: its
``--format`` name, the ledger source its events carry, how strongly the first bytes of a file look like it
(``score``), how a big file of it may be split between parsing processes (``layout``), and how its raw
records become the importer's records (``read``). Detection (``detect.py``), reading (``records.py``), the
parallel reader (``ranges.py``), the CLI's ``--format`` choices and the window's file filter all ask the
registry; none of them names a format.

The shape is that of a plugin registry such as Picard's formats registry: ``register`` adds a format,
``formats``/``names`` list them in registration order, ``best`` scores every format on a file's head and
takes the highest. The built-in formats are the modules of ``console.importers.formats``, loaded on first
use, so adding a format is one module there (plus its tests): see README, "Adding a provider format".

A registration that could not work fails at once (``FormatError``): an event format whose ledger source is
not one of the domain's provider sources would otherwise put its no-effect records into the hash chain.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO

from console.domain.events import PROVIDER_SOURCES
from console.importers.base import Record


class FormatError(ValueError):
    """A format registration that cannot work (a programming error, raised at registration)."""


class Layout(StrEnum):
    """How a file may be split into byte ranges read by separate processes (``ranges.py``)."""

    #: One record per line (JSON Lines): a range may start at any line start.
    LINES = "lines"
    #: A header line, then records that may span lines (CSV): a range starts at a record start and is given the
    #: header first.
    CSV = "csv"
    #: Read by one reader only: a JSON document, or a file whose records need the whole file (contacts).
    WHOLE = "whole"


@dataclass(frozen=True, slots=True)
class Head:
    """What detection read of a file's first bytes (``detect.sniff``); formats score it."""

    #: The first bytes, without a byte-order mark and leading blanks.
    text: bytes
    #: JSON (the first byte is ``{`` or ``[``), else text (CSV, form-encoded lines, ...).
    json: bool
    #: JSON: the first record that could be read (an object), or None for a listing without records.
    record: dict[str, Any] | None = None
    #: JSON: the document key whose array lists ``record`` (``"items"``), ``""`` for JSON Lines or a top array.
    record_key: str = ""
    #: A JSON document's top-level keys (a listing without records is recognised by them).
    document_keys: frozenset[str] = frozenset()
    #: Text: the first line's cells as CSV column keys (``csvfile.column_key``: ``created_at`` -> ``createdat``).
    columns: frozenset[str] = frozenset()
    #: Text: the first line that is not blank.
    first_line: bytes = b""


@dataclass(frozen=True, slots=True)
class ReadContext:
    """What a format's reader is given besides the stream."""

    path: Path
    #: The file's first bytes (for a range after the first: without the byte-order mark).
    head: bytes
    #: The head is not UTF-8: CSV cells are read as Latin-1.
    latin1: bool
    #: Default region of phone numbers without a country code.
    region: str
    #: The import's time: records dated after it (with some slack) are rejected; records without a time get it.
    import_time_us: int


#: ``read(stream, context)``: the file's (or a range's) records, in order, with their physical line numbers.
Reader = Callable[[BinaryIO, ReadContext], Iterator[Record]]


@dataclass(frozen=True, slots=True)
class ProviderFormat:
    """One kind of export. Everything the import does differently per format is a field here."""

    #: The ``--format`` name (``mailgun-events``), recorded with each file of a batch.
    name: str
    #: The ledger source of its events (one of ``console.domain.events.PROVIDER_SOURCES``); None for a contacts
    #: file (``ContactRow`` records, synced into the contact list before the other files of an import).
    source: str | None
    #: A few words for lists and messages (``Mailgun events (API page, webhooks, JSON Lines)``).
    title: str
    #: How strongly a file's head looks like this format: 0 = not at all; the highest score wins detection.
    score: Callable[[Head], int]
    #: How a file of this format may be split, from its head (the same format may be CSV or JSON).
    layout: Callable[[bytes], Layout]
    #: The record mapping: raw records of a stream as ``EventRecord``/``ContactRow``/``Reject``.
    read: Reader
    #: JSON documents: the top-level keys whose array lists the records (``{"items": [...], "paging": ...}``).
    list_keys: frozenset[str] = frozenset()
    #: JSON documents: whether top-level keys are those of one record saved on its own (a webhook payload).
    is_record: Callable[[frozenset[str]], bool] | None = None
    #: File name patterns of the window's file dialog (``*.csv``).
    patterns: tuple[str, ...] = field(default=())

    @property
    def contacts(self) -> bool:
        return self.source is None


_formats: dict[str, ProviderFormat] = {}
#: The formats registered by the modules of ``BUILTIN_PACKAGE``: every process (a parser, the window's import
#: process) registers them too, so only they may be read by another process.
_everywhere: set[str] = set()
_lock = threading.RLock()
_loaded = False
_loading = False
BUILTIN_PACKAGE = "console.importers.formats"


def _load_builtin() -> None:
    """Import every module of ``console.importers.formats`` once; each registers its formats."""
    global _loaded, _loading
    with _lock:
        if _loaded:
            return
        _loaded = _loading = True
        try:
            package = importlib.import_module(BUILTIN_PACKAGE)
            modules = sorted(pkgutil.iter_modules(package.__path__), key=lambda m: (_ORDER.get(m.name, 99), m.name))
            for module in modules:
                importlib.import_module(f"{BUILTIN_PACKAGE}.{module.name}")
        finally:
            _loading = False


#: Built-in modules in the order of CLI.md's format list; others follow in name order.
_ORDER = {"contacts": 0, "mailgun": 1, "twilio": 2}


def register(fmt: ProviderFormat) -> ProviderFormat:
    """Add ``fmt``; raises ``FormatError`` when it could not work (unknown source, name taken, bad fields)."""
    _load_builtin()
    problem = _problem(fmt)
    if problem:
        raise FormatError(f"cannot register format {fmt.name!r}: {problem}")
    with _lock:
        if fmt.name in _formats:
            raise FormatError(f"cannot register format {fmt.name!r}: a format of that name is registered")
        _formats[fmt.name] = fmt
        if _loading:
            _everywhere.add(fmt.name)
    return fmt


def unregister(name: str) -> None:
    """Remove a format (tests that register one of their own)."""
    with _lock:
        _formats.pop(name, None)
        _everywhere.discard(name)


def _problem(fmt: ProviderFormat) -> str | None:
    if not fmt.name or fmt.name != fmt.name.strip().lower() or " " in fmt.name:
        return "the name must be lowercase words joined by '-'"
    if fmt.source is not None and fmt.source not in PROVIDER_SOURCES:
        known = ", ".join(sorted(PROVIDER_SOURCES))
        return (
            f"unknown provider source {fmt.source!r} (known: {known}); a new provider's source is added to "
            "console.domain.events.PROVIDER_SOURCES, or its records that trigger nothing would enter the hash chain"
        )
    for name in ("score", "layout", "read"):
        if not callable(getattr(fmt, name)):
            return f"{name} is not callable"
    if fmt.is_record is not None and not callable(fmt.is_record):
        return "is_record is not callable"
    return None


def formats() -> tuple[ProviderFormat, ...]:
    """Every registered format, in registration order."""
    _load_builtin()
    with _lock:
        return tuple(_formats.values())


def names() -> tuple[str, ...]:
    """The ``--format`` names."""
    return tuple(f.name for f in formats())


def get(name: str) -> ProviderFormat | None:
    _load_builtin()
    return _formats.get(name)


def is_contacts(name: str) -> bool:
    """Whether ``name`` is a contacts format (its rows are synced into the contact list, not the ledger)."""
    found = get(name)
    return found is not None and found.contacts


def in_every_process(name: str) -> bool:
    """Whether a fresh process knows the format too (it is a module of ``BUILTIN_PACKAGE``), so that a parsing
    process may read a range of its file. A format registered at run time is read by the process that did."""
    _load_builtin()
    return name in _everywhere


def best(head: Head) -> ProviderFormat | None:
    """The format scoring highest on ``head`` (the first registered of equal scores), or None if none scores."""
    found, top = None, 0
    for fmt in formats():
        score = fmt.score(head)
        if score > top:
            found, top = fmt, score
    return found


def list_keys() -> frozenset[str]:
    """Every format's JSON listing keys (``items``, ``messages``)."""
    return frozenset().union(*(f.list_keys for f in formats()))


def is_single_record(keys: frozenset[str]) -> bool:
    """Top-level keys of one record saved on its own, for some format."""
    return any(f.is_record is not None and f.is_record(keys) for f in formats())


def file_patterns() -> tuple[str, ...]:
    """The file name patterns of every format (the window's file dialog), each once."""
    return tuple(dict.fromkeys(p for f in formats() for p in f.patterns))
