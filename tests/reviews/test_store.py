"""The review repository on a real database (SQLite, and PostgreSQL when DND_CONSOLE_TEST_PG is set)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from console.domain.channels import Channel, DndKind
from console.domain.evidence import EvidenceKind, EvidenceLink
from console.domain.reviews import Decision, ReviewState
from console.errors import Conflict, NotFound, Refused, UserError
from console.store.audit import verify_chain
from console.store.history import contact_history
from console.store.models import LedgerEntry
from console.store.queries import can_send
from console.store.review_queries import blockers_for, count_reviews, get_review, list_reviews, open_review
from console.store.reviews import approve_review, needs_info_review, reject_review, submit_review, update_review

from .conftest import ADMIN, BUSINESS, REVIEWER, SUBMITTER, VIDEO, Desk


def submit(desk: Desk, channel: Channel = Channel.SMS, **kw: object) -> int:
    kw.setdefault("evidence", [VIDEO])
    kw.setdefault("relationship_numbers", [BUSINESS] if channel == Channel.SMS else [])
    with desk.store.write() as session:
        return submit_review(session, desk.ann.id, channel, kw.pop("actor", SUBMITTER), **kw).id  # type: ignore[arg-type]


def audit_notes(desk: Desk, reason: str) -> list[LedgerEntry]:
    with desk.store.read() as session:
        return list(session.scalars(select(LedgerEntry).where(LedgerEntry.reason == reason)))


def test_submission_is_pending_with_evidence_numbers_notes_and_submitter(desk: Desk) -> None:
    link = EvidenceLink("https://evidence.example.com/s.png", EvidenceKind.SCREENSHOT, note="signup form")
    review_id = submit(desk, evidence=[VIDEO, link], relationship_numbers=["(415) 555-9000", "+14155559000"],
                       note="opt-in recorded at the front desk")
    with desk.store.read() as session:
        review = get_review(session, review_id)
    assert review.state == ReviewState.PENDING and review.submitted_by == SUBMITTER
    assert review.relationship_numbers == (BUSINESS,)
    assert [(e.kind, e.note) for e in review.evidence] == [(EvidenceKind.VIDEO, None),
                                                            (EvidenceKind.SCREENSHOT, "signup form")]
    assert "front desk" in (review.notes or "") and review.contact_name == "Ann Lee"
    assert [(c.from_state, c.to_state, c.by) for c in review.changes] == [(None, ReviewState.PENDING, SUBMITTER)]
    assert len(audit_notes(desk, "review.submitted")) == 1


def test_submission_refuses_a_channel_that_is_not_dnd(desk: Desk) -> None:
    with pytest.raises(Refused, match="not DND"):
        submit(desk, Channel.CALL)


def test_one_open_review_per_channel(desk: Desk) -> None:
    first = submit(desk)
    with pytest.raises(Refused, match=f"review #{first}.*already open"):
        submit(desk)


@pytest.mark.parametrize("bad", ["JaVaScRiPt:alert(1)", "  javascript:alert(1)", "data:text/html,x",
                                 "file:///etc/passwd", "ftp://example.com/v", "https://", "https:///path"])
def test_submission_refuses_bad_links_and_records_nothing(desk: Desk, bad: str) -> None:
    with pytest.raises(UserError, match="evidence link"):
        submit(desk, Channel.EMAIL, evidence=[bad])
    with desk.store.read() as session:
        assert list_reviews(session) == []
        assert verify_chain(session).ok


def test_submission_without_evidence_or_sms_number_is_refused(desk: Desk) -> None:
    with pytest.raises(Refused, match="No evidence link"):
        submit(desk, Channel.EMAIL, evidence=[])
    with pytest.raises(Refused, match="relationship number"):
        submit(desk, Channel.SMS, relationship_numbers=[])
    with pytest.raises(UserError, match="relationship number"):
        submit(desk, Channel.SMS, relationship_numbers=["call me"])


def test_approval_lifts_the_channel_through_the_ledger(desk: Desk) -> None:
    review_id = submit(desk)
    with desk.store.write() as session:
        review = approve_review(session, review_id, REVIEWER, note="video shows the opt-in")
    assert review.state == ReviewState.APPROVED and review.decided_by == REVIEWER
    assert not desk.world.state(desk.ann, Channel.SMS).dnd
    with desk.store.read() as session:
        assert can_send(session, desk.ann.id, Channel.SMS).allowed
        last = contact_history(session, desk.ann)[-1]
        assert verify_chain(session).ok
    assert (last.event.source, last.event.reason, last.actor) == ("review", "review.approved", REVIEWER)
    assert last.event.detail == {"review": str(review_id), "approved_by": REVIEWER, "note": "video shows the opt-in"}
    assert last.before.kind == DndKind.PERMANENT and not last.after.dnd


def test_approval_of_a_spam_email_lifts_it(desk: Desk) -> None:
    review_id = submit(desk, Channel.EMAIL)
    with desk.store.write() as session:
        approve_review(session, review_id, ADMIN)
    assert not desk.world.state(desk.ann, Channel.EMAIL).dnd
    assert desk.world.state(desk.ann, Channel.SMS).kind == DndKind.PERMANENT


def test_own_submission_cannot_be_approved_even_by_an_admin(desk: Desk) -> None:
    review_id = submit(desk, actor=ADMIN)
    with pytest.raises(Refused, match="four-eyes"), desk.store.write() as session:
        approve_review(session, review_id, ADMIN)
    assert desk.world.state(desk.ann, Channel.SMS).dnd


@pytest.mark.parametrize("decide", [
    lambda s, i, who: approve_review(s, i, who),
    lambda s, i, who: reject_review(s, i, who, "no proof"),
    lambda s, i, who: needs_info_review(s, i, who, "more please"),
])
def test_a_non_reviewer_cannot_decide_even_through_the_library(desk: Desk, decide) -> None:  # type: ignore[no-untyped-def]
    review_id = submit(desk)
    for who in ("bo.agent", SUBMITTER):
        with pytest.raises(Refused, match="only a reviewer or an admin"), desk.store.write() as session:
            decide(session, review_id, who)
    with desk.store.read() as session:
        assert get_review(session, review_id).state == ReviewState.PENDING
    assert desk.world.state(desk.ann, Channel.SMS).dnd


def test_reject_needs_a_reason_and_keeps_the_channel_locked(desk: Desk) -> None:
    review_id = submit(desk)
    for empty in (None, "", "   "):
        with pytest.raises(Refused, match="needs a reason"), desk.store.write() as session:
            reject_review(session, review_id, REVIEWER, empty)
    with desk.store.write() as session:
        review = reject_review(session, review_id, REVIEWER, "the video shows a different number")
    assert review.state == ReviewState.REJECTED and review.decided_by == REVIEWER
    assert review.reason == "the video shows a different number"
    assert desk.world.state(desk.ann, Channel.SMS).kind == DndKind.PERMANENT
    [note] = audit_notes(desk, "review.rejected")
    assert note.actor == REVIEWER and '"reason":"the video shows a different number"' in (note.detail or "")


def test_needs_info_then_update_then_approve(desk: Desk) -> None:
    review_id = submit(desk, relationship_numbers=[BUSINESS])
    with desk.store.write() as session:
        review = needs_info_review(session, review_id, REVIEWER, "the video does not show the number")
    assert review.state == ReviewState.NEEDS_INFO and review.reason == "the video does not show the number"
    with pytest.raises(Refused, match="only on a pending review"), desk.store.write() as session:
        approve_review(session, review_id, REVIEWER)
    with desk.store.write() as session:
        review = update_review(session, review_id, SUBMITTER, ["screenshot=https://evidence.example.com/n.png"],
                               ["+1 415 555 9001"], "the number is on the screenshot")
    assert review.state == ReviewState.PENDING and review.decided_by is None and review.reason is None
    assert len(review.evidence) == 2 and review.relationship_numbers == (BUSINESS, "+14155559001")
    with desk.store.write() as session:
        review = approve_review(session, review_id, REVIEWER)
    assert [c.to_state for c in review.changes] == [ReviewState.PENDING, ReviewState.NEEDS_INFO,
                                                   ReviewState.PENDING, ReviewState.APPROVED]
    assert not desk.world.state(desk.ann, Channel.SMS).dnd
    assert len(audit_notes(desk, "review.needs_info")) == len(audit_notes(desk, "review.resubmitted")) == 1
    with desk.store.read() as session:
        assert verify_chain(session).ok


def test_an_update_must_add_something_and_decided_reviews_cannot_change(desk: Desk) -> None:
    review_id = submit(desk)
    with pytest.raises(UserError, match="nothing to update"), desk.store.write() as session:
        update_review(session, review_id, SUBMITTER, [VIDEO])  # the same link again
    with pytest.raises(UserError, match="javascript"), desk.store.write() as session:
        update_review(session, review_id, SUBMITTER, ["javascript:alert(1)"])
    with desk.store.write() as session:
        reject_review(session, review_id, REVIEWER, "no")
    with pytest.raises(Refused, match="decided review cannot be changed"), desk.store.write() as session:
        update_review(session, review_id, SUBMITTER, note="please look again")


def test_decisions_only_on_pending(desk: Desk) -> None:
    review_id = submit(desk)
    with desk.store.write() as session:
        approve_review(session, review_id, REVIEWER)
    for decide in (lambda s: approve_review(s, review_id, ADMIN), lambda s: reject_review(s, review_id, ADMIN, "x"),
                   lambda s: needs_info_review(s, review_id, ADMIN, "x")):
        only_pending = "approved: decisions are taken only on a pending review"
        with pytest.raises(Refused, match=only_pending), desk.store.write() as session:
            decide(session)


def test_approval_with_an_added_link_and_a_bad_one(desk: Desk) -> None:
    review_id = submit(desk)
    with pytest.raises(UserError, match="data:"), desk.store.write() as session:
        approve_review(session, review_id, REVIEWER, ["data:text/html,x"])
    with desk.store.write() as session:
        review = approve_review(session, review_id, REVIEWER, ["document=https://evidence.example.com/form.pdf"])
    assert review.evidence[-1].kind == EvidenceKind.DOCUMENT


def test_a_stale_version_is_a_conflict(desk: Desk) -> None:
    review_id = submit(desk)
    with desk.store.write() as session:
        seen = get_review(session, review_id).version
        update_review(session, review_id, SUBMITTER, note="one more thing")
    with pytest.raises(Conflict), desk.store.write() as session:
        approve_review(session, review_id, REVIEWER, expected_version=seen)


def test_list_newest_first_filtered_and_pending_first(desk: Desk) -> None:
    sms = submit(desk)
    email = submit(desk, Channel.EMAIL)
    with desk.store.write() as session:
        reject_review(session, sms, REVIEWER, "no")
        third = submit_review(session, desk.ann.id, Channel.SMS, SUBMITTER, [VIDEO], [BUSINESS]).id
        reject_review(session, third, REVIEWER, "still no")
    with desk.store.read() as session:
        assert [r.id for r in list_reviews(session)] == [third, email, sms]
        assert [r.id for r in list_reviews(session, pending_first=True)] == [email, third, sms]
        assert [r.id for r in list_reviews(session, state="rejected")] == [third, sms]
        assert count_reviews(session) == 1 and count_reviews(session, "rejected") == 2
        assert open_review(session, desk.ann.id, Channel.EMAIL) is not None
        assert open_review(session, desk.ann.id, Channel.SMS) is None
        with pytest.raises(UserError, match="unknown review state"):
            list_reviews(session, state="done")
        with pytest.raises(NotFound):
            get_review(session, 999)


def test_blockers_for_a_dialog(desk: Desk) -> None:
    review_id = submit(desk)
    with desk.store.read() as session:
        review = get_review(session, review_id)
        mine = blockers_for(session, review, SUBMITTER, reason="x")
        theirs = blockers_for(session, review, REVIEWER)
    assert all(any("four-eyes" in r for r in reasons) for reasons in mine.values())
    assert theirs[Decision.APPROVE] == [] and theirs[Decision.REJECT] == ["A rejection needs a reason"]
