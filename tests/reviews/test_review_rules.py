"""One test per rule of RULES.md, "Opt-in review (lifting a lock)", named after the rule; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import delete, select

from console.domain.channels import Channel, DndKind
from console.domain.reviews import ReviewState
from console.errors import Refused, UserError
from console.store.audit import verify_chain
from console.store.history import contact_history
from console.store.models import LedgerEntry
from console.store.review_models import ReviewEvidence, ReviewNumber
from console.store.review_queries import get_review
from console.store.reviews import approve_review, needs_info_review, reject_review, submit_review, update_review

from .conftest import ADMIN, BUSINESS, REVIEWER, SUBMITTER, VIDEO, Desk

BAD_LINKS = ["JaVaScRiPt:alert(1)", " \tjavascript:alert(1)", "DATA:text/html,x", "File:///etc/passwd",
             "FTP://example.com/v", "https://", "  HTTPS://  ", "https:///path"]


def submit(desk: Desk, channel: Channel = Channel.SMS, actor: str = SUBMITTER) -> int:
    numbers = [BUSINESS] if channel == Channel.SMS else []
    with desk.store.write() as session:
        return submit_review(session, desk.ann.id, channel, actor, [VIDEO], numbers, "front desk video").id


def state_of(desk: Desk, review_id: int) -> ReviewState:
    with desk.store.read() as session:
        return get_review(session, review_id).state


def test_a_submission_names_contact_channel_relationship_numbers_evidence_notes_and_submitter(desk: Desk) -> None:
    review_id = submit(desk)
    with desk.store.read() as session:
        review = get_review(session, review_id)
    assert (review.contact_id, review.channel, review.relationship_numbers) == (desk.ann.id, Channel.SMS, (BUSINESS,))
    assert [e.url for e in review.evidence] == ["https://evidence.example.com/optin.mp4"]
    assert "front desk video" in (review.notes or "") and review.submitted_by == SUBMITTER


def test_relationship_numbers_are_required_for_sms(desk: Desk) -> None:
    with pytest.raises(Refused, match="relationship number"), desk.store.write() as session:
        submit_review(session, desk.ann.id, Channel.SMS, SUBMITTER, [VIDEO], [])
    submit(desk, Channel.EMAIL)  # email needs none


def test_a_submission_needs_one_or_more_evidence_links(desk: Desk) -> None:
    with pytest.raises(Refused, match="evidence"), desk.store.write() as session:
        submit_review(session, desk.ann.id, Channel.EMAIL, SUBMITTER, [])


def test_pending_goes_to_approved_rejected_or_needs_info(desk: Desk) -> None:
    first = submit(desk)
    with desk.store.write() as session:
        needs_info_review(session, first, REVIEWER, "which number?")
        update_review(session, first, SUBMITTER, relationship_numbers=["+14155559001"])
        reject_review(session, first, REVIEWER, "not convincing")
    second = submit(desk)
    with desk.store.write() as session:
        approve_review(session, second, REVIEWER)
    assert (state_of(desk, first), state_of(desk, second)) == (ReviewState.REJECTED, ReviewState.APPROVED)


def test_needs_info_goes_back_to_pending_when_the_submission_is_updated(desk: Desk) -> None:
    review_id = submit(desk)
    with desk.store.write() as session:
        needs_info_review(session, review_id, REVIEWER, "add a screenshot")
    assert state_of(desk, review_id) == ReviewState.NEEDS_INFO
    with desk.store.write() as session:
        update_review(session, review_id, SUBMITTER, ["screenshot=https://evidence.example.com/s.png"])
    assert state_of(desk, review_id) == ReviewState.PENDING


def test_decisions_are_taken_only_on_a_pending_review(desk: Desk) -> None:
    review_id = submit(desk)
    with desk.store.write() as session:
        needs_info_review(session, review_id, REVIEWER, "more")
    for decide in (lambda s: approve_review(s, review_id, ADMIN), lambda s: reject_review(s, review_id, ADMIN, "x"),
                   lambda s: needs_info_review(s, review_id, ADMIN, "x")):
        with pytest.raises(Refused, match="only on a pending review"), desk.store.write() as session:
            decide(session)
    assert state_of(desk, review_id) == ReviewState.NEEDS_INFO


@pytest.mark.parametrize("bad", BAD_LINKS)
def test_submission_update_and_approval_refuse_links_that_are_not_absolute_http_or_https_with_a_host(
    desk: Desk, bad: str
) -> None:
    with pytest.raises(UserError, match="evidence link"), desk.store.write() as session:
        submit_review(session, desk.ann.id, Channel.EMAIL, SUBMITTER, [bad])
    review_id = submit(desk)
    attempts: list[Callable[..., object]] = [
        lambda s: update_review(s, review_id, SUBMITTER, [bad]),
        lambda s: approve_review(s, review_id, REVIEWER, [bad]),
    ]
    for attempt in attempts:
        with pytest.raises(UserError, match="evidence link"), desk.store.write() as session:
            attempt(session)
    assert state_of(desk, review_id) == ReviewState.PENDING


def test_approval_needs_the_reviewer_or_admin_role(desk: Desk) -> None:
    review_id = submit(desk)
    for who in ("someone_else", "bo"):  # not in the agents table: an agent
        with pytest.raises(Refused, match=f"{who} is an agent"), desk.store.write() as session:
            approve_review(session, review_id, who)
    with desk.store.write() as session:
        approve_review(session, review_id, ADMIN)  # an admin can do what a reviewer can
    assert state_of(desk, review_id) == ReviewState.APPROVED


def test_approval_needs_a_decider_other_than_the_submitter(desk: Desk) -> None:
    review_id = submit(desk, actor=REVIEWER)
    with pytest.raises(Refused, match="four-eyes"), desk.store.write() as session:
        approve_review(session, review_id, REVIEWER)
    with desk.store.write() as session:
        approve_review(session, review_id, ADMIN)


def test_approval_needs_at_least_one_evidence_link(desk: Desk) -> None:
    review_id = submit(desk)
    with desk.store.write() as session:
        session.execute(delete(ReviewEvidence).where(ReviewEvidence.review_id == review_id))
    with pytest.raises(Refused, match="No evidence link"), desk.store.write() as session:
        approve_review(session, review_id, REVIEWER)
    with desk.store.write() as session:  # a link added with the approval counts
        approve_review(session, review_id, REVIEWER, ["video=https://evidence.example.com/second.mp4"])


def test_approval_needs_relationship_numbers_for_sms(desk: Desk) -> None:
    review_id = submit(desk)
    with desk.store.write() as session:
        session.execute(delete(ReviewNumber).where(ReviewNumber.review_id == review_id))
    with pytest.raises(Refused, match="relationship number"), desk.store.write() as session:
        approve_review(session, review_id, REVIEWER)
    assert desk.world.state(desk.ann, Channel.SMS).kind == DndKind.PERMANENT


def test_approval_lifts_the_channel_and_records_the_review_id_in_the_ledger(desk: Desk) -> None:
    review_id = submit(desk, Channel.EMAIL)
    assert desk.world.state(desk.ann, Channel.EMAIL).kind == DndKind.SPAM
    with desk.store.write() as session:
        approve_review(session, review_id, REVIEWER)
    assert not desk.world.state(desk.ann, Channel.EMAIL).dnd
    with desk.store.read() as session:
        entry = session.scalar(select(LedgerEntry).where(LedgerEntry.key == f"review:{review_id}"))
        history = contact_history(session, desk.ann)
    assert entry is not None and (entry.source, entry.effect, entry.actor) == ("review", "lift", REVIEWER)
    assert history[-1].event.detail["review"] == str(review_id)


def test_rejection_and_needs_info_need_a_reason(desk: Desk) -> None:
    review_id = submit(desk)
    for decide in (reject_review, needs_info_review):
        with pytest.raises(Refused, match="reason"), desk.store.write() as session:
            decide(session, review_id, REVIEWER, "  ")
    assert state_of(desk, review_id) == ReviewState.PENDING


def test_every_submission_and_decision_is_in_the_audit_chain(desk: Desk) -> None:
    first, second = submit(desk), submit(desk, Channel.EMAIL)
    with desk.store.write() as session:
        needs_info_review(session, first, REVIEWER, "more")
        update_review(session, first, SUBMITTER, note="see the second minute")
        reject_review(session, first, REVIEWER, "no")
        approve_review(session, second, REVIEWER)
    with desk.store.read() as session:
        reasons = list(session.scalars(select(LedgerEntry.reason).where(LedgerEntry.reason.like("review.%"))
                                       .order_by(LedgerEntry.id)))
        assert verify_chain(session).ok
    assert reasons == ["review.submitted", "review.submitted", "review.needs_info", "review.resubmitted",
                       "review.rejected", "review.approved"]
