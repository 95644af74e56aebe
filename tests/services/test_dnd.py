"""Setting and lifting DND through the service, and the read models of a contact (both backends)."""

from __future__ import annotations

import pytest

from console.domain.channels import Channel, DndKind
from console.domain.state import Status
from console.errors import Conflict, InvalidInput, NotFound
from console.services import dnd, reads
from console.store.changes import DND
from tests.helpers import email_set, sms_stop
from tests.services.conftest import Desk

PHONE, EMAIL = "+14155550100", "ann@example.com"


def test_agent_sets_dnd_allowed_and_audited(desk: Desk) -> None:
    ann = desk.world.contact()
    done = dnd.set_dnd(desk.ctx, ann.id, [Channel.SMS], True, note="asked by phone")
    [row] = done.result.contacts
    assert row.changed_channels == (Channel.SMS,) and not done.result.refused
    assert row.changed[0].after.kind == DndKind.MANUAL and not row.changed[0].before.dnd
    assert done.change.what == DND and done.change.contact_ids == {ann.id} and done.change.actor == desk.me
    [entry] = desk.entries("manual")
    assert entry.actor == desk.me and entry.contact_id == ann.id and "asked by phone" in (entry.detail or "")
    assert desk.world.state(ann, Channel.SMS).kind == DndKind.MANUAL


def test_lifting_a_locked_channel_is_refused_with_the_rule_and_records_nothing(desk: Desk) -> None:
    ann = desk.world.contact()
    desk.world.record(sms_stop(PHONE, "2024-03-01 10:00"))
    before = len(desk.entries())
    done = dnd.set_dnd(desk.ctx, ann.id, [Channel.SMS], False)
    [refusal] = done.result.contacts[0].refused
    assert done.result.refused and refusal.code == "locked" and "STOP" in refusal.message
    assert done.change.contact_ids == frozenset()
    assert len(desk.entries()) == before and desk.world.state(ann, Channel.SMS).dnd


def test_dnd_all_off_lifts_what_it_may_and_names_what_stays_locked(desk: Desk) -> None:
    ann = desk.world.contact()
    desk.world.record(sms_stop(PHONE, "2024-03-01 10:00"))
    dnd.set_dnd(desk.ctx, ann.id, [Channel.CALL], True)
    done = dnd.set_dnd(desk.ctx, ann.id, None, False)
    [row] = done.result.contacts
    assert row.changed_channels == (Channel.CALL,)
    assert [r.channel for r in row.refused] == [Channel.SMS]
    assert done.result.as_dict()["results"][0]["refused"][0]["code"] == "locked"


def test_a_stale_version_is_a_conflict_naming_who_changed_it(desk: Desk) -> None:
    ann = desk.world.contact()
    seen = reads.status(desk.ctx, ann.id)[0].channel(Channel.SMS).version
    dnd.set_dnd(desk.ctx, ann.id, [Channel.SMS], True)
    with pytest.raises(Conflict, match=f"changed by {desk.me}"):
        dnd.set_dnd(desk.ctx, ann.id, [Channel.SMS], False, expected_versions={Channel.SMS: seen})
    assert desk.world.state(ann, Channel.SMS).dnd


def test_a_contact_named_by_address_acts_on_every_contact_sharing_it(desk: Desk) -> None:
    first = desk.world.contact("Ann Lee")
    second = desk.world.contact("Ann Lee (work)")
    done = dnd.set_dnd(desk.ctx, EMAIL, [Channel.EMAIL], True)
    assert {c.contact.id for c in done.result.contacts} == {first.id, second.id}
    assert done.change.contact_ids == {first.id, second.id}


def test_unknown_contact_and_location(desk: Desk) -> None:
    with pytest.raises(NotFound):
        dnd.set_dnd(desk.ctx, 999, [Channel.SMS], True)
    with pytest.raises(NotFound, match="unknown location"):
        dnd.set_dnd(desk.ctx, EMAIL, [Channel.SMS], True, location="Nowhere")
    with pytest.raises(InvalidInput):
        reads.status(desk.ctx, "not an address")


def test_status_check_and_history_read_models(desk: Desk) -> None:
    ann = desk.world.contact()
    desk.world.record(email_set(EMAIL, "2024-03-02 10:00", DndKind.SPAM, "email.complained"))
    [view] = reads.status(desk.ctx, EMAIL)
    assert view.status == Status.PARTIAL and view.contact.location == "Default"
    assert view.channel(Channel.EMAIL).state.locked and view.as_dict()["channels"]["email"]["kind"] == "spam"
    check = reads.check(desk.ctx, ann.id, "email")
    assert not check.decision.allowed and check.decision.reason == "email.complained"
    assert reads.check(desk.ctx, ann.id, Channel.SMS).decision.allowed
    [history] = reads.history(desk.ctx, ann.id)
    [entry] = history.entries
    assert entry.event.reason == "email.complained" and entry.after.dnd and not entry.before.dnd
