"""Demo opt-in reviews: a small queue in every state, on locked channels of demo contacts.

Everything goes through the review repository, so the demo obeys the rules and the audit chain: an admin
("admin") is added first, then a reviewer ("rita.reviewer") and an agent ("ana.agent") who submits.
"""

from __future__ import annotations

from itertools import cycle, zip_longest
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from console.domain.channels import LOCKED_KINDS, Channel
from console.domain.reviews import ReviewState
from console.services.demo import BUSINESS_NUMBER
from console.store.db import Store
from console.store.identity import add_agent, can_review
from console.store.ledger import record_note
from console.store.models import Agent, ChannelStateRow
from console.store.review_models import OptInReview
from console.store.reviews import approve_review, needs_info_review, reject_review, submit_review

ADMIN, REVIEWER, SUBMITTER = "admin", "rita.reviewer", "ana.agent"
#: The state each demo review ends in, in turn: one approved, one rejected, one sent back, the rest pending.
PLAN = (ReviewState.APPROVED, ReviewState.PENDING, ReviewState.NEEDS_INFO, ReviewState.REJECTED,
        ReviewState.PENDING, ReviewState.PENDING)
NOTES = (
    "Contact called the front desk and asked to get appointment reminders again.",
    "Signed the consent form at the clinic; scan attached.",
    "Re-subscribed through the web form; screen recording of the confirmation page.",
)


def add_demo_reviews(store: Store, count: int = 6) -> dict[str, Any]:
    """Add up to ``count`` reviews on locked channels (SMS and email in turn); returns how many per state."""
    with store.write() as session:
        admin = _ensure_team(session)
        targets = _locked_channels(session, count)
        by_state: dict[str, int] = {}
        for n, ((contact_id, channel), target) in enumerate(zip(targets, cycle(PLAN), strict=False)):
            numbers = [BUSINESS_NUMBER] if channel == Channel.SMS else []
            evidence = _evidence(contact_id, channel, n)
            review = submit_review(session, contact_id, channel, SUBMITTER, evidence, numbers, NOTES[n % len(NOTES)])
            if target == ReviewState.APPROVED:
                approve_review(session, review.id, REVIEWER, note="The recording shows the opt-in clearly.")
            elif target == ReviewState.REJECTED:
                reject_review(session, review.id, admin, "The recording shows a different phone number.")
            elif target == ReviewState.NEEDS_INFO:
                needs_info_review(session, review.id, REVIEWER, "Please add the date the consent was given.")
            by_state[target.value] = by_state.get(target.value, 0) + 1
    return {"reviews": sum(by_state.values()), "by_state": by_state}


def _ensure_team(session: Session) -> str:
    """The admin who adds the others: "admin" (added as the first admin when none exists)."""
    admin = session.scalar(select(Agent.name).where(Agent.role == "admin").order_by(Agent.name).limit(1))
    if admin is None:
        admin = ADMIN
        _add(session, admin, ADMIN, "admin")
    if not can_review(session, REVIEWER):
        _add(session, admin, REVIEWER, "reviewer")
    if session.get(Agent, SUBMITTER) is None:
        _add(session, admin, SUBMITTER, "agent")
    return admin


def _add(session: Session, actor: str, name: str, role: str) -> None:
    add_agent(session, actor, name, role)
    record_note(session, 1, actor, "agent.added", {"name": name, "role": role})


def _locked_channels(session: Session, count: int) -> list[tuple[int, Channel]]:
    """Locked SMS and email channels without an open review, alternating between the two channels."""
    reviewed = select(OptInReview.contact_id).where(
        OptInReview.channel == ChannelStateRow.channel,
        OptInReview.state.in_([s.value for s in ReviewState if s.open]),
    )
    per_channel: list[list[tuple[int, Channel]]] = []
    for channel in (Channel.SMS, Channel.EMAIL):
        rows = session.execute(
            select(ChannelStateRow.contact_id)
            .where(ChannelStateRow.dnd, ChannelStateRow.channel == channel.value,
                   ChannelStateRow.kind.in_([k.value for k in LOCKED_KINDS]),
                   ChannelStateRow.contact_id.not_in(reviewed))
            .order_by(ChannelStateRow.contact_id)
            .limit(count)
        )
        per_channel.append([(cid, channel) for (cid,) in rows])
    mixed = [pair for pairs in zip_longest(*per_channel) for pair in pairs if pair is not None]
    return mixed[:count]


def _evidence(contact_id: int, channel: Channel, n: int) -> list[str]:
    base = f"https://evidence.example.com/opt-in/{contact_id}-{channel.value}"
    links = [f"video={base}.mp4"]
    if n % 2:
        links.append(f"screenshot={base}.png")
    return links
