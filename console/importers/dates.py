"""Dates of provider exports as microseconds since the epoch (UTC).

Accepted: ISO 8601 (``Z``, ``+hh:mm``, ``+hhmm`` or no offset = UTC, any fraction), RFC 2822 with a numeric
offset or ``GMT``/``UTC``/``UT``/``Z``, and epoch seconds (int, float or decimal text). Anything else raises
``ValueError`` with a message that quotes the value.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

from console.domain.events import to_us

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}
_RFC2822 = re.compile(
    r"(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?"
    r"\s*(?:([+-])(\d{2})(\d{2})|(GMT|UTC|UT|Z))",
    re.IGNORECASE,
)
_EPOCH_TEXT = re.compile(r"(\d+)(?:\.(\d*))?")
_EPOCH_ORDINAL = 719_163  # date(1970, 1, 1).toordinal()
_MAX_EPOCH_S = 253_402_300_799  # 9999-12-31T23:59:59Z


def _quote(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:60] + "...")


def parse_iso(text: str) -> int:
    """ISO 8601 date-time; no offset means UTC."""
    value = text.strip()
    if len(value) < 10 or not value[:4].isdigit():
        raise ValueError(f"not an ISO 8601 date: {_quote(text)}")
    last = value[-1]
    if last == "z":
        value = value[:-1] + "Z"
    elif last in "CTct" and value[-4:].upper() in (" UTC", " GMT"):  # "2024-03-01 10:00:00 UTC"
        value = value[:-4] + "Z"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not an ISO 8601 date: {_quote(text)}") from None
    seconds = (moment.toordinal() - _EPOCH_ORDINAL) * 86_400 + moment.hour * 3600 + moment.minute * 60
    offset = moment.utcoffset()
    if offset:
        seconds -= offset.days * 86_400 + offset.seconds
    return (seconds + moment.second) * 1_000_000 + moment.microsecond


def parse_rfc2822(text: str) -> int:
    """RFC 2822 date, e.g. ``Fri, 21 Oct 2011 11:02:55 GMT`` or ``... +0000``."""
    match = _RFC2822.fullmatch(text.strip())
    month = _MONTHS.get(match.group(2).lower()) if match else None
    if match is None or month is None:
        raise ValueError(f"not an RFC 2822 date: {_quote(text)}")
    day, _, year, hour, minute, second, sign, off_h, off_m, _zone = match.groups()
    try:
        moment = datetime(int(year), month, int(day), int(hour), int(minute), int(second or 0), tzinfo=UTC)
    except ValueError as exc:
        raise ValueError(f"not a valid date: {_quote(text)} ({exc})") from None
    offset_s = 0
    if sign:
        offset_s = (int(off_h) * 3600 + int(off_m) * 60) * (1 if sign == "+" else -1)
    return to_us(moment) - offset_s * 1_000_000


def parse_epoch(value: object) -> int:
    """Epoch seconds as a number or decimal text; exact to the microsecond for decimal text."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not epoch seconds: {value!r}")
    if isinstance(value, int):
        seconds_us = value * 1_000_000
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not epoch seconds: {value!r}")
        # Beyond 2**33 s (year 2242) float products may be off by a microsecond; use the shortest repr.
        seconds_us = round(value * 1_000_000) if abs(value) < 2**33 else parse_epoch(repr(value))
    elif isinstance(value, str):
        match = _EPOCH_TEXT.fullmatch(value.strip())
        if match is None:
            raise ValueError(f"not epoch seconds: {_quote(value)}")
        whole, fraction = match.groups()
        digits = (fraction or "").ljust(7, "0")
        seconds_us = int(whole) * 1_000_000 + int(digits[:6]) + (1 if digits[6] >= "5" else 0)
    else:
        raise ValueError(f"not epoch seconds: {value!r}")
    if not 0 <= seconds_us <= _MAX_EPOCH_S * 1_000_000:
        raise ValueError(f"epoch seconds out of range: {value!r}")
    return seconds_us


def parse_date(text: str) -> int:
    """ISO 8601 or RFC 2822, whichever the text is."""
    if text[:4].isdigit():
        return parse_iso(text)
    value = text.strip()
    if not value:
        raise ValueError("date is empty")
    if value[:4].isdigit():
        return parse_iso(value)
    if _RFC2822.fullmatch(value):
        return parse_rfc2822(value)
    raise ValueError(f"not an ISO 8601 or RFC 2822 date: {_quote(text)}")
