"""Opt-in reviews: submitting, updating and deciding, checked by the rules of console.domain.reviews.

Every step goes in the audit chain: a note for submissions, updates, rejections and needs-info, and for an
approval the ledger's LIFT event itself (source ``review``), so the contact's history shows who approved it.
Rule refusals raise :class:`Refused` with the rule's words; unusable input raises :class:`InvalidInput`.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from console.domain.addresses import DEFAULT_REGION
from console.domain.channels import Channel, DndKind, parse_channel
from console.domain.events import Effect, Event, Source, iso_utc, now_us
from console.domain.evidence import EvidenceError, EvidenceLink, parse_evidence
from console.domain.reviews import (
    Decision,
    Review,
    ReviewState,
    already_open_blockers,
    approval_blockers,
    decision_blockers,
    normalize_relationship_number,
    nothing_to_lift_blockers,
    submission_blockers,
    transition_blockers,
    update_blockers,
)
from console.errors import Conflict, InvalidInput, NotFound, Refused
from console.store.identity import role_of
from console.store.ledger import record_events, record_note
from console.store.models import Contact
from console.store.queries import channel_states
from console.store.review_models import OptInReview, ReviewEvidence, ReviewNumber, ReviewStateChange
from console.store.review_queries import get_review, open_review

EvidenceInput = EvidenceLink | str


def submit_review(
    session: Session,
    contact_id: int,
    channel: Channel | str,
    actor: str,
    evidence: Sequence[EvidenceInput],
    relationship_numbers: Sequence[str] = (),
    note: str | None = None,
    region: str = DEFAULT_REGION,
) -> Review:
    """Ask for a locked (or any DND) channel of a contact to be lifted on proof of opt-in."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"no contact with id {contact_id}")
    wanted = _channel(channel)
    links = evidence_links(evidence)
    numbers = relationship_number_list(relationship_numbers, region)
    _refuse_if(submission_blockers(wanted, links, numbers))
    state = channel_states(session, contact.id)[wanted].state
    label = f"#{contact.id} {contact.name}"
    _refuse_if(nothing_to_lift_blockers(wanted, state.dnd, label))
    _refuse_if(already_open_blockers(open_review(session, contact.id, wanted), wanted, label))
    now = now_us()
    row = OptInReview(location_id=contact.location_id, contact_id=contact.id, channel=wanted.value,
                      state=ReviewState.PENDING.value, submitted_by=actor, submitted_at_us=now,
                      notes=_note_line(None, actor, note, now), version=1)
    session.add(row)
    session.flush()
    _add_details(session, row.id, actor, now, links, numbers)
    _add_change(session, row.id, None, ReviewState.PENDING, actor, now, None)
    record_note(session, row.location_id, actor, "review.submitted",
                {"review": str(row.id), "contact": str(contact.id), "channel": wanted.value,
                 "locked_kind": state.kind.value if state.kind else "", "evidence": str(len(links)),
                 "relationship_numbers": ",".join(numbers)})
    return get_review(session, row.id)


def update_review(
    session: Session,
    review_id: int,
    actor: str,
    evidence: Sequence[EvidenceInput] = (),
    relationship_numbers: Sequence[str] = (),
    note: str | None = None,
    region: str = DEFAULT_REGION,
    expected_version: int | None = None,
) -> Review:
    """Add evidence, relationship numbers or a note; a needs_info review goes back to pending."""
    row = _locked(session, review_id, expected_version)
    _refuse_if(update_blockers(get_review(session, review_id)))
    links = evidence_links(evidence)
    numbers = relationship_number_list(relationship_numbers, region)
    known_urls = set(session.scalars(select(ReviewEvidence.url).where(ReviewEvidence.review_id == row.id)))
    known_numbers = set(session.scalars(select(ReviewNumber.number).where(ReviewNumber.review_id == row.id)))
    links = [link for link in links if link.url not in known_urls]
    numbers = [n for n in numbers if n not in known_numbers]
    text = (note or "").strip()
    if not links and not numbers and not text:
        raise InvalidInput("nothing to update: give new evidence, a relationship number or a note")
    now = now_us()
    _add_details(session, row.id, actor, now, links, numbers)
    row.notes = _note_line(row.notes, actor, text, now)
    before = ReviewState(row.state)
    if before == ReviewState.NEEDS_INFO:
        _refuse_if(transition_blockers(row.id, before, ReviewState.PENDING))
        row.state, row.decided_by, row.decided_at_us, row.reason = ReviewState.PENDING.value, None, None, None
        _add_change(session, row.id, before, ReviewState.PENDING, actor, now, text or "updated")
    row.version += 1
    session.flush()
    record_note(session, row.location_id, actor,
                "review.resubmitted" if before == ReviewState.NEEDS_INFO else "review.updated",
                {"review": str(row.id), "evidence_added": str(len(links)),
                 "relationship_numbers_added": ",".join(numbers), "state": row.state})
    return get_review(session, row.id)


