"""Tables of opt-in reviews (migration 0002). Times are integer microseconds since the epoch (UTC)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from console.store.models import Base


class OptInReview(Base):
    """A request to lift a locked channel on proof of opt-in, and the decision taken on it."""

    __tablename__ = "opt_in_reviews"
    __table_args__ = (
        Index("ix_opt_in_reviews_state", "location_id", "state"),
        Index("ix_opt_in_reviews_contact", "contact_id", "channel"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    channel: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    submitted_by: Mapped[str] = mapped_column(String(200))
    submitted_at_us: Mapped[int] = mapped_column(BigInteger)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at_us: Mapped[int | None] = mapped_column(BigInteger)
    #: Why it was rejected or sent back for more information (or the approver's note).
    reason: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    #: Bumped on every change, so a reviewer never decides on a submission that changed under them.
    version: Mapped[int] = mapped_column(Integer, default=1)
    #: The held imported opt-in (its ledger entry) this review was opened for; null for a submitted review.
    held_event_id: Mapped[int | None] = mapped_column(BigInteger, index=True)


class HeldOptIn(Base):
    """An imported opt-in (START) that a plain agent's import may not apply to a permanent or spam DND (migration
    0005). It is in the ledger as a lift of at most ``temporary``; for each contact whose channel it would have
    lifted from ``permanent`` or ``spam`` on replay, a pending review is opened with this message as its evidence."""

    __tablename__ = "held_opt_ins"
    __table_args__ = (Index("ix_held_opt_ins_address", "location_id", "channel", "address"),)

    event_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(320))
    #: The ledger entry's order key parts: when the message was received, and its key (the provider id + state).
    at_us: Mapped[int] = mapped_column(BigInteger)
    key: Mapped[str] = mapped_column(String(300))
    batch_id: Mapped[int | None] = mapped_column(Integer)
    file: Mapped[str] = mapped_column(Text)
    provider_id: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    #: The message's To: the business's number, the review's relationship number.
    to_number: Mapped[str | None] = mapped_column(String(40))
    imported_by: Mapped[str] = mapped_column(String(200))


class ReviewEvidence(Base):
    __tablename__ = "review_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("opt_in_reviews.id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    captured_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(200))
    added_at_us: Mapped[int] = mapped_column(BigInteger)


class ReviewNumber(Base):
    """A relationship number (the business's sending number, E.164) the opt-in was given to."""

    __tablename__ = "review_numbers"

    review_id: Mapped[int] = mapped_column(ForeignKey("opt_in_reviews.id"), primary_key=True)
    number: Mapped[str] = mapped_column(String(20), primary_key=True)


class ReviewStateChange(Base):
    """One step of a review's state history; ``from_state`` is null for the submission."""

    __tablename__ = "review_state_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("opt_in_reviews.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    by: Mapped[str] = mapped_column(String(200))
    at_us: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(Text)
