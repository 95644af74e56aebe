"""Which export a file is, from its content (never its name); gzip is recognised by its magic bytes."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import orjson

from console.importers.base import FORMATS
from console.importers.csvfile import column_key, is_utf8, sniff_delimiter
from console.importers.errors import EmptyFile, NotAnExport, UnknownFormat
from console.importers.jsondata import is_single_record
from console.importers.jsonscan import Scan, iter_elements
from console.importers.reading import read_head
from console.importers.twilio import form_fields, is_webhook

HEAD = 1 << 16
_SUPPORTED = ", ".join(FORMATS)
_TWILIO_CSV = {"sid", "status", "direction"}
_CONTACT_COLUMNS = {"email", "phone", "name", "firstname", "lastname"}
_TWILIO_KEYS = {"MessageSid", "SmsSid", "SmsMessageSid"}


def _unknown(path: Path, what: str) -> UnknownFormat:
    return UnknownFormat(path, f"{what}; supported formats: {_SUPPORTED}")


def detect_format(path: Path) -> str:
    """The ``--format`` name of the file's content; raises an ``ImportFileError`` naming the file."""
    head = read_head(path, HEAD)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text:
        raise EmptyFile(path, "the file is empty")
    if _control_ratio(head) > 0.05:  # a few NUL bytes are damage to reject by line, not a binary file
        raise _unknown(path, "binary data, not a provider export")
    if text[:1] in (b"{", b"["):
        return _detect_json(path, text, len(head) < HEAD)
    if _is_form_log(text):
        return "twilio-form"
    return _detect_csv(path, head)


def _is_form_log(text: bytes) -> bool:
    """Twilio webhook logs: the first line is a form-encoded body naming a message (``...&MessageSid=SM...``)."""
    first = text.split(b"\n", 1)[0]
    if b"=" not in first:
        return False
    fields = form_fields(first)
    return not isinstance(fields, str) and (is_webhook(fields) or "AccountSid" in fields)



def _control_ratio(head: bytes) -> float:
    sample = head[:4096]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13))
    return controls / max(1, len(sample))


def json_layout(text: bytes) -> str:
    """``lines`` (JSON Lines) or ``document`` (one JSON value, possibly over many lines)."""
    lines = [line for line in text.split(b"\n") if line.strip()]
    try:
        first = orjson.loads(lines[0])
    except orjson.JSONDecodeError:
        following = lines[1:11] if len(lines) > 1 else []
        parsed = sum(1 for line in following if _parses_as_object(line))
        return "lines" if following and parsed * 2 > len(following) else "document"
    if isinstance(first, dict) and not ({"items", "messages"} & first.keys()):
        return "lines"
    return "document"


def _parses_as_object(line: bytes) -> bool:
    try:
        return isinstance(orjson.loads(line), dict)
    except orjson.JSONDecodeError:
        return False


def _detect_json(path: Path, text: bytes, whole: bool) -> str:
    if json_layout(text) == "lines":
        first = next((line for line in text.split(b"\n") if _parses_as_object(line)), None)
        if first is None:
            raise _unknown(path, "JSON Lines whose first records cannot be read")
        return _record_format(path, orjson.loads(first), "")
    scan = Scan()
    elements = iter_elements(io.BytesIO(text), path, frozenset({"items", "messages"}), scan)
    element = next((e for e in elements if e.problem is None), None)
    if scan.top == "object" and not ({"items", "messages"} & set(scan.keys)) and is_single_record(scan.keys):
        return _single_record_format(path, text, scan.keys)
    if scan.top == "object" and not ({"items", "messages"} & set(scan.keys)) and (scan.complete or whole):
        raise NotAnExport(path, f"a JSON document that is not a provider export; supported formats: {_SUPPORTED}")
    if element is None:
        if "messages" in scan.keys:
            return "twilio-json"
        if "items" in scan.keys:
            return _mailgun_list_from_paging(text) or "mailgun-events"
        if scan.complete or whole:
            raise NotAnExport(path, f"a JSON document without export records; supported formats: {_SUPPORTED}")
        raise _unknown(path, "a JSON document whose records cannot be read")
    try:
        item = orjson.loads(element.data)
    except orjson.JSONDecodeError:
        raise _unknown(path, "a JSON document whose first record cannot be read") from None
    return _record_format(path, item, element.key)


def _single_record_format(path: Path, text: bytes, keys: list[str]) -> str:
    """The format of a document that is one record; judged on the whole record when the head holds it."""
    try:
        item = orjson.loads(text)
    except orjson.JSONDecodeError:
        item = dict.fromkeys(keys)  # cut by the head, or broken: the keys seen are enough to name it
    return _record_format(path, item, "")


def _record_format(path: Path, item: Any, key: str) -> str:
    if not isinstance(item, dict):
        raise NotAnExport(path, f"JSON records that are not objects; supported formats: {_SUPPORTED}")
    if key == "messages" or _TWILIO_KEYS & item.keys() or {"sid", "direction"} <= item.keys():
        return "twilio-json"
    if "event" in item or "event-data" in item:
        return "mailgun-events"
    if "address" in item and "created_at" in item:
        if "code" in item or "error" in item:
            return "mailgun-bounces"
        if "tag" in item or "tags" in item:
            return "mailgun-unsubscribes"
        return "mailgun-complaints"
    raise NotAnExport(path, f"JSON records of an unknown kind; supported formats: {_SUPPORTED}")


def _mailgun_list_from_paging(text: bytes) -> str | None:
    for name in ("bounces", "unsubscribes", "complaints"):
        if f"/{name}".encode() in text:
            return f"mailgun-{name}"
    return None


def _detect_csv(path: Path, head: bytes) -> str:
    decoded = head.decode("utf-8" if is_utf8(head) else "latin-1", "replace").lstrip("\ufeff")
    header_line = next((line for line in decoded.splitlines() if line.strip()), "")
    cells = next(csv.reader([header_line], delimiter=sniff_delimiter(header_line)), [])
    keys = {column_key(cell) for cell in cells}
    if "address" in keys and "createdat" in keys:
        if "code" in keys or "error" in keys:
            return "mailgun-bounces"
        if "tag" in keys or "tags" in keys:
            return "mailgun-unsubscribes"
        return "mailgun-complaints"
    if keys >= _TWILIO_CSV:
        return "twilio-csv"
    if keys & _CONTACT_COLUMNS and ("email" in keys or "phone" in keys):
        return "contacts"
    shown = header_line[:120]
    if len(cells) <= 1:
        raise _unknown(path, f"not a known export (first line {shown!r}; CSV files must use ',' or ';')")
    raise _unknown(path, f"a CSV file with unknown columns ({shown!r})")
