"""Streaming the objects of a JSON document's record array without loading the whole document.

Handles a top-level array of objects (``[{...}, ...]``) and an object whose top-level key holds such an
array (``{"items": [...], "paging": {...}}``). Each element is cut out as bytes and parsed by the caller
with orjson, so a broken element spoils only itself, and a truncated document still gives every
element before the break.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from console.importers.errors import FileReadError
from console.importers.reading import CHUNK, read_chunk

# A string (possibly cut by the end of the buffer), or a structural character.
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)|[\[\]{}:,]', re.DOTALL)
_MAX_BUFFER = 64 << 20
NOT_OBJECT = "record is not a JSON object"
_LONG_STRING = 1 << 20
_TOO_LARGE = f"record larger than {_MAX_BUFFER >> 20} MB, not read"
#: The complete characters of a string's content (an escape pair counts as one).
_STRING_UNITS = re.compile(rb'[^"\\]*(?:\\.[^"\\]*)*', re.DOTALL)


@dataclass(slots=True)
class Element:
    """One array element: its 1-based index in the array and its bytes (or the problem reading it)."""

    key: str
    index: int
    data: bytes
    problem: str | None = None


@dataclass(slots=True)
class Scan:
    """What the scanner saw of the document's outer shape."""

    top: str = ""  # "array", "object" or "" before the first byte
    keys: list[str] = field(default_factory=list)
    complete: bool = False


def iter_elements(
    stream: BinaryIO, path: Path, record_keys: frozenset[str], scan: Scan | None = None
) -> Iterator[Element]:
    """Object elements of the top-level array, or of the arrays under ``record_keys`` of the top object."""
    scan = scan if scan is not None else Scan()
    buf = b""
    pos = 0
    depth = 0
    key: str | None = None  # the top-level key whose value is being read
    expect_key = False
    in_records = False  # inside the record array (depth 1 for a top array, 2 under a key)
    start = -1
    index = 0
    eof = False
    mark = 0  # where the current slot of the record array began (after its "[" or ",")
    other = False  # the current slot holds something other than an object (a string, number, array, ...)
    skipping = False  # inside a record too large to hold, already rejected
    while True:
        match = _TOKEN.search(buf, pos)
        if match is None or (not eof and buf[match.start()] == 0x22 and match.end() == len(buf)):
            if eof:
                break
            resume = match.start() if match is not None else len(buf)
            if in_records and start < 0 and not skipping and buf[mark:resume].strip():
                other = True  # a number or literal element cut by the end of the buffer
            if start >= 0 and len(buf) - start > _MAX_BUFFER:
                # rejected, then skipped to its end without being held: the records after it are read
                index += 1
                yield Element(key or "", index, buf[start : start + 10_000], _TOO_LARGE)
                start, skipping = -1, True
            keep = start if start >= 0 else resume
            if start < 0 and len(buf) - resume > _LONG_STRING and buf[resume] == 0x22:  # a long string, not kept
                if in_records and not skipping and depth == (1 if scan.top == "array" else 2):
                    other = True  # a string element of the record array
                resume, buf = _drop_string_content(buf, resume)
                keep = resume
                mark = 0
            else:
                mark = max(0, mark - keep)
            try:  # reads grow with what is kept, so a long string is not scanned again for every chunk
                held = len(buf) - keep
                chunk = read_chunk(stream, path, max(CHUNK, min(held, _MAX_BUFFER + CHUNK - held)))
            except FileReadError as exc:
                yield Element(key or "", index + 1, buf[start:][:10_000] if start >= 0 else b"", exc.problem)
                return
            eof = not chunk
            buf = buf[keep:] + chunk
            pos = resume - keep
            if start >= 0:
                start = 0
            continue
        token = match.group()
        pos = match.end()
        first = token[:1]
        if first == b'"':
            if in_records and depth == (1 if scan.top == "array" else 2):
                other = True
            elif depth == 1 and scan.top == "object" and expect_key:
                key = _decode_key(token)
                scan.keys.append(key)
                expect_key = False
            continue
        if first == b"{" or first == b"[":
            depth += 1
            if depth == 1:
                scan.top = "array" if first == b"[" else "object"
                in_records = first == b"["
                expect_key = first == b"{"
                key = "" if in_records else None
            elif depth == 2 and scan.top == "object" and first == b"[" and key in record_keys:
                in_records = True
            elif in_records and first == b"{" and depth == (2 if scan.top == "array" else 3):
                start = match.start()
            elif in_records and depth == (2 if scan.top == "array" else 3):
                other = True  # an array element
            if in_records and depth == (1 if scan.top == "array" else 2):
                mark = pos  # the record array opened
            continue
        if first == b"}" or first == b"]":
            if in_records and start >= 0 and first == b"}" and depth == (2 if scan.top == "array" else 3):
                index += 1
                if pos - start > _MAX_BUFFER:
                    yield Element(key or "", index, buf[start : start + 10_000], _TOO_LARGE)
                else:
                    yield Element(key or "", index, buf[start:pos])
                start = -1
                mark = pos
            elif skipping and first == b"}" and depth == (2 if scan.top == "array" else 3):
                skipping, mark = False, pos
            elif in_records and first == b"]" and depth == (1 if scan.top == "array" else 2):
                if other or buf[mark : match.start()].strip():  # the last slot
                    index += 1
                    yield Element(key or "", index, buf[mark : match.start()].strip()[:10_000], NOT_OBJECT)
                other = False
            depth -= 1
            if depth == 1 and scan.top == "object":
                in_records = False
            if depth == 0:
                scan.complete = True
                return
            continue
        if first == b"," and depth == 1 and scan.top == "object":
            expect_key = True
        elif first == b"," and in_records and depth == (1 if scan.top == "array" else 2):
            if other or buf[mark : match.start()].strip():  # counted and rejected, never dropped
                index += 1
                yield Element(key or "", index, buf[mark : match.start()].strip()[:10_000], NOT_OBJECT)
            mark, other = pos, False
    if depth > 0:
        problem = "the file ended inside the JSON document (truncated?)"
        tail = buf[start:][:10_000] if start >= 0 else b""
        yield Element(key or "", index + 1, tail, problem)


def _drop_string_content(buf: bytes, resume: int) -> tuple[int, bytes]:
    """``buf`` without the read part of the string that opens at ``resume`` (none of it is kept anyway)."""
    units = _STRING_UNITS.match(buf, resume + 1)
    assert units is not None  # the pattern matches the empty string
    return 0, b'"' + buf[units.end() :]


def _decode_key(token: bytes) -> str:
    try:
        return token[1:-1].decode("utf-8")
    except UnicodeDecodeError:
        return token[1:-1].decode("latin-1")
