"""Adding and editing contacts (``contacts edit``: a new address applies the events kept for it), and possible
opt-outs confirmed or dismissed, through the services."""

from __future__ import annotations

import pytest

from console.domain.channels import Channel, DndKind
from console.errors import InvalidInput, Refused
from console.services import contacts, opt_outs, reads
from console.store.changes import CONTACTS, DND, OPT_OUTS
from tests.helpers import sms_stop
from tests.services.conftest import Desk, possible_opt_out

OLD, NEW = "+14155550100", "+14155550199"


def test_add_contact_applies_events_kept_for_its_address(desk: Desk) -> None:
    desk.world.record(sms_stop(OLD, "2024-03-01 10:00"))
    done = contacts.add_contact(desk.ctx, "Ann", phone="(415) 555-0100")
    assert done.result.phone == OLD and done.change.contact_ids == {done.result.id}
    assert desk.world.state(done.result.id, Channel.SMS).kind == DndKind.PERMANENT
    with pytest.raises(InvalidInput, match="needs a name"):
        contacts.add_contact(desk.ctx, " ")


def test_edit_contact_new_address_applies_the_events_kept_for_it(desk: Desk) -> None:
    desk.world.record(sms_stop(NEW, "2024-03-01 10:00"))
    ann = desk.world.contact(phone=OLD)
    assert not desk.world.state(ann, Channel.SMS).dnd
    done = contacts.edit_contact(desk.ctx, ann.id, phone="415-555-0199")
    assert done.result.readdressed and done.result.after.phone == NEW and done.result.before.phone == OLD
    assert done.result.status.channel(Channel.SMS).state.kind == DndKind.PERMANENT
    assert done.change.what == DND and done.change.contact_ids == {ann.id}
    [note] = desk.entries("contact.edited")
    assert note.actor == desk.me and NEW in (note.detail or "") and OLD in (note.detail or "")


def test_edit_contact_old_address_no_longer_applies(desk: Desk) -> None:
    desk.world.record(sms_stop(OLD, "2024-03-01 10:00"))
    ann = desk.world.contact(phone=OLD)
    assert desk.world.state(ann, Channel.SMS).dnd
    contacts.edit_contact(desk.ctx, ann.id, phone=NEW)
    assert not desk.world.state(ann, Channel.SMS).dnd
    assert reads.history(desk.ctx, ann.id)[0].entries == ()


def test_edit_contact_name_only_and_refusals(desk: Desk) -> None:
    ann = desk.world.contact()
    done = contacts.edit_contact(desk.ctx, ann.id, name="Ann Smith")
    assert done.result.after.name == "Ann Smith" and not done.result.readdressed and done.change.what == CONTACTS
    desk.world.contact("Ann (work)")
    with pytest.raises(InvalidInput, match="matches several contacts"):
        contacts.edit_contact(desk.ctx, "ann@example.com", name="X")
    with pytest.raises(InvalidInput, match="nothing to edit"):
        contacts.edit_contact(desk.ctx, ann.id)
    with pytest.raises(InvalidInput):
        contacts.edit_contact(desk.ctx, ann.id, email="not-an-email")


def test_confirm_possible_opt_out_is_a_permanent_sms_dnd_audited(desk: Desk) -> None:
    eli = desk.world.contact("Eli", None, OLD)
    desk.world.record(possible_opt_out(OLD))
    [item] = opt_outs.list_opt_outs(desk.ctx)
    done = opt_outs.confirm_opt_out(desk.ctx, item.id)
    assert done.result.state == "confirmed" and done.change.what == DND and done.change.contact_ids == {eli.id}
    assert desk.world.state(eli, Channel.SMS).kind == DndKind.PERMANENT
    [entry] = desk.entries("sms.opt_out_confirmed")
    assert entry.actor == desk.me
    with pytest.raises(Refused, match=f"already confirmed by {desk.me}"):
        opt_outs.dismiss_opt_out(desk.ctx, item.id)
    assert opt_outs.list_opt_outs(desk.ctx) == [] and len(opt_outs.list_opt_outs(desk.ctx, include_decided=True)) == 1


def test_dismiss_possible_opt_out_changes_nothing_but_is_audited(desk: Desk) -> None:
    eli = desk.world.contact("Eli", None, OLD)
    desk.world.record(possible_opt_out(OLD))
    [item] = opt_outs.list_opt_outs(desk.ctx)
    done = opt_outs.dismiss_opt_out(desk.ctx, item.id)
    assert done.result.state == "dismissed" and done.change.what == OPT_OUTS
    assert not desk.world.state(eli, Channel.SMS).dnd
    [note] = desk.entries("possible_opt_out.dismissed")
    assert note.actor == desk.me
