"""Which export a file is, from its content (never its name); gzip is recognised by its magic bytes.

``sniff`` reads what every format may look at (the first JSON record, a document's keys, a CSV header) into a
``registry.Head``; the registered formats score it and the best one wins. What no format claims is refused here
with a message that says what the file looked like.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import orjson

from console.importers import registry
from console.importers.csvfile import column_key, is_utf8, sniff_delimiter
from console.importers.errors import EmptyFile, NotAnExport, UnknownFormat
from console.importers.jsonscan import Scan, iter_elements
from console.importers.reading import read_head
from console.importers.registry import Head

HEAD = 1 << 16
BLANKS = b"\xef\xbb\xbf \t\r\n"


def supported() -> str:
    return ", ".join(registry.names())


def _unknown(path: Path, what: str) -> UnknownFormat:
    return UnknownFormat(path, f"{what}; supported formats: {supported()}")


def detect_format(path: Path) -> str:
    """The ``--format`` name of the file's content; raises an ``ImportFileError`` naming the file."""
    head = read_head(path, HEAD)
    text = head.lstrip(BLANKS)
    if not text:
        raise EmptyFile(path, "the file is empty")
    if _control_ratio(head) > 0.05:  # a few NUL bytes are damage to reject by line, not a binary file
        raise _unknown(path, "binary data, not a provider export")
    if text[:1] in (b"{", b"["):
        return _detect_json(path, text, len(head) < HEAD)
    return _detect_text(path, head, text)


def _control_ratio(head: bytes) -> float:
    sample = head[:4096]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13))
    return controls / max(1, len(sample))


def is_json(head: bytes) -> bool:
    return head.lstrip(BLANKS)[:1] in (b"{", b"[")


def json_layout(text: bytes) -> str:
    """``lines`` (JSON Lines) or ``document`` (one JSON value, possibly over many lines)."""
    lines = [line for line in text.split(b"\n") if line.strip()]
    try:
        first = orjson.loads(lines[0])
    except orjson.JSONDecodeError:
        following = lines[1:11] if len(lines) > 1 else []
        parsed = sum(1 for line in following if _parses_as_object(line))
        return "lines" if following and parsed * 2 > len(following) else "document"
    if isinstance(first, dict) and not (registry.list_keys() & first.keys()):
        return "lines"
    return "document"


def json_split(head: bytes) -> registry.Layout:
    """The layout of a JSON export from its head: JSON Lines split by line, a document is read whole."""
    if is_json(head) and json_layout(head.lstrip(BLANKS)) == "lines":
        return registry.Layout.LINES
    return registry.Layout.WHOLE


def _parses_as_object(line: bytes) -> bool:
    try:
        return isinstance(orjson.loads(line), dict)
    except orjson.JSONDecodeError:
        return False


def _claimed(path: Path, head: Head, unclaimed: str) -> str:
    found = registry.best(head)
    if found is None:
        raise NotAnExport(path, f"{unclaimed}; supported formats: {supported()}")
    return found.name


def _detect_json(path: Path, text: bytes, whole: bool) -> str:
    listing = registry.list_keys()
    if json_layout(text) == "lines":
        first = next((line for line in text.split(b"\n") if _parses_as_object(line)), None)
        if first is None:
            raise _unknown(path, "JSON Lines whose first records cannot be read")
        return _record_format(path, text, orjson.loads(first), "")
    scan = Scan()
    elements = iter_elements(io.BytesIO(text), path, listing, scan)
    element = next((e for e in elements if e.problem is None), None)
    keys = frozenset(scan.keys)
    if scan.top == "object" and not (listing & keys) and registry.is_single_record(keys):
        return _single_record_format(path, text, scan.keys)
    if scan.top == "object" and not (listing & keys) and (scan.complete or whole):
        raise NotAnExport(path, f"a JSON document that is not a provider export; supported formats: {supported()}")
    if element is None:
        if listing & keys:  # a listing without records (an empty page): the formats judge its keys and text
            return _claimed(path, Head(text, True, document_keys=keys), "a JSON document without export records")
        if scan.complete or whole:
            raise NotAnExport(path, f"a JSON document without export records; supported formats: {supported()}")
        raise _unknown(path, "a JSON document whose records cannot be read")
    try:
        item = orjson.loads(element.data)
    except orjson.JSONDecodeError:
        raise _unknown(path, "a JSON document whose first record cannot be read") from None
    return _record_format(path, text, item, element.key, keys)


def _single_record_format(path: Path, text: bytes, keys: list[str]) -> str:
    """The format of a document that is one record; judged on the whole record when the head holds it."""
    try:
        item = orjson.loads(text)
    except orjson.JSONDecodeError:
        item = dict.fromkeys(keys)  # cut by the head, or broken: the keys seen are enough to name it
    return _record_format(path, text, item, "", frozenset(keys))


def _record_format(path: Path, text: bytes, item: Any, key: str, keys: frozenset[str] = frozenset()) -> str:
    if not isinstance(item, dict):
        raise NotAnExport(path, f"JSON records that are not objects; supported formats: {supported()}")
    head = Head(text, True, record=item, record_key=key, document_keys=keys)
    return _claimed(path, head, "JSON records of an unknown kind")


def _detect_text(path: Path, head: bytes, text: bytes) -> str:
    decoded = head.decode("utf-8" if is_utf8(head) else "latin-1", "replace").lstrip("\ufeff")
    header_line = next((line for line in decoded.splitlines() if line.strip()), "")
    cells = next(csv.reader([header_line], delimiter=sniff_delimiter(header_line)), [])
    first_line = text.split(b"\n", 1)[0]
    found = registry.best(Head(text, False, columns=frozenset(column_key(c) for c in cells), first_line=first_line))
    if found is not None:
        return found.name
    shown = header_line[:120]
    if len(cells) <= 1:
        raise _unknown(path, f"not a known export (first line {shown!r}; CSV files must use ',' or ';')")
    raise _unknown(path, f"a CSV file with unknown columns ({shown!r})")
