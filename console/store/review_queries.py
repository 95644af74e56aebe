"""Reading opt-in reviews: one, a filtered page of them (pending first for the queue), and counts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from console.domain.channels import Channel
from console.domain.evidence import EvidenceKind, EvidenceLink
from console.domain.reviews import Decision, Review, ReviewState, StateChange, decision_blockers
from console.errors import InvalidInput, NotFound
from console.store.identity import role_of
from console.store.models import Contact
from console.store.review_models import OptInReview, ReviewEvidence, ReviewNumber, ReviewStateChange


def parse_state(text: str | ReviewState) -> ReviewState:
    try:
        return ReviewState(str(text).strip().lower().replace("-", "_"))
    except ValueError:
        names = ", ".join(s.value for s in ReviewState)
        raise InvalidInput(f"unknown review state {text!r} (states: {names})") from None


def get_review(session: Session, review_id: int) -> Review:
    """The review with its evidence, numbers and state history; NotFound when there is none."""
    row = session.get(OptInReview, review_id)
    if row is None:
        raise NotFound(f"no opt-in review with id {review_id}")
    return _load(session, [row])[0]


def list_reviews(
    session: Session,
    state: ReviewState | str | None = None,
    location_id: int | None = None,
    contact_id: int | None = None,
    pending_first: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> list[Review]:
    """Reviews newest first; ``pending_first`` puts pending, then needs_info, ahead of decided ones."""
    query = select(OptInReview)
    if state is not None:
        query = query.where(OptInReview.state == parse_state(state).value)
    if location_id is not None:
        query = query.where(OptInReview.location_id == location_id)
    if contact_id is not None:
        query = query.where(OptInReview.contact_id == contact_id)
    if pending_first:
        rank = case((OptInReview.state == ReviewState.PENDING.value, 0),
                    (OptInReview.state == ReviewState.NEEDS_INFO.value, 1), else_=2)
        query = query.order_by(rank)
    query = query.order_by(OptInReview.submitted_at_us.desc(), OptInReview.id.desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return _load(session, list(session.scalars(query)))


def count_reviews(
    session: Session, state: ReviewState | str | None = ReviewState.PENDING, location_id: int | None = None
) -> int:
    """How many reviews are in ``state`` (pending by default: the count badge of the Reviews tab)."""
    query = select(func.count()).select_from(OptInReview)
    if state is not None:
        query = query.where(OptInReview.state == parse_state(state).value)
    if location_id is not None:
        query = query.where(OptInReview.location_id == location_id)
    return int(session.scalar(query) or 0)


def open_review(session: Session, contact_id: int, channel: Channel) -> Review | None:
    """The pending or needs_info review of a contact's channel, if one is open."""
    row = session.scalar(
        select(OptInReview)
        .where(OptInReview.contact_id == contact_id, OptInReview.channel == channel.value,
               OptInReview.state.in_([s.value for s in ReviewState if s.open]))
        .order_by(OptInReview.id.desc())
        .limit(1)
    )
    return _load(session, [row])[0] if row is not None else None


def blockers_for(
    session: Session, review: Review, actor: str, reason: str | None = None,
    added_evidence: Sequence[EvidenceLink] = (),
) -> dict[Decision, list[str]]:
    """Why each decision is not available to ``actor`` now (empty list: allowed), for enabling buttons."""
    role = role_of(session, actor)
    return {d: decision_blockers(review, d, actor, role, reason, added_evidence) for d in Decision}


def _load(session: Session, rows: Sequence[OptInReview]) -> list[Review]:
    if not rows:
        return []
    ids = [r.id for r in rows]
    evidence: dict[int, list[EvidenceLink]] = defaultdict(list)
    for ev in session.scalars(
        select(ReviewEvidence).where(ReviewEvidence.review_id.in_(ids)).order_by(ReviewEvidence.id)
    ):
        evidence[ev.review_id].append(EvidenceLink(ev.url, EvidenceKind(ev.kind), ev.captured_on, ev.note))
    numbers: dict[int, list[str]] = defaultdict(list)
    for review_id, number in session.execute(
        select(ReviewNumber.review_id, ReviewNumber.number)
        .where(ReviewNumber.review_id.in_(ids))
        .order_by(ReviewNumber.number)
    ):
        numbers[review_id].append(number)
    changes: dict[int, list[StateChange]] = defaultdict(list)
    for ch in session.scalars(
        select(ReviewStateChange).where(ReviewStateChange.review_id.in_(ids)).order_by(ReviewStateChange.id)
    ):
        changes[ch.review_id].append(
            StateChange(ReviewState(ch.from_state) if ch.from_state else None, ReviewState(ch.to_state),
                        ch.by, ch.at_us, ch.reason)
        )
    contact_ids = {r.contact_id for r in rows}
    names: dict[int, str] = {}
    for cid, name in session.execute(select(Contact.id, Contact.name).where(Contact.id.in_(contact_ids))):
        names[cid] = name
    reviews = []
    for r in rows:
        reviews.append(Review(
            id=r.id, location_id=r.location_id, contact_id=r.contact_id, channel=Channel(r.channel),
            state=ReviewState(r.state), submitted_by=r.submitted_by, submitted_at_us=r.submitted_at_us,
            relationship_numbers=tuple(numbers[r.id]), evidence=tuple(evidence[r.id]), notes=r.notes,
            decided_by=r.decided_by, decided_at_us=r.decided_at_us, reason=r.reason, version=r.version,
            changes=tuple(changes[r.id]), contact_name=names.get(r.contact_id, ""),
        ))
    return reviews
