"""RULES.md "Manual DND with an end": each rule by name, on both backends (the ``store`` fixture)."""

from __future__ import annotations

import pytest

from console.domain.channels import Channel, DndKind
from console.domain.events import Effect, Event, Source, iso_utc, now_us
from console.domain.state import UNTIL, Status
from console.errors import InvalidInput
from console.services.context import AppContext, Settings
from console.services.dnd import end_moment
from console.services.dnd import set_dnd as set_dnd_service
from console.services.past import contact_then
from console.store.actions import set_dnd
from console.store.audit import verify_chain
from console.store.audit_checks import first_state_difference
from console.store.contact_list import ContactFilter, contact_page, count_contacts
from console.store.db import Store
from console.store.history import contact_history
from console.store.models import Contact, LedgerEntry, Location
from console.store.queries import can_send, channel_states, contact_status
from console.store.stats_queries import dnd_by_channel_and_kind
from console.store.suppressions import suppressions
from tests.helpers import World, key, sms_stop

PHONE = "+14155550100"
HOUR = 3_600_000_000
DAY = 24 * HOUR


@pytest.fixture
def world(store: Store) -> World:
    return World(store)


def snooze(contact_id: int, channel: Channel, at_us: int, until_us: int | None, k: str | None = None) -> Event:
    """An agent's manual DND entry with an end, as ``set --on --until`` records it."""
    detail = {UNTIL: iso_utc(until_us) or ""} if until_us is not None else {}
    return Event(
        Source.AGENT, k or key("sn"), at_us, channel, Effect.SET, DndKind.MANUAL, "manual",
        contact_id=contact_id, detail=detail,
    )


def stop_at(at_us: int) -> Event:
    return sms_stop(PHONE, "2024-01-01 00:00")._replace(at_us=at_us, key=key("stop"))


def _listed(world: World, **wanted: object) -> int:
    with world.store.read() as session:
        return count_contacts(session, ContactFilter(location_id=1, **wanted))  # type: ignore[arg-type]


def test_a_manual_dnd_with_an_end_is_dnd_until_then(world: World) -> None:
    ann = world.contact()
    world.record(snooze(ann.id, Channel.SMS, now_us() - HOUR, now_us() + DAY))
    state = world.state(ann, Channel.SMS)
    assert state.dnd and state.kind == DndKind.MANUAL and state.until_us is not None
    with world.store.read() as session:
        decision = can_send(session, ann.id, Channel.SMS)
        status = contact_status(session, ann)
        rows = contact_page(session, ContactFilter(location_id=1), 0, 10)
    assert not decision.allowed and decision.as_dict()["until"] == iso_utc(state.until_us)
    assert status["channels"]["sms"]["until"] == iso_utc(state.until_us)  # type: ignore[index]
    assert rows[0].dnd_mask == Channel.SMS.bit and rows[0].state(Channel.SMS).until_us == state.until_us
    assert _listed(world, channel=Channel.SMS) == 1 and _listed(world, status=Status.PARTIAL) == 1


def test_a_manual_dnd_is_off_again_once_its_end_has_come_with_no_job_run(world: World) -> None:
    ann = world.contact()
    bo = world.contact("Bo", "bo@example.com", "+14155550101")
    now = now_us()
    world.record(
        snooze(ann.id, Channel.SMS, now - 3 * DAY, now - DAY),  # ended yesterday
        snooze(ann.id, Channel.EMAIL, now - 3 * DAY, now + DAY),  # still on
        snooze(bo.id, Channel.SMS, now - 3 * DAY, None),
    )
    assert not world.state(ann, Channel.SMS).dnd and world.state(ann, Channel.EMAIL).dnd
    with world.store.read() as session:
        assert can_send(session, ann.id, Channel.SMS).allowed
        assert contact_status(session, ann)["channels"]["sms"]["dnd"] is False  # type: ignore[index]
        rows = {r.id: r for r in contact_page(session, ContactFilter(location_id=1), 0, 10)}
        by_kind = dnd_by_channel_and_kind(session, 1)
        exported = [s.address for s in suppressions(session, 1, Channel.SMS)]
        location = session.get(Location, 1)
        assert location is not None
        then = contact_then(session, session.get(Contact, ann.id), location, now - 2 * DAY, True)  # type: ignore[arg-type]
        after = contact_then(session, session.get(Contact, ann.id), location, now - DAY, True)  # type: ignore[arg-type]
        assert first_state_difference(session) is None
    assert rows[ann.id].dnd_mask == Channel.EMAIL.bit and Channel.SMS not in rows[ann.id].states
    assert rows[bo.id].dnd_mask == Channel.SMS.bit
    assert _listed(world, channel=Channel.SMS) == 1
    assert _listed(world, channel=Channel.SMS, kind=DndKind.MANUAL) == 1
    assert _listed(world, channel=Channel.EMAIL) == 1
    assert by_kind[(Channel.SMS, DndKind.MANUAL)] == 1 and by_kind[(Channel.EMAIL, DndKind.MANUAL)] == 1
    assert exported == ["+14155550101"]
    assert then.channel(Channel.SMS).state.dnd and not after.channel(Channel.SMS).state.dnd
    assert after.channel(Channel.SMS).entries == then.channel(Channel.SMS).entries  # the end is in that entry


