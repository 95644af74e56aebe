"""The review rules as pure functions: link check, transitions and the blockers behind each button."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from console.domain.channels import Channel
from console.domain.evidence import (
    EvidenceError,
    EvidenceKind,
    EvidenceLink,
    is_openable,
    parse_evidence,
    validate_evidence_url,
)
from console.domain.explain import reason_text
from console.domain.reviews import (
    TRANSITIONS,
    Decision,
    Review,
    ReviewState,
    approval_blockers,
    can_transition,
    decision_blockers,
    needs_info_blockers,
    normalize_relationship_number,
    rejection_blockers,
    submission_blockers,
    update_blockers,
)

LINK = EvidenceLink("https://evidence.example.com/optin.mp4", EvidenceKind.VIDEO)
PENDING_SMS = Review(id=3, location_id=1, contact_id=1, channel=Channel.SMS, state=ReviewState.PENDING,
                     submitted_by="ana", submitted_at_us=0, relationship_numbers=("+14155559000",),
                     evidence=(LINK,))

REFUSED_LINKS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    "  javascript:alert(1)",
    "\tjavascript:alert(1)",
    "\x00javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DATA:text/html,<b>x</b>",
    "file:///etc/passwd",
    "FILE://server/share/video.mp4",
    "ftp://example.com/video.mp4",
    "https://",
    "HTTPS://",
    "  https://  ",
    "https:///path",
    "https:/example.com/x",
    "https:example.com",
    "https:\\\\example.com\\x",
    "https://example.com\\@evil.com/",
    "https://user:secret@example.com/",
    "https://example.com@evil.com/",
    "https://:443/x",
    "https://example.com:99999/",
    "https://exa mple.com/",
    "https://-bad-.example.com/",
    "//example.com/video.mp4",
    "example.com/video.mp4",
    "mailto:ann@example.com",
    "vbscript:msgbox(1)",
    "",
    "   ",
]


@pytest.mark.parametrize("text", REFUSED_LINKS)
def test_evidence_link_refused(text: str) -> None:
    with pytest.raises(EvidenceError):
        validate_evidence_url(text)
    assert not is_openable(text)


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("https://evidence.example.com/optin.mp4", "https://evidence.example.com/optin.mp4"),
        ("http://example.com", "http://example.com"),
        ("  HTTPS://Example.com/a?b=c#d \n", "https://Example.com/a?b=c#d"),
        ("\x00\x1fhttps://example.com/x\x7f", "https://example.com/x"),
        ("HtTp://192.0.2.7:8080/v.mp4", "http://192.0.2.7:8080/v.mp4"),
        ("https://[2001:db8::1]/v", "https://[2001:db8::1]/v"),
        ("https://bücher.example/v", "https://bücher.example/v"),
    ],
)
def test_evidence_link_accepted_and_cleaned(text: str, cleaned: str) -> None:
    assert validate_evidence_url(text) == cleaned
    assert is_openable(cleaned)


def test_refusal_says_why() -> None:
    with pytest.raises(EvidenceError, match="javascript:"):
        validate_evidence_url(" JaVaScRiPt:alert(1)")
    with pytest.raises(EvidenceError, match="no host"):
        validate_evidence_url("https:///path")
    with pytest.raises(EvidenceError, match="only https:// and http://"):
        validate_evidence_url("ftp://example.com/x")


def test_evidence_argument_is_url_or_kind_equals_url() -> None:
    url = "https://x.example/a?b=c"
    assert parse_evidence(f"video={url}") == EvidenceLink(url, EvidenceKind.VIDEO)
    assert parse_evidence(url) == EvidenceLink(url, EvidenceKind.OTHER)
    assert parse_evidence(" Screenshot= https://x.example/s.png").kind == EvidenceKind.SCREENSHOT
    with pytest.raises(EvidenceError):
        parse_evidence("video=javascript:alert(1)")
    with pytest.raises(EvidenceError, match="unknown evidence kind"):
        EvidenceLink.checked("https://x.example", "audio")


def test_evidence_link_keeps_capture_date_and_note() -> None:
    link = EvidenceLink.checked(" https://x.example/v ", "video", date(2024, 5, 1), "  recorded by the clinic ")
    assert link.as_dict() == {"url": "https://x.example/v", "kind": "video", "captured_on": "2024-05-01",
                              "note": "recorded by the clinic"}


def test_transitions() -> None:
    assert TRANSITIONS[ReviewState.PENDING] == {ReviewState.APPROVED, ReviewState.REJECTED, ReviewState.NEEDS_INFO}
    assert can_transition(ReviewState.NEEDS_INFO, ReviewState.PENDING)
    assert not can_transition(ReviewState.NEEDS_INFO, ReviewState.APPROVED)
    for decided in (ReviewState.APPROVED, ReviewState.REJECTED):
        assert not any(can_transition(decided, s) for s in ReviewState)
    assert {d.target for d in Decision} == TRANSITIONS[ReviewState.PENDING]


def test_relationship_numbers_are_normalized_to_e164() -> None:
    assert normalize_relationship_number("(415) 555-9000") == "+14155559000"
    assert normalize_relationship_number("020 7946 0000", "GB") == "+442079460000"
    with pytest.raises(ValueError, match="relationship number"):
        normalize_relationship_number("not a number")


def test_submission_needs_evidence_and_sms_relationship_number() -> None:
    assert submission_blockers(Channel.EMAIL, [LINK], []) == []
    assert any("evidence" in r for r in submission_blockers(Channel.EMAIL, [], []))
    assert any("relationship number" in r for r in submission_blockers(Channel.SMS, [LINK], []))
    assert submission_blockers(Channel.SMS, [LINK], ["+14155559000"]) == []


def test_a_reviewer_other_than_the_submitter_may_approve() -> None:
    assert approval_blockers(PENDING_SMS, "rita", "reviewer") == []
    assert approval_blockers(PENDING_SMS, "boss", "admin") == []


def test_approval_blockers_name_every_unmet_rule() -> None:
    bare = replace(PENDING_SMS, evidence=(), relationship_numbers=(), state=ReviewState.NEEDS_INFO)
    reasons = approval_blockers(bare, "ana", "agent")
    text = " | ".join(reasons)
    assert len(reasons) == 5
    for words in ("pending", "only a reviewer or an admin", "four-eyes", "evidence", "relationship number"):
        assert words in text


def test_own_submission_blocks_even_an_admin() -> None:
    assert any("four-eyes" in r for r in approval_blockers(PENDING_SMS, "ana", "admin"))


def test_links_added_with_the_approval_count_as_evidence() -> None:
    bare = replace(PENDING_SMS, evidence=())
    assert approval_blockers(bare, "rita", "reviewer", [LINK]) == []


def test_a_stored_link_that_fails_the_check_blocks_approval() -> None:
    tampered = replace(PENDING_SMS, evidence=(EvidenceLink("javascript:alert(1)"),))
    assert any("javascript:" in r for r in approval_blockers(tampered, "rita", "reviewer"))


@pytest.mark.parametrize("blockers", [rejection_blockers, needs_info_blockers])
def test_rejection_and_needs_info_need_a_reason_and_a_reviewer(blockers) -> None:  # type: ignore[no-untyped-def]
    assert blockers(PENDING_SMS, "rita", "reviewer", "no consent shown") == []
    assert any("reason" in r for r in blockers(PENDING_SMS, "rita", "reviewer", "   "))
    assert any("reason" in r for r in blockers(PENDING_SMS, "rita", "reviewer", None))
    assert any("only a reviewer" in r for r in blockers(PENDING_SMS, "bo", "agent", "x"))
    assert any("four-eyes" in r for r in blockers(PENDING_SMS, "ana", "reviewer", "x"))


@pytest.mark.parametrize("state", [ReviewState.APPROVED, ReviewState.REJECTED, ReviewState.NEEDS_INFO])
@pytest.mark.parametrize("decision", list(Decision))
def test_decisions_only_on_pending(state: ReviewState, decision: Decision) -> None:
    review = replace(PENDING_SMS, state=state)
    assert any("only on a pending review" in r for r in decision_blockers(review, decision, "rita", "reviewer", "x"))


def test_updates_only_while_open() -> None:
    assert update_blockers(PENDING_SMS) == []
    assert update_blockers(replace(PENDING_SMS, state=ReviewState.NEEDS_INFO)) == []
    assert update_blockers(replace(PENDING_SMS, state=ReviewState.APPROVED))


def test_history_text_names_the_review_and_the_approver() -> None:
    text = reason_text("review.approved", {"review": "3", "approved_by": "rita"})
    assert text == "Lifted by opt-in review #3, approved by rita"
    assert reason_text("review.approved") == "Lifted by an approved opt-in review"


def test_list_shape() -> None:
    assert set(PENDING_SMS.as_dict()) >= {"id", "contact_id", "contact", "channel", "state", "submitted_by",
                                          "submitted_at", "decided_by", "decided_at", "reason",
                                          "relationship_numbers", "evidence"}
