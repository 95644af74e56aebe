"""Opt-in reviews through the services: each step allowed, refused with the rule's reason, and audited."""

from __future__ import annotations

import pytest

from console.domain.channels import Channel
from console.domain.reviews import TRANSITIONS, Decision, ReviewState
from console.errors import InvalidInput, Refused
from console.services import reviews
from console.store.changes import DND, REVIEWS
from console.store.reviews import submit_review as store_submit
from tests.helpers import sms_stop
from tests.services.conftest import Desk

PHONE = "+14155550100"
BUSINESS = "+14155559000"
VIDEO = "video=https://evidence.example.com/optin.mp4"


@pytest.fixture
def stopped(desk: Desk) -> int:
    ann = desk.world.contact()
    desk.world.record(sms_stop(PHONE, "2024-03-01 10:00"))
    return ann.id


def submitted_by_another(desk: Desk, contact_id: int) -> int:
    """A pending review submitted by someone else (on PostgreSQL the database user is the only service actor)."""
    with desk.store.write() as session:
        return store_submit(session, contact_id, Channel.SMS, "sam.submitter", [VIDEO], [BUSINESS]).id


def test_submit_allowed_and_audited(desk: Desk, stopped: int) -> None:
    done = reviews.submit_review(desk.ctx, stopped, "sms", [VIDEO], [BUSINESS], note="signed form")
    review = done.result
    assert review.state == ReviewState.PENDING and review.submitted_by == desk.me
    assert done.change.what == REVIEWS and done.change.contact_ids == {stopped}
    [note] = desk.entries("review.submitted")
    assert note.actor == desk.me and f'"review":"{review.id}"' in (note.detail or "")


def test_submit_refused_when_there_is_nothing_to_lift(desk: Desk) -> None:
    ann = desk.world.contact()
    with pytest.raises(Refused, match="there is nothing to lift"):
        reviews.submit_review(desk.ctx, ann.id, Channel.SMS, [VIDEO], [BUSINESS])
    assert desk.entries("review.submitted") == []


def test_submit_refused_when_a_review_is_already_open(desk: Desk, stopped: int) -> None:
    first = reviews.submit_review(desk.ctx, stopped, Channel.SMS, [VIDEO], [BUSINESS]).result
    with pytest.raises(Refused, match=f"review #{first.id} .* is already open"):
        reviews.submit_review(desk.ctx, stopped, Channel.SMS, [VIDEO], [BUSINESS])
    assert len(desk.entries("review.submitted")) == 1


def test_submit_refused_without_evidence_or_relationship_number(desk: Desk, stopped: int) -> None:
    with pytest.raises(Refused, match="relationship number"):
        reviews.submit_review(desk.ctx, stopped, Channel.SMS, [VIDEO])
    with pytest.raises(InvalidInput):
        reviews.submit_review(desk.ctx, stopped, Channel.SMS, ["javascript:alert(1)"], [BUSINESS])


def test_approval_by_a_reviewer_lifts_the_channel_in_the_ledger(desk: Desk, stopped: int) -> None:
    review_id = submitted_by_another(desk, stopped)
    desk.grant(desk.me, "reviewer")
    done = reviews.decide_review(desk.ctx, review_id, Decision.APPROVE, "checked the video")
    assert done.result.state == ReviewState.APPROVED and done.result.decided_by == desk.me
    assert done.change.what == DND and done.change.contact_ids == {stopped}
    [lift] = desk.entries("review.approved")
    assert lift.actor == desk.me and lift.contact_id == stopped
    assert not desk.world.state(stopped, Channel.SMS).dnd


def test_approval_refused_for_an_agent_and_for_the_submitter(desk: Desk, stopped: int) -> None:
    review_id = submitted_by_another(desk, stopped)
    with pytest.raises(Refused, match="only a reviewer or an admin can approve"):
        reviews.approve_review(desk.ctx, review_id)
    desk.grant(desk.me, "reviewer")
    desk.world.record(sms_stop("+14155550111", "2024-03-01 10:00"))
    bo = desk.world.contact("Bo", "bo@example.com", "+14155550111")
    mine = reviews.submit_review(desk.ctx, bo.id, "sms", [VIDEO], [BUSINESS]).result
    with pytest.raises(Refused, match="four-eyes"):
        reviews.approve_review(desk.ctx, mine.id)
    assert desk.entries("review.approved") == [] and desk.world.state(bo, Channel.SMS).dnd


def test_reject_and_needs_info_need_a_reason_and_are_audited(desk: Desk, stopped: int) -> None:
    review_id = submitted_by_another(desk, stopped)
    desk.grant(desk.me, "admin")
    with pytest.raises(Refused, match="needs a reason"):
        reviews.reject_review(desk.ctx, review_id, "  ")
    asked = reviews.needs_info_review(desk.ctx, review_id, "the video has no sound")
    assert asked.result.state == ReviewState.NEEDS_INFO and asked.change.what == REVIEWS
    [note] = desk.entries("review.needs_info")
    assert note.actor == desk.me and "no sound" in (note.detail or "")


def test_review_state_machine_is_the_domain_transition_table(desk: Desk, stopped: int) -> None:
    """Every move the services make is one of domain/reviews.py's TRANSITIONS; any other is refused."""
    review_id = submitted_by_another(desk, stopped)
    desk.grant(desk.me, "reviewer")
    asked = reviews.needs_info_review(desk.ctx, review_id, "which number?").result
    assert ReviewState.NEEDS_INFO in TRANSITIONS[ReviewState.PENDING]
    with pytest.raises(Refused, match="only on a pending review"):  # needs_info -> rejected is not in the table
        reviews.reject_review(desk.ctx, review_id, "no")
    back = reviews.update_review(desk.ctx, review_id, note="the number is the main line").result
    assert ReviewState.PENDING in TRANSITIONS[asked.state] and back.state == ReviewState.PENDING
    reviews.reject_review(desk.ctx, review_id, "not the contact's voice")
    assert TRANSITIONS[ReviewState.REJECTED] == frozenset()
    with pytest.raises(Refused, match="a decided review cannot be changed"):
        reviews.update_review(desk.ctx, review_id, note="more")
    with pytest.raises(Refused, match="only on a pending review"):
        reviews.approve_review(desk.ctx, review_id)
    states = [(c.from_state, c.to_state) for c in reviews.get_review(desk.ctx, review_id).changes]
    for before, after in states[1:]:
        assert before is not None and after in TRANSITIONS[before]


def test_queue_read_models(desk: Desk, stopped: int) -> None:
    review_id = submitted_by_another(desk, stopped)
    assert reviews.count_reviews(desk.ctx) == 1
    assert [r.id for r in reviews.list_reviews(desk.ctx, "pending", where="Default")] == [review_id]
    assert reviews.open_review(desk.ctx, stopped, Channel.SMS) is not None
    blockers = reviews.decision_blockers(desk.ctx, reviews.get_review(desk.ctx, review_id))
    assert "only a reviewer or an admin" in blockers[Decision.APPROVE][0]
    assert reviews.acting_role(desk.ctx) == (desk.me, "agent")
