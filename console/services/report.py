"""A consent record for a dispute or an audit (``report``; the window's "Save consent report..." calls the same).

:func:`consent_records` reads everything in one transaction into frozen values; :mod:`report_html` renders
them as one printable HTML page, and :func:`write_report` writes that page, or the PDF made from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from console.domain.channels import CHANNEL_ORDER, Channel
from console.domain.events import now_us
from console.domain.inbound import INBOUND_CHANNELS, InboundState
from console.domain.reviews import Review
from console.domain.state import ChannelState
from console.errors import InvalidInput
from console.services.context import AppContext
from console.store.contacts import find_contacts
from console.store.history import HistoryEntry, contact_history
from console.store.identity import current_actor
from console.store.inbound import inbound_states
from console.store.locations import connected_channels, get_location
from console.store.models import Location
from console.store.queries import channel_states
from console.store.report_queries import BatchInfo, EntriesCheck, import_batches, verify_entries
from console.store.review_queries import list_reviews

FORMATS = ("html", "pdf")


@dataclass(frozen=True, slots=True)
class ChannelNow:
    channel: Channel
    connected: bool
    state: ChannelState
    inbound: InboundState | None


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """One contact's consent record: its channels now, every ledger entry, its reviews, and the audit check."""

    contact_id: int
    name: str
    email: str | None
    phone: str | None
    location: str
    channels: tuple[ChannelNow, ...]
    entries: tuple[HistoryEntry, ...]
    batches: dict[int, BatchInfo]
    reviews: tuple[Review, ...]
    audit: EntriesCheck

    @property
    def cited(self) -> tuple[int, ...]:
        return tuple(e.event_id for e in self.entries)


@dataclass(frozen=True, slots=True)
class ConsentReport:
    records: tuple[ConsentRecord, ...]
    generated_at_us: int
    generated_by: str
    database: str


def consent_records(ctx: AppContext, contact: str, location: str | None = None) -> ConsentReport:
    """Everything the report shows for every contact CONTACT names, read in one transaction."""
    with ctx.store.read() as session:
        actor = current_actor(session)
        loc = get_location(session, location)
        records = []
        for found in find_contacts(session, contact, loc.id, ctx.region):
            home = loc if found.location_id == loc.id else session.get(Location, found.location_id)
            connected = connected_channels(session, found.location_id)
            stored = channel_states(session, found.id)
            inbound = inbound_states(session, found.id)
            channels = tuple(
                ChannelNow(
                    channel,
                    channel in connected,
                    stored[channel].state,
                    inbound[channel].state if channel in INBOUND_CHANNELS else None,
                )
                for channel in CHANNEL_ORDER
            )
            entries = tuple(contact_history(session, found))
            batches = import_batches(session, (e.batch_id for e in entries if e.batch_id is not None))
            reviews = tuple(list_reviews(session, contact_id=found.id))
            audit = verify_entries(session, (e.event_id for e in entries))
            where = home.name if home else ""
            records.append(
                ConsentRecord(
                    found.id, found.name, found.email, found.phone, where, channels, entries, batches, reviews, audit
                )
            )
    return ConsentReport(tuple(records), now_us(), actor, ctx.store.dialect)


def write_report(ctx: AppContext, contact: str, output: Path, fmt: str = "html", location: str | None = None) -> int:
    """Write the consent report of CONTACT to ``output`` as HTML or PDF; returns the bytes written."""
    from console.services.report_html import render_html

    if fmt not in FORMATS:
        raise InvalidInput(f"--format {fmt!r} is not a report format (choose html or pdf)")
    report = consent_records(ctx, contact, location)
    page = render_html(report)
    data = page.encode("utf-8") if fmt == "html" else _pdf(page)
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise InvalidInput(f"cannot write {output}: {exc.strerror}") from None
    return len(data)


def _pdf(page: str) -> bytes:
    from console.services.report_pdf import html_to_pdf

    return html_to_pdf(page)
