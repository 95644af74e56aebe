"""The database schema as typed SQLAlchemy 2 models. Times are integer microseconds since the epoch (UTC)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Location(Base):
    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at_us: Mapped[int] = mapped_column(BigInteger)


class Integration(Base):
    """Whether a location's channel is connected. Disconnecting keeps every contact's state."""

    __tablename__ = "integrations"

    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    connected: Mapped[bool] = mapped_column(Boolean)
    changed_at_us: Mapped[int] = mapped_column(BigInteger)


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_location_email", "location_id", "email"),
        Index("ix_contacts_location_phone", "location_id", "phone"),
        Index("ix_contacts_location_name", "location_id", "name"),
        Index("ix_contacts_location_external", "location_id", "external_id"),
        # Status and channel filters count over this small index instead of the whole table; the earliest end of a
        # manual DND is in it too, so reading the mask as it is now (store/until.py) needs no row either.
        Index("ix_contacts_location_mask", "location_id", "dnd_mask", "dnd_until_us"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(20))
    external_id: Mapped[str | None] = mapped_column(String(200))
    created_at_us: Mapped[int] = mapped_column(BigInteger)
    updated_at_us: Mapped[int] = mapped_column(BigInteger)
    #: Bit per channel (Channel.bit) that is DND, kept with channel_states so lists filter in SQL.
    dnd_mask: Mapped[int] = mapped_column(Integer, default=0)
    #: The earliest end of a manual DND among the ``dnd_mask`` channels (None: none has one). Past it, reads
    #: take the ended channels out of the mask (store/until.py); nothing has to run when it comes.
    dnd_until_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True, default=None)


class ChannelStateRow(Base):
    """The projection: a (contact, channel) as the ledger replays it. No row means never touched (off)."""

    __tablename__ = "channel_states"
    # SQLite keeps each state in its key's b-tree (no rowid table beside it; migration 0012)
    __table_args__ = (Index("ix_channel_states_kind", "kind", "contact_id"), {"sqlite_with_rowid": False})

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    dnd: Mapped[bool] = mapped_column(Boolean)
    kind: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(80))
    since_us: Mapped[int | None] = mapped_column(BigInteger)
    source: Mapped[str | None] = mapped_column(String(32))
    event_id: Mapped[int | None] = mapped_column(BigInteger)
    #: The end of a manual DND (RULES.md "Manual DND with an end"); ``dnd`` stays true, reads treat it as off then.
    until_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    #: Order key of the latest event applied, to tell whether a new event can be applied incrementally.
    last_order: Mapped[str] = mapped_column(String(300))
    #: Bumped on every change, for optimistic concurrency between agents.
    version: Mapped[int] = mapped_column(Integer, default=1)
    changed_by: Mapped[str | None] = mapped_column(String(200))


class LedgerEntry(Base):
    """The append-only, hash-chained consent ledger. Records that trigger nothing are kept too (effect none)."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("location_id", "source", "key", name="uq_events_source_key"),
        # Partial indexes: records that trigger nothing (most of an export) are only ever found by their key.
        Index(
            "ix_events_address",
            "location_id",
            "address",
            "channel",
            sqlite_where=text("effect != 'none'"),
            postgresql_where=text("effect != 'none'"),
        ),
        Index(
            "ix_events_contact",
            "contact_id",
            "channel",
            sqlite_where=text("contact_id IS NOT NULL"),
            postgresql_where=text("contact_id IS NOT NULL"),
        ),
    )

    #: INTEGER on SQLite, so the id is the table's rowid (no second b-tree per entry; migration 0012)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    source: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(300))
    at_us: Mapped[int] = mapped_column(BigInteger)
    recorded_at_us: Mapped[int] = mapped_column(BigInteger)
    channel: Mapped[str | None] = mapped_column(String(16))
    effect: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(80))
    address: Mapped[str | None] = mapped_column(String(320))
    contact_id: Mapped[int | None] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(200))
    batch_id: Mapped[int | None] = mapped_column(Integer)
    provider_cleared: Mapped[bool] = mapped_column(Boolean, default=False)
    detail: Mapped[str | None] = mapped_column(Text)
    hash: Mapped[str] = mapped_column(String(64))
    #: HMAC-SHA256 of ``hash`` with the sealing key (store/sealing.py); migration 0005.
    seal: Mapped[str | None] = mapped_column(String(64))


class NoopRecord(Base):
    """A provider record that triggered nothing: kept so a re-import is recognised, and counted by label."""

    __tablename__ = "noop_records"
    __table_args__ = {"sqlite_with_rowid": False}

    location_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    batch_id: Mapped[int | None] = mapped_column(Integer)
    at_us: Mapped[int] = mapped_column(BigInteger)
    label: Mapped[str] = mapped_column(String(80))


class ChainHead(Base):
    """One row: the last ledger id and hash, sealed. Writers lock it, which serialises appends to the chain."""

    __tablename__ = "chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))
    #: HMAC of ``head:last_id:last_hash`` (null only while nothing was ever recorded); migration 0005.
    seal: Mapped[str | None] = mapped_column(String(64))


class Agent(Base):
    __tablename__ = "agents"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    added_by: Mapped[str] = mapped_column(String(200))
    added_at_us: Mapped[int] = mapped_column(BigInteger)


class ImportBatch(Base):
    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    actor: Mapped[str] = mapped_column(String(200))
    started_at_us: Mapped[int] = mapped_column(BigInteger)
    finished_at_us: Mapped[int | None] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16))
    #: JSON: [{"path", "sha256", "format", "records"}]
    files: Mapped[str] = mapped_column(Text)
    #: JSON: the import summary
    counts: Mapped[str | None] = mapped_column(Text)
    #: The importing process while the batch runs: "host pid start" (see ``console.importers.batches``)
    owner: Mapped[str | None] = mapped_column(String(200))


class ImportReject(Base):
    __tablename__ = "import_rejects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"), index=True)
    file: Mapped[str] = mapped_column(Text)
    line: Mapped[int] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text)
    raw: Mapped[str] = mapped_column(Text)


class PossibleOptOut(Base):
    """A multi-word inbound message that reads like an opt-out, waiting for an agent."""

    __tablename__ = "possible_opt_outs"
    __table_args__ = (Index("ix_possible_opt_outs_state", "location_id", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    event_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    address: Mapped[str] = mapped_column(String(320))
    body: Mapped[str] = mapped_column(Text)
    received_at_us: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at_us: Mapped[int | None] = mapped_column(BigInteger)