def test_a_stop_arriving_before_the_end_replaces_it_and_survives_the_end(world: World) -> None:
    ann = world.contact()
    now = now_us()
    world.record(snooze(ann.id, Channel.SMS, now - 3 * DAY, now - DAY))
    world.record(stop_at(now - 2 * DAY))  # arrived meanwhile (imported after the snooze)
    state = world.state(ann, Channel.SMS)
    assert state.dnd and state.kind == DndKind.PERMANENT and state.until_us is None
    with world.store.read() as session:
        assert [s.address for s in suppressions(session, 1, Channel.SMS)] == [PHONE]
        assert first_state_difference(session) is None


def test_an_event_after_the_end_sees_the_channel_off(world: World) -> None:
    ann = world.contact()
    now = now_us()
    world.record(snooze(ann.id, Channel.SMS, now - 3 * DAY, now - 2 * DAY))
    world.record(stop_at(now - DAY))
    state = world.state(ann, Channel.SMS)
    assert state.kind == DndKind.PERMANENT and state.since_us == now - DAY
    with world.store.read() as session:
        entries = contact_history(session, ann)
    assert [e.before.dnd for e in entries] == [False, False]  # the STOP found the snooze ended


def test_importing_an_older_stop_after_the_snooze_gives_the_same_state_as_any_order(world: World) -> None:
    now = now_us()
    ann = world.contact()
    bo = world.contact("Bo", "bo@example.com", "+14155550101")
    first = [snooze(ann.id, Channel.SMS, now - 3 * DAY, now + DAY, "a1"), stop_at(now - 4 * DAY)]
    second = [stop_at(now - 4 * DAY)._replace(address="+14155550101", key="b0"),
              snooze(bo.id, Channel.SMS, now - 3 * DAY, now + DAY, "b1")]
    world.record(*first[:1])
    world.record(*first[1:])
    world.record(*second)
    a, b = world.state(ann, Channel.SMS), world.state(bo, Channel.SMS)
    assert (a.dnd, a.kind, a.reason, a.until_us) == (b.dnd, b.kind, b.reason, b.until_us)
    assert a.kind == DndKind.PERMANENT


def test_set_on_a_manual_dnd_replaces_its_end(world: World) -> None:
    ann = world.contact()
    first, later = now_us() + DAY, now_us() + 7 * DAY
    with world.store.write() as session:
        set_dnd(session, ann, [Channel.CALL], True, "agent-a", until_us=first)
    since = world.state(ann, Channel.CALL).since_us
    with world.store.write() as session:
        moved = set_dnd(session, ann, [Channel.CALL], True, "agent-b", until_us=later)
    state = world.state(ann, Channel.CALL)
    assert moved.changed and state.until_us == later and state.since_us == since  # --until moves it
    with world.store.write() as session:
        same = set_dnd(session, ann, [Channel.CALL], True, "agent-b", until_us=later)
    assert not same.changed and same.plan.unchanged
    with world.store.write() as session:
        removed = set_dnd(session, ann, [Channel.CALL], True, "agent-a")
    state = world.state(ann, Channel.CALL)
    assert removed.changed and state.dnd and state.until_us is None  # no --until removes it
    with world.store.read() as session:
        assert session.get(Contact, ann.id).dnd_until_us is None  # type: ignore[union-attr]


