"""JSON documents as a stream of ``(record number, object or None, problem, raw text)``.

A document (an API page or a top-level array) is loaded whole with orjson when it is at most ``LOAD_LIMIT``
bytes (decompressed), and streamed element by element with ``jsonscan`` when it is larger or broken (so a
truncated page still gives its good records). JSON Lines are read by ``records._map_lines``.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from console.importers import registry
from console.importers.errors import FileReadError, NotAnExport
from console.importers.jsonscan import Scan, iter_elements
from console.importers.reading import PREVIEW, read_chunk

LOAD_LIMIT = 64 << 20
JsonItem = tuple[int, Any, str, bytes]
def is_single_record(keys: Iterable[str]) -> bool:
    """Top-level keys of one record saved on its own (a pretty-printed webhook payload, one API item), for some
    registered format (``ProviderFormat.is_record``)."""
    return registry.is_single_record(frozenset(keys))


def raw_text(data: bytes) -> str:
    return data[:PREVIEW].decode("utf-8", "replace")


def json_problem(exc: Exception) -> str:
    text = str(exc)
    if "utf-8" in text.lower() or "utf8" in text.lower():
        return f"invalid UTF-8 in JSON record ({text})"
    return f"unreadable JSON record ({text})"


class _Prefixed(io.RawIOBase):
    """A stream that first returns ``prefix``, then the rest of ``stream``."""

    def __init__(self, prefix: bytes, stream: BinaryIO) -> None:
        self._prefix = prefix
        self._stream = stream

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._prefix:
            data, self._prefix = self._prefix, b""
            return data
        return self._stream.read(size)


def iter_json_document(stream: BinaryIO, path: Path, record_keys: frozenset[str], what: str) -> Iterator[JsonItem]:
    """The records of an API page (objects under one of ``record_keys``) or of a top-level array."""
    try:
        data = read_chunk(stream, path, LOAD_LIMIT + 1)
    except FileReadError as exc:
        yield 1, None, exc.problem, b""
        return
    if len(data) <= LOAD_LIMIT:
        try:
            document = orjson.loads(data)
        except orjson.JSONDecodeError:
            pass  # broken: stream it so the good records before the break are kept
        else:
            yield from _document_items(document, path, record_keys, what)
            return
    scan = Scan()
    source: BinaryIO = _Prefixed(data, stream)  # type: ignore[assignment]
    count = 0
    for element in iter_elements(source, path, record_keys, scan):
        count += 1
        if element.problem is not None:
            yield element.index, None, element.problem, element.data
            continue
        try:
            yield element.index, orjson.loads(element.data), "", element.data
        except orjson.JSONDecodeError as exc:
            yield element.index, None, json_problem(exc), element.data
    if not count and scan.top == "object" and not record_keys.intersection(scan.keys):
        if is_single_record(scan.keys):  # one record saved on its own, but broken
            problem = "unreadable JSON record (the file is not one complete JSON object)"
            yield 1, None, problem, data
            return
        raise NotAnExport(path, f"a JSON object without {_key_list(record_keys)}: not {what}")


def _document_items(document: Any, path: Path, record_keys: frozenset[str], what: str) -> Iterator[JsonItem]:
    if isinstance(document, dict):
        found = [key for key in document if key in record_keys]
        if not found and is_single_record(document):
            yield 1, document, "", b""  # one webhook payload (or API item) saved in a file of its own
            return
        if not found:
            raise NotAnExport(path, f"a JSON object without {_key_list(record_keys)}: not {what}")
        items: list[Any] = []
        for key in found:
            value = document[key]
            if not isinstance(value, list):
                raise NotAnExport(path, f"{key!r} is not a list: not {what}")
            items.extend(value)
    elif isinstance(document, list):
        items = document
    else:
        raise NotAnExport(path, f"a JSON {type(document).__name__}, not {what}")
    for number, item in enumerate(items, start=1):
        yield number, item, "", b""


def _key_list(keys: frozenset[str]) -> str:
    return " or ".join(repr(k) for k in sorted(keys))
