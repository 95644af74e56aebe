"""Opt-in reviews: states, transitions and the rules a decision must meet (RULES.md, "Opt-in review").

Each rule check returns the reasons it is not met (an empty list: allowed), so the window can disable a
button with the explanation and the store can refuse with the same words.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from console.domain.addresses import DEFAULT_REGION, AddressError, normalize_phone
from console.domain.channels import Channel
from console.domain.events import iso_utc
from console.domain.evidence import EvidenceError, EvidenceLink, validate_evidence_url


class ReviewState(StrEnum):
    PENDING = "pending"
    NEEDS_INFO = "needs_info"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def open(self) -> bool:
        """Still waiting for the submitter or a reviewer."""
        return self in (ReviewState.PENDING, ReviewState.NEEDS_INFO)


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    NEEDS_INFO = "needs_info"

    @property
    def target(self) -> ReviewState:
        return DECISION_TARGET[self]


DECISION_TARGET: dict[Decision, ReviewState] = {
    Decision.APPROVE: ReviewState.APPROVED,
    Decision.REJECT: ReviewState.REJECTED,
    Decision.NEEDS_INFO: ReviewState.NEEDS_INFO,
}

#: pending -> approved | rejected | needs_info; needs_info -> pending when the submission is updated.
TRANSITIONS: dict[ReviewState, frozenset[ReviewState]] = {
    ReviewState.PENDING: frozenset({ReviewState.APPROVED, ReviewState.REJECTED, ReviewState.NEEDS_INFO}),
    ReviewState.NEEDS_INFO: frozenset({ReviewState.PENDING}),
    ReviewState.APPROVED: frozenset(),
    ReviewState.REJECTED: frozenset(),
}
DECIDER_ROLES = frozenset({"reviewer", "admin"})
#: Channels whose opt-in proof must name the business's sending number(s).
NEEDS_RELATIONSHIP_NUMBER = frozenset({Channel.SMS})


def can_transition(current: ReviewState, target: ReviewState) -> bool:
    return target in TRANSITIONS[current]


def transition_blockers(review_id: int, current: ReviewState, target: ReviewState) -> list[str]:
    """The one statement of the state machine: moving a review is allowed only along :data:`TRANSITIONS`."""
    if can_transition(current, target):
        return []
    if current.open:
        return [f"Review #{review_id} is {current.value}: it cannot become {target.value} from there"]
    return [f"Review #{review_id} is {current.value}: a decided review cannot be changed"]


def nothing_to_lift_blockers(channel: Channel, dnd: bool, contact: str) -> list[str]:
    """A review asks for a DND to be lifted: the channel must be DND now. ``contact``: "#7 Ann" for the message."""
    if dnd:
        return []
    return [f"{channel.label} is not DND for {contact}: there is nothing to lift"]


def already_open_blockers(open_review: Review | None, channel: Channel, contact: str) -> list[str]:
    """One open review per contact and channel: a second submission updates the first instead."""
    if open_review is None:
        return []
    return [
        f"review #{open_review.id} of {channel.label} for {contact} is already open "
        f"({open_review.state.value}); update it instead"
    ]


@dataclass(frozen=True, slots=True)
class StateChange:
    from_state: ReviewState | None  # None for the submission itself
    to_state: ReviewState
    by: str
    at_us: int
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Review:
    """A review as read from the store: plain values, safe to hand to another thread or the window."""

    id: int
    location_id: int
    contact_id: int
    channel: Channel
    state: ReviewState
    submitted_by: str
    submitted_at_us: int
    relationship_numbers: tuple[str, ...] = ()
    evidence: tuple[EvidenceLink, ...] = ()
    notes: str | None = None
    decided_by: str | None = None
    decided_at_us: int | None = None
    reason: str | None = None
    version: int = 1
    changes: tuple[StateChange, ...] = ()
    contact_name: str = ""

    def as_dict(self) -> dict[str, object]:
        """The ``review list --json`` shape of CLI.md (plus notes and version)."""
        return {
            "id": self.id, "contact_id": self.contact_id, "contact": self.contact_name,
            "channel": self.channel.value, "state": self.state.value, "submitted_by": self.submitted_by,
            "submitted_at": iso_utc(self.submitted_at_us), "decided_by": self.decided_by,
            "decided_at": iso_utc(self.decided_at_us), "reason": self.reason,
            "relationship_numbers": list(self.relationship_numbers),
            "evidence": [{"url": e.url, "kind": e.kind.value, "note": e.note} for e in self.evidence],
            "notes": self.notes, "version": self.version,
        }


def normalize_relationship_number(text: str, region: str = DEFAULT_REGION) -> str:
    """A relationship number (the business's sending number) in E.164; ValueError says why not."""
    try:
        return normalize_phone(text, region)
    except AddressError as exc:
        raise ValueError(f"relationship number: {exc}") from None


def evidence_problems(urls: Iterable[str]) -> list[str]:
    problems = []
    for url in urls:
        try:
            validate_evidence_url(url)
        except EvidenceError as exc:
            problems.append(str(exc))
    return problems


def submission_blockers(
    channel: Channel, evidence: Sequence[EvidenceLink], relationship_numbers: Sequence[str]
) -> list[str]:
    """What a submission lacks: at least one evidence link, and relationship number(s) for SMS."""
    reasons = []
    if not evidence:
        reasons.append("No evidence link: add at least one link to proof of the contact's opt-in")
    reasons += evidence_problems(e.url for e in evidence)
    if channel in NEEDS_RELATIONSHIP_NUMBER and not relationship_numbers:
        reasons.append(f"{channel.label} needs at least one relationship number (the business's sending number)")
    return reasons


def update_blockers(review: Review) -> list[str]:
    """Updates are for open reviews; updating a needs_info review puts it back to pending."""
    if review.state == ReviewState.PENDING:
        return []  # more evidence on a pending review: no transition
    return transition_blockers(review.id, review.state, ReviewState.PENDING)


def _decider_blockers(review: Review, decider: str, decider_role: str, verb: str, target: ReviewState) -> list[str]:
    reasons = []
    if not can_transition(review.state, target):
        reasons.append(f"Review #{review.id} is {review.state.value}: decisions are taken only on a pending review")
    if decider_role not in DECIDER_ROLES:
        reasons.append(f"{decider} is {_article(decider_role)}: only a reviewer or an admin can {verb} a review")
    if decider == review.submitted_by:
        reasons.append(f"{decider} submitted this review: another reviewer must {verb} it (four-eyes rule)")
    return reasons


def approval_blockers(
    review: Review, decider: str, decider_role: str, added_evidence: Sequence[EvidenceLink] = ()
) -> list[str]:
    """Approval needs: a pending review, the reviewer or admin role, a decider other than the submitter,
    at least one evidence link (counting links added with the approval), relationship number(s) for SMS."""
    reasons = _decider_blockers(review, decider, decider_role, "approve", ReviewState.APPROVED)
    evidence = (*review.evidence, *added_evidence)
    if not evidence:
        reasons.append("No evidence link: add at least one before approving")
    reasons += evidence_problems(e.url for e in evidence)
    if review.channel in NEEDS_RELATIONSHIP_NUMBER and not review.relationship_numbers:
        reasons.append(f"{review.channel.label} needs at least one relationship number (the business's sending number)")
    return reasons


def rejection_blockers(review: Review, decider: str, decider_role: str, reason: str | None) -> list[str]:
    reasons = _decider_blockers(review, decider, decider_role, "reject", ReviewState.REJECTED)
    if not (reason or "").strip():
        reasons.append("A rejection needs a reason")
    return reasons


def needs_info_blockers(review: Review, decider: str, decider_role: str, reason: str | None) -> list[str]:
    verb = "ask for more information on"
    reasons = _decider_blockers(review, decider, decider_role, verb, ReviewState.NEEDS_INFO)
    if not (reason or "").strip():
        reasons.append("Asking for more information needs a reason (what is missing)")
    return reasons


def decision_blockers(
    review: Review, decision: Decision, decider: str, decider_role: str, reason: str | None = None,
    added_evidence: Sequence[EvidenceLink] = (),
) -> list[str]:
    """The blockers of one decision, for a dialog that enables its three buttons from one place."""
    if decision == Decision.APPROVE:
        return approval_blockers(review, decider, decider_role, added_evidence)
    if decision == Decision.REJECT:
        return rejection_blockers(review, decider, decider_role, reason)
    return needs_info_blockers(review, decider, decider_role, reason)


def _article(role: str) -> str:
    return f"an {role}" if role[:1] in "aeiou" else f"a {role}"
