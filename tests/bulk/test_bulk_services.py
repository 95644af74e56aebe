"""bulk_set / undo_batch through the services (both backends): roles, the batch, and undo's properties."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.domain.channels import Channel
from console.errors import InvalidInput, Refused
from console.services import bulk, dnd
from console.store.models import ImportBatch
from tests.services.conftest import Desk

_serial = itertools.count()


def contacts(desk: Desk, n: int) -> list[int]:
    ids = []
    for _ in range(n):
        k = next(_serial)
        ids.append(desk.world.contact(f"P{k}", f"p{k}@example.com", None).id)
    return ids


def give_batch_to(desk: Desk, batch: int, who: str) -> None:
    with desk.store.write() as session:
        row = session.get(ImportBatch, batch)
        assert row is not None
        row.actor = who


def test_note_required(desk: Desk) -> None:
    [a] = contacts(desk, 1)
    for note in (None, "", "  "):
        with pytest.raises(InvalidInput, match="note"):
            bulk.bulk_set(desk.ctx, [str(a)], [Channel.EMAIL], True, note)
    assert not desk.world.state(a, Channel.EMAIL).dnd


def test_bulk_change_is_one_batch_recorded_with_its_entries(desk: Desk) -> None:
    ids = contacts(desk, 3)
    done = bulk.bulk_set(desk.ctx, [str(i) for i in ids], [Channel.EMAIL, Channel.SMS], True, "asked")
    batch = done.result.batch
    assert batch is not None and done.change.contact_ids == frozenset(ids)
    entries = [e for e in desk.entries("manual") if e.contact_id in ids]
    assert len(entries) == 6 and {e.batch_id for e in entries} == {batch}
    with desk.store.read() as session:
        row = session.get(ImportBatch, batch)
        assert row is not None and '"bulk"' in row.files and row.actor == desk.me


def test_admin_needed_for_someone_elses_batch(desk: Desk) -> None:
    ids = contacts(desk, 2)
    batch = bulk.bulk_set(desk.ctx, [str(i) for i in ids], [Channel.EMAIL], True, "n").result.batch
    assert batch is not None
    give_batch_to(desk, batch, "someone.else")
    desk.grant("boss", "admin")
    desk.grant(desk.me, "agent")
    with pytest.raises(Refused, match="admin"):
        bulk.undo_batch(desk.ctx, batch)
    assert desk.world.state(ids[0], Channel.EMAIL).dnd
    desk.grant(desk.me, "admin")
    assert bulk.undo_batch(desk.ctx, batch).result.reverted == 2


def test_anyone_undoes_their_own_batch_and_anyones_while_no_admin_exists(desk: Desk) -> None:
    ids = contacts(desk, 2)
    mine = bulk.bulk_set(desk.ctx, [str(ids[0])], [Channel.EMAIL], True, "n").result.batch
    theirs = bulk.bulk_set(desk.ctx, [str(ids[1])], [Channel.EMAIL], True, "n").result.batch
    assert mine is not None and theirs is not None
    give_batch_to(desk, theirs, "someone.else")
    assert bulk.undo_batch(desk.ctx, theirs).result.reverted == 1  # no admin exists yet
    desk.grant("boss", "admin")
    assert bulk.undo_batch(desk.ctx, mine).result.reverted == 1


def snapshot(desk: Desk, ids: list[int]) -> dict[tuple[int, Channel], object]:
    return {(i, c): desk.world.state(i, c) for i in ids for c in (Channel.EMAIL, Channel.SMS)}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.tuples(st.integers(0, 2), st.sampled_from([Channel.EMAIL, Channel.SMS]), st.booleans()), max_size=5),
    st.lists(st.sampled_from([Channel.EMAIL, Channel.SMS]), min_size=1, max_size=2, unique=True),
    st.booleans(),
)
def test_undo_after_undo_of_nothing_changes_nothing(
    desk: Desk, toggles: list[tuple[int, Channel, bool]], channels: list[Channel], turn_on: bool
) -> None:
    ids = contacts(desk, 3)
    for n, channel, on in toggles:
        dnd.set_dnd(desk.ctx, ids[n], [channel], on)
    first = bulk.bulk_set(desk.ctx, [str(i) for i in ids], channels, turn_on, "prop").result
    assert first.batch is not None
    undone = bulk.undo_batch(desk.ctx, first.batch).result
    assert undone.reverted == first.as_dict()["changed"]
    after_undo = snapshot(desk, ids)
    again = bulk.undo_batch(desk.ctx, first.batch).result
    assert again.reverted == 0 and snapshot(desk, ids) == after_undo
    # Undo of an undo that reverted nothing: nothing to revert either.
    assert bulk.undo_batch(desk.ctx, again.batch).result.reverted == 0
    assert snapshot(desk, ids) == after_undo
