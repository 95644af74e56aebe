"""Demo reviews: a queue in every state on locked channels of demo contacts, through the rules."""

from __future__ import annotations

from console.domain.reviews import ReviewState
from console.services.demo import build_demo
from console.services.demo_reviews import add_demo_reviews
from console.store.audit import verify_chain
from console.store.db import Store
from console.store.identity import role_of
from console.store.queries import channel_states
from console.store.review_queries import count_reviews, list_reviews


def test_demo_reviews_cover_every_state(store: Store) -> None:
    stats = build_demo(store, contacts=400, seed=7)  # build_demo adds the default six reviews
    assert stats["reviews"] == 6
    with store.read() as session:
        reviews = list_reviews(session)
        assert {r.state for r in reviews} == set(ReviewState)
        assert {r.submitted_by for r in reviews} == {"ana.agent"}
        [approved] = [r for r in reviews if r.state == ReviewState.APPROVED]
        assert approved.decided_by == "rita.reviewer"
        assert not channel_states(session, approved.contact_id)[approved.channel].state.dnd
        for r in reviews:
            if r.state != ReviewState.APPROVED:
                assert channel_states(session, r.contact_id)[r.channel].state.locked
        assert (role_of(session, "admin"), role_of(session, "rita.reviewer")) == ("admin", "reviewer")
        assert count_reviews(session) == 3
        assert verify_chain(session).ok


def test_demo_reviews_twice_never_open_two_reviews_on_one_channel(store: Store) -> None:
    build_demo(store, contacts=400, seed=7)
    add_demo_reviews(store, count=4)
    add_demo_reviews(store, count=4)
    with store.read() as session:
        open_pairs = [(r.contact_id, r.channel) for r in list_reviews(session) if r.state.open]
    assert len(open_pairs) == len(set(open_pairs))


def test_no_locked_channel_no_review(store: Store) -> None:
    assert add_demo_reviews(store) == {"reviews": 0, "by_state": {}}
