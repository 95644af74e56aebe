"""Property tests: import order, split and repetition never change the final state."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.domain.channels import CHANNEL_ORDER, Channel, DndKind
from console.domain.events import Effect, Event, Source
from console.domain.state import replay
from console.store.contacts import add_contact
from console.store.db import Store
from console.store.ledger import record_events
from console.store.locations import add_location
from console.store.queries import channel_states

PHONES = ("+14155550100", "+14155550101")
EMAILS = ("ann@example.com", "bo@example.com")
BASE = 1_709_280_000_000_000  # 2024-03-01
_locations = itertools.count(1)


@st.composite
def events(draw: st.DrawFn) -> Event:
    at = BASE + draw(st.integers(0, 5)) * 3_600_000_000  # few distinct instants, so ties happen
    what = draw(st.sampled_from(["stop", "start", "error", "email", "none", "agent_on", "agent_off", "review"]))
    phone, email = draw(st.sampled_from(PHONES)), draw(st.sampled_from(EMAILS))
    contact = draw(st.sampled_from((0, 1)))  # index of the contact, replaced by its id when recorded
    if what == "stop":
        return Event(
            Source.TWILIO, "", at, Channel.SMS, Effect.SET, DndKind.PERMANENT, "sms.opt_out_keyword", address=phone
        )
    if what == "start":
        return Event(Source.TWILIO, "", at, Channel.SMS, Effect.LIFT, DndKind.SPAM, "sms.opt_in_keyword", address=phone)
    if what == "error":
        kind = draw(st.sampled_from([DndKind.TEMPORARY, DndKind.PERMANENT]))
        return Event(Source.TWILIO, "", at, Channel.SMS, Effect.SET, kind, "sms.error_30003", address=phone)
    if what == "email":
        kind = draw(st.sampled_from([DndKind.TEMPORARY, DndKind.SPAM]))
        return Event(Source.MAILGUN, "", at, Channel.EMAIL, Effect.SET, kind, "email.bounce", address=email)
    if what == "none":
        return Event(Source.MAILGUN, "", at, Channel.EMAIL, Effect.NONE, None, "delivered", address=email)
    channel = draw(st.sampled_from(CHANNEL_ORDER))
    if what == "agent_on":
        return Event(Source.AGENT, "", at, channel, Effect.SET, DndKind.MANUAL, "manual", contact_id=contact)
    if what == "agent_off":
        lifted = draw(st.sampled_from([DndKind.MANUAL, DndKind.TEMPORARY]))
        return Event(
            Source.AGENT,
            "",
            at,
            channel,
            Effect.LIFT,
            lifted,
            "manual.lift",
            contact_id=contact,
            provider_cleared=draw(st.booleans()),
        )
    return Event(Source.REVIEW, "", at, channel, Effect.LIFT, DndKind.SPAM, "review.approved", contact_id=contact)


def with_keys(evs: list[Event]) -> list[Event]:
    return [ev._replace(key=f"k{n}") for n, ev in enumerate(evs)]


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('prop') / 'p.db'}")
    yield store
    store.dispose()


def fresh_location(store: Store) -> tuple[int, list[int]]:
    """A new location with two contacts (one per phone/email pair), so examples never share state."""
    with store.write() as session:
        location = add_location(session, f"prop-{next(_locations)}")
        ids = [add_contact(session, location.id, f"C{i}", EMAILS[i], PHONES[i]).id for i in range(2)]
    return location.id, ids


def bind(evs: list[Event], ids: list[int]) -> list[Event]:
    return [ev._replace(contact_id=ids[ev.contact_id]) if ev.contact_id is not None else ev for ev in evs]


def final_states(store: Store, ids: list[int]) -> dict[tuple[int, Channel], tuple[object, ...]]:
    with store.read() as session:
        return {
            (n, c): (s.state.dnd, s.state.kind, s.state.reason, s.state.since_us, s.state.source)
            for n, cid in enumerate(ids)
            for c, s in channel_states(session, cid).items()
        }


def record_in_chunks(store: Store, location_id: int, evs: list[Event], cuts: list[int]) -> None:
    bounds = sorted({min(c, len(evs)) for c in cuts} | {0, len(evs)})
    for start, end in itertools.pairwise(bounds):
        with store.write() as session:
            record_events(session, location_id, evs[start:end], "prop")


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(
    st.lists(events(), min_size=1, max_size=14).map(with_keys),
    st.randoms(use_true_random=False),
    st.lists(st.integers(0, 14), max_size=4),
)
def test_any_permutation_and_split_of_events_gives_the_same_final_state(
    shared_store: Store, evs: list[Event], rnd: object, cuts: list[int]
) -> None:
    loc_a, ids_a = fresh_location(shared_store)
    record_in_chunks(shared_store, loc_a, bind(evs, ids_a), [])
    shuffled = list(evs)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    loc_b, ids_b = fresh_location(shared_store)
    record_in_chunks(shared_store, loc_b, bind(shuffled, ids_b), cuts)
    assert final_states(shared_store, ids_a) == final_states(shared_store, ids_b)


@SETTINGS
@given(st.lists(events(), min_size=1, max_size=14).map(with_keys))
def test_the_stored_state_equals_a_pure_replay_of_the_ledger(shared_store: Store, evs: list[Event]) -> None:
    location_id, ids = fresh_location(shared_store)
    bound = bind(evs, ids)
    record_in_chunks(shared_store, location_id, bound, [3, 7])
    addresses = {0: (EMAILS[0], PHONES[0]), 1: (EMAILS[1], PHONES[1])}
    for n, cid in enumerate(ids):
        email, phone = addresses[n]
        for channel in CHANNEL_ORDER:
            mine = [
                (i, ev)
                for i, ev in enumerate(bound)
                if ev.channel == channel
                and ev.effect != Effect.NONE
                and (ev.contact_id == cid or (ev.contact_id is None and ev.address in (email, phone)))
            ]
            expected = replay(mine)
            stored = final_states(shared_store, ids)[(n, channel)]
            assert stored == (expected.dnd, expected.kind, expected.reason, expected.since_us, expected.source)


@SETTINGS
@given(st.lists(events(), min_size=1, max_size=14).map(with_keys))
def test_applying_events_twice_changes_nothing(shared_store: Store, evs: list[Event]) -> None:
    location_id, ids = fresh_location(shared_store)
    bound = bind(evs, ids)
    record_in_chunks(shared_store, location_id, bound, [])
    before = final_states(shared_store, ids)
    with shared_store.write() as session:
        again = record_events(session, location_id, bound, "prop")
    assert {o.status for o in again.outcomes} == {"duplicate"} and not again.changed
    assert final_states(shared_store, ids) == before


@settings(max_examples=200, deadline=None)
@given(st.lists(events(), min_size=1, max_size=20).map(with_keys), st.randoms(use_true_random=False))
def test_pure_replay_does_not_depend_on_input_order(evs: list[Event], rnd: object) -> None:
    shuffled = list(enumerate(evs))
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    for channel in CHANNEL_ORDER:
        subset = [(i, e) for i, e in enumerate(evs) if e.channel == channel]
        assert replay(subset) == replay([(i, e) for i, e in shuffled if e.channel == channel])
