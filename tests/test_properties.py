"""Property tests: import order, split and repetition never change the final state."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.domain.at_time import LedgerRecord, channel_at
from console.domain.channels import CHANNEL_ORDER, Channel, DndKind
from console.domain.events import Effect, Event, Source, iso_utc, now_us, order_key
from console.domain.state import UNTIL, at_moment, replay, until_of
from console.importers.dates import AHEAD_US, EARLIEST_US
from console.store.contacts import add_contact
from console.store.db import Store
from console.store.ledger import record_events
from console.store.locations import add_location
from console.store.queries import channel_states
from console.store.tables import order_text
from tests.conftest import PgSchema, _backends, pg_url

PHONES = ("+14155550100", "+14155550101")
EMAILS = ("ann@example.com", "bo@example.com")
BASE = 1_709_280_000_000_000  # 2024-03-01
_locations = itertools.count(1)


#: The instants an import accepts (RULES.md: from 2000-01-01 to 24 hours after the import started).
ACCEPTED = (EARLIEST_US, now_us() + AHEAD_US)
#: Every time the store can hold (the ledger's times are 64-bit), far outside what imports accept.
STORABLE = (-(1 << 63), (1 << 63) - 1)


@st.composite
def events(draw: st.DrawFn, instants: list[int] | None = None) -> Event:
    # few distinct instants, so ties happen
    at = BASE + draw(st.integers(0, 5)) * 3_600_000_000 if instants is None else draw(st.sampled_from(instants))
    kinds = ["stop", "start", "error", "email", "none", "agent_on", "agent_off", "review"]
    what = draw(st.sampled_from([*kinds, "snooze"] if instants is None else kinds))
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
    if what == "snooze":  # a manual DND with an end (RULES.md "Manual DND with an end"), ending on an instant
        end = BASE + draw(st.integers(0, 6)) * 3_600_000_000
        detail = {UNTIL: iso_utc(end) or ""}
        return Event(Source.AGENT, "", at, channel, Effect.SET, DndKind.MANUAL, "manual", contact_id=contact,
                     detail=detail)
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


@st.composite
def spread_events(draw: st.DrawFn, low: int, high: int, max_size: int = 14) -> list[Event]:
    """Events at a few instants anywhere in [low, high] (its bounds, 1970 and the instant before it included,
    when inside), so events still tie and times on both sides of the epoch meet."""
    edges = sorted({t for t in (low, high, 0, -1, 1) if low <= t <= high})
    instants = draw(st.lists(st.one_of(st.integers(low, high), st.sampled_from(edges)), min_size=1, max_size=5))
    return with_keys(draw(st.lists(events(instants), min_size=1, max_size=max_size)))


@pytest.fixture(scope="module", params=_backends())
def backend_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One store per backend for a module's examples (each example works in a location of its own)."""
    if request.param == "sqlite":
        store = Store(f"sqlite:///{tmp_path_factory.mktemp('prop-backend') / 'p.db'}")
        yield store
        store.dispose()
        return
    base = pg_url()
    assert base
    schema = PgSchema(base)
    store = Store(schema.url)
    try:
        yield store
    finally:
        store.dispose()
        schema.drop()


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


def assert_stored_state_is_the_replay(store: Store, evs: list[Event], cuts: list[int]) -> None:
    location_id, ids = fresh_location(store)
    bound = bind(evs, ids)
    record_in_chunks(store, location_id, bound, cuts)
    addresses = {0: (EMAILS[0], PHONES[0]), 1: (EMAILS[1], PHONES[1])}
    stored = final_states(store, ids)
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
            expected = at_moment(replay(mine), now_us())  # read now: an ended manual DND is off
            assert stored[(n, channel)] == (
                expected.dnd,
                expected.kind,
                expected.reason,
                expected.since_us,
                expected.source,
            )


