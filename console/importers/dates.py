"""Dates of provider exports as microseconds since the epoch (UTC), and the range an import accepts.

Accepted: ISO 8601 (``datetime.fromisoformat``: ``Z``, ``+hh:mm``, ``+hhmm`` or no offset = UTC, any fraction),
RFC 2822 (``email.utils``) with a numeric offset or ``GMT``/``UTC``/``UT``/``Z``, and epoch seconds (int, float
or decimal text). Anything else raises ``ValueError`` with a message that quotes the value. The shims are only
what the formats need: a lower-case ``z`` and a trailing `` UTC``/`` GMT`` (seen in Twilio exports) for ISO
8601; for RFC 2822, refusing the zone names the standard library guesses at (``EST``, or none at all), since a
wrong offset could move a STOP past a START.

Whether a date is readable and whether an import accepts it are separate: ``in_range`` is the rule of RULES.md
(from 2000-01-01 to 24 hours after the import started), checked by the importers on every record.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from console.domain.events import to_us

#: RULES.md "Time, order and identity": records dated before this or later than 24 hours after the import
#: started are rejected, so a clock error can never reorder a STOP and a START.
EARLIEST_US = to_us(datetime(2000, 1, 1, tzinfo=UTC))
AHEAD_US = 24 * 3600 * 1_000_000
DATE_OUT_OF_RANGE = "date out of range"

_RFC2822_ZONE = re.compile(r"(?:[+-]\d{4}|GMT|UTC|UT|Z)", re.IGNORECASE)
_EPOCH_TEXT = re.compile(r"([+-]?)(\d+)(?:\.(\d*))?")


def latest_us(import_time_us: int) -> int:
    """The latest date an import started at ``import_time_us`` accepts."""
    return import_time_us + AHEAD_US


def in_range(at_us: int, import_time_us: int) -> bool:
    return EARLIEST_US <= at_us <= import_time_us + AHEAD_US


def _quote(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:60] + "...")


def parse_iso(text: str) -> int:
    """ISO 8601 date-time; no offset means UTC."""
    value = text.strip()
    if len(value) < 10 or not value[:4].isdigit():
        raise ValueError(f"not an ISO 8601 date: {_quote(text)}")
    if value[-1] == "z":
        value = value[:-1] + "Z"
    elif value[-4:].upper() in (" UTC", " GMT"):  # "2024-03-01 10:00:00 UTC"
        value = value[:-4] + "Z"
    try:
        return to_us(datetime.fromisoformat(value))
    except ValueError:
        raise ValueError(f"not an ISO 8601 date: {_quote(text)}") from None


def parse_rfc2822(text: str) -> int:
    """RFC 2822 date, e.g. ``Fri, 21 Oct 2011 11:02:55 GMT`` or ``... +0000``."""
    value = text.strip()
    zone = value.rsplit(None, 1)[-1] if value else ""
    if not _RFC2822_ZONE.fullmatch(zone):
        raise ValueError(f"not an RFC 2822 date with a numeric offset or GMT/UTC/UT/Z: {_quote(text)}")
    try:
        moment = parsedate_to_datetime(value)
    except (ValueError, TypeError, IndexError) as exc:
        raise ValueError(f"not a valid RFC 2822 date: {_quote(text)} ({exc})") from None
    return to_us(moment)  # "-0000" (UTC, local zone unknown) comes back naive: UTC, as ``to_us`` reads it


def parse_epoch(value: object) -> int:
    """Epoch seconds as a number or decimal text; exact to the microsecond for decimal text.

    Any finite value is read, however far from today: whether an import accepts it is ``in_range``'s call.
    """
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not epoch seconds: {value!r}")
    if isinstance(value, int):
        return value * 1_000_000
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not epoch seconds: {value!r}")
        # Exact for 6-decimal timestamps below 2**33 s (year 2242); later ones are out of range anyway.
        return round(value * 1_000_000)
    if isinstance(value, str):
        match = _EPOCH_TEXT.fullmatch(value.strip())
        if match is None:
            raise ValueError(f"not epoch seconds: {_quote(value)}")
        sign, whole, fraction = match.groups()
        digits = (fraction or "").ljust(7, "0")
        magnitude = int(whole) * 1_000_000 + int(digits[:6]) + (1 if digits[6] >= "5" else 0)
        return -magnitude if sign == "-" else magnitude
    raise ValueError(f"not epoch seconds: {value!r}")


def parse_date(text: str) -> int:
    """ISO 8601 or RFC 2822, whichever the text is."""
    value = text.strip()
    if not value:
        raise ValueError("date is empty")
    if value[:4].isdigit():
        return parse_iso(value)
    if value[:1].isalpha() or value[:1].isdigit():
        try:
            return parse_rfc2822(value)
        except ValueError:
            pass
    raise ValueError(f"not an ISO 8601 or RFC 2822 date: {_quote(text)}")
