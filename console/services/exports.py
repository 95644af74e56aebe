"""Exports for the providers: every address with DND on a channel, for their suppression lists.

Cells a spreadsheet could run as a formula are neutralised, except E.164 numbers (``+`` and digits only), which no
spreadsheet runs and Twilio needs as they are.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from email.utils import format_datetime
from typing import TextIO

from console.domain.channels import Channel
from console.domain.events import from_us, iso_utc
from console.errors import InvalidInput
from console.services.base import LocationRef, channel, location
from console.services.context import AppContext
from console.store.suppressions import suppressions

E164_CELL = re.compile(r"^\+[1-9]\d{6,14}$")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "mailgun")


def spreadsheet_safe(value: str) -> str:
    """A cell a spreadsheet never runs as a formula. An E.164 number (``+`` and digits) cannot run, so it stays."""
    if value.startswith(FORMULA_START) and not E164_CELL.match(value):
        return "'" + value
    return value


@dataclass(frozen=True, slots=True)
class ExportResult:
    channel: Channel
    fmt: str
    addresses: int


def export_suppressions(
    ctx: AppContext, wanted: Channel | str, stream: TextIO, fmt: str = "csv", where: LocationRef = None
) -> ExportResult:
    """Write the suppression list of ``wanted`` (email or sms) to ``stream``: ``csv`` (address, kind, reason,
    since) or ``mailgun`` (Mailgun's bounce-list columns, email only). Includes addresses of unmatched events."""
    which = channel(wanted)
    if which not in (Channel.EMAIL, Channel.SMS):
        raise InvalidInput("suppressions are exported for email or sms")
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown export format {fmt!r} (formats: {', '.join(FORMATS)})")
    if fmt == "mailgun" and which != Channel.EMAIL:
        raise InvalidInput("the mailgun format is for email suppressions")
    writer = csv.writer(stream)
    writer.writerow(["address", "tag", "created_at"] if fmt == "mailgun" else ["address", "kind", "reason", "since"])
    count = 0
    with ctx.store.read() as session:
        for item in suppressions(session, location(session, where).id, which):
            if fmt == "mailgun":  # a file for Mailgun, not a spreadsheet: the address exactly as stored
                writer.writerow([item.address, "*", format_datetime(from_us(item.since_us), usegmt=True)])
            else:
                row = [item.address, item.kind, item.reason, iso_utc(item.since_us) or ""]
                writer.writerow([spreadsheet_safe(v) for v in row])
            count += 1
    return ExportResult(which, fmt, count)