@SETTINGS
@given(st.lists(events(), min_size=1, max_size=14).map(with_keys))
def test_the_stored_state_equals_a_pure_replay_of_the_ledger(shared_store: Store, evs: list[Event]) -> None:
    assert_stored_state_is_the_replay(shared_store, evs, [3, 7])


@SETTINGS
@given(spread_events(*ACCEPTED), st.lists(st.integers(0, 14), max_size=3))
def test_order_holds_across_the_whole_accepted_date_range(
    backend_store: Store, evs: list[Event], cuts: list[int]
) -> None:
    """RULES.md "Time, order and identity": events from 2000-01-01 to 24 hours after an import, in chunks, leave
    the stored state equal to a pure replay, on SQLite and PostgreSQL."""
    assert_stored_state_is_the_replay(backend_store, evs, cuts)


@SETTINGS
@given(spread_events(*STORABLE), st.lists(st.integers(0, 14), max_size=3))
def test_order_holds_for_every_time_the_store_can_hold(
    backend_store: Store, evs: list[Event], cuts: list[int]
) -> None:
    """Imports never bring such times, but the ordering must not depend on that: before 1970 included."""
    assert_stored_state_is_the_replay(backend_store, evs, cuts)


_ORDER_PARTS = st.tuples(
    st.integers(*STORABLE),
    st.sampled_from([Effect.SET, Effect.LIFT, Effect.NONE]),
    st.sampled_from([s.value for s in Source] + ["console"]),
    st.text(min_size=0, max_size=12),
)


@settings(max_examples=500, deadline=None)
@given(_ORDER_PARTS, _ORDER_PARTS)
def test_order_text_sorts_as_the_order_key(a: tuple[int, Effect, str, str], b: tuple[int, Effect, str, str]) -> None:
    key_a, key_b = order_key(*a), order_key(*b)
    text_a, text_b = order_text(*a), order_text(*b)
    assert (key_a < key_b) == (text_a < text_b) and (key_a == key_b) == (text_a == text_b)


def test_order_text_puts_the_later_of_two_pre_1970_times_last() -> None:
    assert order_text(-10, Effect.SET, "twilio", "a") < order_text(-5, Effect.SET, "twilio", "a")
    assert order_text(-1, Effect.SET, "twilio", "a") < order_text(0, Effect.SET, "twilio", "a")
    assert order_text(-(1 << 63), Effect.LIFT, "agent", "") < order_text((1 << 63) - 1, Effect.LIFT, "agent", "")


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


@settings(max_examples=150, deadline=None)
@given(st.lists(events(), min_size=1, max_size=14).map(with_keys), st.data())
def test_an_until_never_changes_the_answer_of_any_moment_before_it(evs: list[Event], data: st.DataObject) -> None:
    """Take the end off one manual DND entry: every moment before that end reads the same (RULES.md "Manual DND
    with an end": DND until then), for every channel, whatever else the ledger holds."""
    ended = [n for n, ev in enumerate(evs) if until_of(ev) is not None]
    if not ended:
        return
    n = data.draw(st.sampled_from(ended))
    end = until_of(evs[n])
    assert end is not None
    without = list(evs)
    without[n] = evs[n]._replace(detail={})
    moments = sorted({ev.at_us for ev in evs if ev.at_us < end} | {end - 1, BASE - 1})
    for channel in CHANNEL_ORDER:
        for contact in (0, 1):
            mine = [i for i, ev in enumerate(evs) if ev.channel == channel and ev.effect != Effect.NONE
                    and (ev.contact_id == contact or ev.contact_id is None)]
            with_end = [LedgerRecord(i, evs[i], 0) for i in mine]
            no_end = [LedgerRecord(i, without[i], 0) for i in mine]
            for moment in (m for m in moments if m < end):
                a, b = channel_at(with_end, moment).state, channel_at(no_end, moment).state
                assert (a.dnd, a.kind, a.reason) == (b.dnd, b.kind, b.reason), (channel, moment)