def test_only_a_manual_dnd_can_have_an_end(world: World) -> None:
    ann = world.contact()
    world.record(stop_at(now_us() - DAY))
    with world.store.write() as session:
        result = set_dnd(session, ann, [Channel.SMS], True, "agent-a", until_us=now_us() + DAY)
    assert result.refused and [r.code for r in result.plan.refusals] == ["not_manual"]
    state = world.state(ann, Channel.SMS)
    assert state.kind == DndKind.PERMANENT and state.until_us is None


def test_an_end_in_the_past_or_unreadable_is_bad_usage(world: World) -> None:
    ann = world.contact()
    ctx = AppContext.with_store(world.store, Settings(actor="agent-a"))
    for bad in ("2020-01-01", "next tuesday", "+0d", now_us() - 1):
        with pytest.raises(InvalidInput):
            set_dnd_service(ctx, str(ann.id), [Channel.SMS], True, until=bad)
    with pytest.raises(InvalidInput):
        set_dnd_service(ctx, str(ann.id), [Channel.SMS], False, until="+1d")
    done = set_dnd_service(ctx, str(ann.id), [Channel.SMS], True, until="+1d").result
    assert done.changed and done.contacts[0].changed[0].after.until_us is not None
    assert end_moment("+1d", now=0) == DAY and end_moment("2030-01-01T09:00:00Z") > now_us()


def test_lifting_a_manual_dnd_with_an_end_early_works_as_for_any_manual_dnd(world: World) -> None:
    ann = world.contact()
    with world.store.write() as session:
        set_dnd(session, ann, [Channel.SMS], True, "agent-a", until_us=now_us() + DAY)
    with world.store.write() as session:
        result = set_dnd(session, ann, [Channel.SMS], False, "agent-b")
    assert not result.refused and not world.state(ann, Channel.SMS).dnd
    with world.store.read() as session:
        assert session.get(Contact, ann.id).dnd_until_us is None  # type: ignore[union-attr]
        assert _listed(world, channel=Channel.SMS) == 0


def test_the_end_is_part_of_the_sealed_ledger_entry(world: World) -> None:
    ann = world.contact()
    end = now_us() + 7 * DAY
    with world.store.write() as session:
        set_dnd(session, ann, [Channel.SMS], True, "agent-a", until_us=end)
    with world.store.read() as session:
        [entry] = session.query(LedgerEntry).filter(LedgerEntry.contact_id == ann.id).all()
        assert entry.detail is not None and iso_utc(end) in entry.detail
        assert verify_chain(session).ok
        history = contact_history(session, ann)
    assert history[-1].after.until_us == end
    assert history[-1].after.as_dict()["until"] == iso_utc(end)


def test_the_demo_has_snoozed_dnd_one_on_an_inbound_blocked_contact_and_one_ended(store: Store) -> None:
    from console.services.demo import build_demo
    from console.store.inbound import inbound_states_many

    build_demo(store, contacts=1200, seed=7)
    now = now_us()
    with store.read() as session:
        ids = [c.id for c in session.query(Contact).filter(Contact.dnd_until_us.isnot(None)).all()]
        snoozed = {
            (cid, ch): s.state for cid in ids for ch, s in channel_states(session, cid).items()
            if s.state.until_us is not None
        }
        ended = session.query(LedgerEntry).filter(LedgerEntry.key.like("demo-snooze-%")).count()
        blocked = {cid for cid, _ in inbound_states_many(session, ids)}
        assert first_state_difference(session) is None
    assert len(snoozed) >= 3 and all(s.until_us > now for s in snoozed.values())  # type: ignore[operator]
    assert ended > len(snoozed)  # one has ended already: off again
    assert blocked & {cid for cid, _ in snoozed}


def test_a_changed_end_in_the_stored_state_is_found_by_the_replay_check(world: World) -> None:
    from sqlalchemy import text

    ann = world.contact()
    with world.store.write() as session:
        set_dnd(session, ann, [Channel.SMS], True, "agent-a", until_us=now_us() + DAY)
    with world.store.write() as session:  # someone moves the end in the table, not through the ledger
        session.execute(text("UPDATE channel_states SET until_us = until_us + 86400000000 WHERE contact_id = :c"),
                        {"c": ann.id})
    with world.store.read() as session:
        found = first_state_difference(session)
    assert found is not None and found.channel == Channel.SMS and "until" in found.stored
