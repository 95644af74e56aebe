"""Tables and indexes of migration 0006: the inbound DND projection, and indexes for past moments and stats."""

from __future__ import annotations

from typing import cast

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Table, text
from sqlalchemy.orm import Mapped, mapped_column

from console.store.models import Base, LedgerEntry


class InboundStateRow(Base):
    """Inbound DND of a (contact, sms|call), as its ledger entries leave it. No row: never set (off)."""

    __tablename__ = "inbound_states"
    __table_args__ = (Index("ix_inbound_states_channel", "channel", "dnd"),)

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    dnd: Mapped[bool] = mapped_column(Boolean)
    since_us: Mapped[int | None] = mapped_column(BigInteger)
    event_id: Mapped[int | None] = mapped_column(BigInteger)
    changed_by: Mapped[str | None] = mapped_column(String(200))
    #: Bumped on every change, for optimistic concurrency between agents.
    version: Mapped[int] = mapped_column(Integer, default=1)


_EVENTS = cast(Table, LedgerEntry.__table__)

#: Notes about a location (connections, the location itself), found without scanning the ledger: only entries
#: without a channel (imported entries have no contact id either, so that was every record of an import; 0012).
NOTES_INDEX = Index(
    "ix_events_notes",
    _EVENTS.c.location_id,
    _EVENTS.c.reason,
    sqlite_where=text("channel IS NULL"),
    postgresql_where=text("channel IS NULL"),
)

#: New DND per week: the set entries of a location by time, covering the reason so rows are never read.
SETS_INDEX = Index(
    "ix_events_sets",
    _EVENTS.c.location_id,
    _EVENTS.c.at_us,
    _EVENTS.c.reason,
    sqlite_where=text("effect = 'set'"),
    postgresql_where=text("effect = 'set'"),
)
