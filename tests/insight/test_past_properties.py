"""Properties of the past on demand: ``status --at`` of now equals ``status``; an answer for a moment never
depends on entries after it. On both backends (fewer examples on PostgreSQL's slower round trips)."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.domain.channels import CHANNEL_ORDER
from console.domain.events import Event, now_us
from console.services.context import AppContext
from console.services.past import ContactThen, status_at
from console.store.contacts import find_contacts
from console.store.ledger import record_events
from console.store.queries import contact_status
from tests.test_properties import BASE, bind, events, fresh_location, with_keys

SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
HOUR = 3_600_000_000


def states(then: ContactThen) -> dict[str, tuple[object, ...]]:
    return {
        c.channel.value: (c.connected, c.state.dnd, c.state.kind, c.state.reason, c.state.since_us, c.state.source)
        for c in then.channels
    }


def record(app: AppContext, location_id: int, evs: list[Event]) -> None:
    with app.store.write() as session:
        record_events(session, location_id, evs, "prop")


@SETTINGS
@given(st.lists(events(), min_size=1, max_size=12).map(with_keys))
def test_status_at_now_equals_status(app: AppContext, evs: list[Event]) -> None:
    location_id, ids = fresh_location(app.store)
    record(app, location_id, bind(evs, ids))
    moment = now_us()
    for cid in ids:
        [then] = status_at(app, str(cid), moment)
        with app.store.read() as session:
            [contact] = find_contacts(session, str(cid), location_id)
            now = contact_status(session, contact)
        assert then.status == now["status"]
        channels = now["channels"]
        assert isinstance(channels, dict)
        for channel in CHANNEL_ORDER:
            stored = channels[channel.value]
            mine = then.as_dict()["channels"]
            assert isinstance(mine, dict)
            assert {k: v for k, v in mine[channel.value].items() if k in stored} == stored


@SETTINGS
@given(
    st.lists(events(), min_size=1, max_size=12).map(with_keys),
    st.lists(events(), min_size=1, max_size=6),
    st.integers(0, 6),
)
def test_the_answer_for_a_moment_never_depends_on_entries_after_it(
    app: AppContext, evs: list[Event], later: list[Event], hour: int
) -> None:
    location_id, ids = fresh_location(app.store)
    moment = BASE + hour * HOUR
    record(app, location_id, bind(evs, ids))
    time.sleep(0.002)
    recorded_by = now_us()
    time.sleep(0.002)
    before = {
        cid: (status_at(app, str(cid), moment, as_known_now=True), status_at(app, str(cid), recorded_by)) for cid in ids
    }
    # Entries that occur after the moment (any time recorded) and entries recorded after `recorded_by`.
    after_moment = [ev._replace(key=f"late{n}", at_us=moment + (n + 1) * HOUR) for n, ev in enumerate(later)]
    record(app, location_id, bind(after_moment, ids))
    for cid in ids:
        known_then, said_then = before[cid]
        assert [states(t) for t in status_at(app, str(cid), moment, as_known_now=True)] == [
            states(t) for t in known_then
        ]
        assert [states(t) for t in status_at(app, str(cid), recorded_by)] == [states(t) for t in said_then]