def approve_review(
    session: Session,
    review_id: int,
    actor: str,
    evidence: Sequence[EvidenceInput] = (),
    note: str | None = None,
    expected_version: int | None = None,
) -> Review:
    """Approve on the evidence (plus any links the reviewer adds) and lift the channel through the ledger."""
    row = _locked(session, review_id, expected_version)
    links = evidence_links(evidence)
    review = get_review(session, review_id)
    known = {e.url for e in review.evidence}
    links = [link for link in links if link.url not in known]
    _refuse_if(approval_blockers(review, actor, role_of(session, actor), links))
    now = now_us()
    _add_details(session, row.id, actor, now, links, [])
    text = (note or "").strip() or None
    _decide_row(session, row, ReviewState.APPROVED, actor, now, text)
    detail = {"review": str(row.id), "approved_by": actor}
    if text:
        detail["note"] = text
    lift = Event(source=Source.REVIEW, key=f"review:{row.id}", at_us=now, channel=Channel(row.channel),
                 effect=Effect.LIFT, kind=DndKind.SPAM, reason="review.approved", contact_id=row.contact_id,
                 detail=detail)
    record_events(session, row.location_id, [lift], actor)
    return get_review(session, row.id)


def reject_review(
    session: Session, review_id: int, actor: str, reason: str | None, expected_version: int | None = None
) -> Review:
    return _decide(session, review_id, actor, Decision.REJECT, reason, expected_version)


def needs_info_review(
    session: Session, review_id: int, actor: str, reason: str | None, expected_version: int | None = None
) -> Review:
    """Send the review back to the submitter, saying what is missing."""
    return _decide(session, review_id, actor, Decision.NEEDS_INFO, reason, expected_version)


def evidence_links(evidence: Sequence[EvidenceInput]) -> list[EvidenceLink]:
    """Checked links from ``URL`` / ``KIND=URL`` text or EvidenceLink values; InvalidInput on a refused link."""
    links: list[EvidenceLink] = []
    try:
        for item in evidence:
            if isinstance(item, EvidenceLink):
                link = EvidenceLink.checked(item.url, item.kind, item.captured_on, item.note)
            else:
                link = parse_evidence(item)
            if all(link.url != seen.url for seen in links):
                links.append(link)
    except EvidenceError as exc:
        raise InvalidInput(str(exc)) from None
    return links


def relationship_number_list(numbers: Sequence[str], region: str = DEFAULT_REGION) -> list[str]:
    """E.164 relationship numbers, without repeats; InvalidInput on one that is not a phone number."""
    out: list[str] = []
    for text in numbers:
        try:
            number = normalize_relationship_number(text, region)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        if number not in out:
            out.append(number)
    return out


def _decide(session: Session, review_id: int, actor: str, decision: Decision, reason: str | None,
            expected_version: int | None) -> Review:
    row = _locked(session, review_id, expected_version)
    review = get_review(session, review_id)
    _refuse_if(decision_blockers(review, decision, actor, role_of(session, actor), reason))
    text = (reason or "").strip()
    now = now_us()
    _decide_row(session, row, decision.target, actor, now, text)
    record_note(session, row.location_id, actor, f"review.{decision.target.value}",
                {"review": str(row.id), "contact": str(row.contact_id), "channel": row.channel,
                 "reason": text})
    return get_review(session, row.id)


def _decide_row(session: Session, row: OptInReview, target: ReviewState, actor: str, now: int,
                reason: str | None) -> None:
    before = ReviewState(row.state)
    _refuse_if(transition_blockers(row.id, before, target))  # the state machine of domain/reviews.py, enforced
    row.state, row.decided_by, row.decided_at_us, row.reason = target.value, actor, now, reason
    row.version += 1
    _add_change(session, row.id, before, target, actor, now, reason)
    session.flush()


def _locked(session: Session, review_id: int, expected_version: int | None) -> OptInReview:
    """The review row, locked for this transaction; Conflict if it changed since the caller read it."""
    row = session.scalar(
        select(OptInReview).where(OptInReview.id == review_id).with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise NotFound(f"no opt-in review with id {review_id}")
    if expected_version is not None and row.version != expected_version:
        who = row.decided_by or row.submitted_by
        raise Conflict(f"review #{row.id} was changed a moment ago (last by {who}); the fresh review is shown")
    return row


def _add_details(session: Session, review_id: int, actor: str, now: int, links: Sequence[EvidenceLink],
                 numbers: Sequence[str]) -> None:
    for link in links:
        session.add(ReviewEvidence(review_id=review_id, url=link.url, kind=link.kind.value,
                                   captured_on=link.captured_on, note=link.note, added_by=actor,
                                   added_at_us=now))
    for number in numbers:
        session.add(ReviewNumber(review_id=review_id, number=number))
    session.flush()


def _add_change(session: Session, review_id: int, before: ReviewState | None, after: ReviewState, actor: str,
                now: int, reason: str | None) -> None:
    session.add(ReviewStateChange(review_id=review_id, from_state=before.value if before else None,
                                  to_state=after.value, by=actor, at_us=now, reason=reason))


def _note_line(notes: str | None, actor: str, note: str | None, now: int) -> str | None:
    text = (note or "").strip()
    if not text:
        return notes
    line = f"{actor} ({iso_utc(now)}): {text}"
    return f"{notes}\n{line}" if notes else line


def _channel(channel: Channel | str) -> Channel:
    try:
        return channel if isinstance(channel, Channel) else parse_channel(channel)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def _refuse_if(reasons: Sequence[str]) -> None:
    if reasons:
        raise Refused("; ".join(reasons))
