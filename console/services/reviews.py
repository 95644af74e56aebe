"""Opt-in reviews: submit, update, approve, reject, ask for more information; and the queue's read models.

The rules are those of :mod:`console.domain.reviews` (its transition table is the state machine the store
enforces); every step is an entry in the audit chain (a note, or for an approval the ledger's LIFT itself).
"""

from __future__ import annotations

from collections.abc import Sequence

from console.domain.channels import Channel
from console.domain.evidence import EvidenceLink
from console.domain.reviews import Decision, Review, ReviewState
from console.services.base import ContactRef, LocationRef, Outcome, actor, channel, location, one_contact
from console.services.context import AppContext
from console.store import review_queries, reviews
from console.store.changes import DND, REVIEWS, Change
from console.store.identity import role_of

EvidenceInput = EvidenceLink | str


def _change(review: Review, who: str, what: str = REVIEWS) -> Change:
    return Change(what, review.location_id, frozenset({review.contact_id}), who)


def submit_review(
    ctx: AppContext,
    contact: ContactRef,
    wanted: Channel | str,
    evidence: Sequence[EvidenceInput],
    relationship_numbers: Sequence[str] = (),
    note: str | None = None,
    where: LocationRef = None,
) -> Outcome[Review]:
    """Ask for the contact's DND channel to be lifted on proof of opt-in (pending). Refused when there is nothing
    to lift, when a review of that channel is already open, or when the submission lacks what the rules ask."""
    which = channel(wanted)
    with ctx.store.write() as session:
        who = actor(ctx, session)
        target = one_contact(ctx, session, contact, where)
        review = reviews.submit_review(
            session, target.id, which, who, list(evidence), list(relationship_numbers), note, ctx.region
        )
    return Outcome(review, _change(review, who))


def update_review(
    ctx: AppContext,
    review_id: int,
    evidence: Sequence[EvidenceInput] = (),
    relationship_numbers: Sequence[str] = (),
    note: str | None = None,
    expected_version: int | None = None,
) -> Outcome[Review]:
    """Add evidence, relationship numbers or a note; a needs_info review goes back to pending."""
    with ctx.store.write() as session:
        who = actor(ctx, session)
        review = reviews.update_review(
            session, review_id, who, list(evidence), list(relationship_numbers), note, ctx.region, expected_version
        )
    return Outcome(review, _change(review, who))


def decide_review(
    ctx: AppContext,
    review_id: int,
    decision: Decision,
    reason: str | None = None,
    evidence: Sequence[EvidenceInput] = (),
    expected_version: int | None = None,
) -> Outcome[Review]:
    """A reviewer's decision (reviewer or admin, not the submitter, on a pending review). An approval lifts the
    channel through the ledger (``reason`` is then the reviewer's note); a rejection or a request for more
    information needs a reason."""
    with ctx.store.write() as session:
        who = actor(ctx, session)
        if decision == Decision.APPROVE:
            review = reviews.approve_review(session, review_id, who, list(evidence), reason, expected_version)
        elif decision == Decision.REJECT:
            review = reviews.reject_review(session, review_id, who, reason, expected_version)
        else:
            review = reviews.needs_info_review(session, review_id, who, reason, expected_version)
    return Outcome(review, _change(review, who, DND if decision == Decision.APPROVE else REVIEWS))


def approve_review(
    ctx: AppContext,
    review_id: int,
    evidence: Sequence[EvidenceInput] = (),
    note: str | None = None,
    expected_version: int | None = None,
) -> Outcome[Review]:
    return decide_review(ctx, review_id, Decision.APPROVE, note, evidence, expected_version)


def reject_review(
    ctx: AppContext, review_id: int, reason: str | None, expected_version: int | None = None
) -> Outcome[Review]:
    return decide_review(ctx, review_id, Decision.REJECT, reason, (), expected_version)


def needs_info_review(
    ctx: AppContext, review_id: int, reason: str | None, expected_version: int | None = None
) -> Outcome[Review]:
    return decide_review(ctx, review_id, Decision.NEEDS_INFO, reason, (), expected_version)


# -- read models -------------------------------------------------------------------------------------------------


def get_review(ctx: AppContext, review_id: int) -> Review:
    with ctx.store.read() as session:
        return review_queries.get_review(session, review_id)


def list_reviews(
    ctx: AppContext,
    state: ReviewState | str | None = None,
    where: LocationRef | None = None,
    contact_id: int | None = None,
    pending_first: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> list[Review]:
    """Reviews newest first (``where`` None: every location); ``pending_first`` for the queue."""
    with ctx.store.read() as session:
        location_id = location(session, where).id if where is not None else None
        return review_queries.list_reviews(session, state, location_id, contact_id, pending_first, limit, offset)


def count_reviews(
    ctx: AppContext, state: ReviewState | str | None = ReviewState.PENDING, location_id: int | None = None
) -> int:
    with ctx.store.read() as session:
        return review_queries.count_reviews(session, state, location_id)


def open_review(ctx: AppContext, contact_id: int, wanted: Channel) -> Review | None:
    with ctx.store.read() as session:
        return review_queries.open_review(session, contact_id, wanted)


def decision_blockers(
    ctx: AppContext, review: Review, reason: str | None = None, added_evidence: Sequence[EvidenceLink] = ()
) -> dict[Decision, list[str]]:
    """Why each decision is not available to the acting agent now (empty: allowed), for enabling buttons."""
    with ctx.store.read() as session:
        return review_queries.blockers_for(session, review, actor(ctx, session), reason, added_evidence)


def acting_role(ctx: AppContext) -> tuple[str, str]:
    """Who is acting and their role: read once, so a dialog never looks it up per keystroke."""
    with ctx.store.read() as session:
        who = actor(ctx, session)
        return who, role_of(session, who)
