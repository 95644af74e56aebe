"""RULES.md "State at a past moment": ``status --at`` and ``check --at``, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from console.domain.at_time import parse_moment
from console.domain.channels import Channel, DndKind
from console.domain.events import iso_utc, now_us
from console.errors import UserError
from console.services.context import AppContext
from console.services.past import check_at, status_at
from console.store.locations import set_connected
from tests.cli.clitools import CliRunner, assert_user_error
from tests.helpers import World, agent_event, at, sms_start, sms_stop

PHONE = "+14155550100"


def pause() -> int:
    """A moment strictly between what was recorded before and what is recorded after."""
    time.sleep(0.002)
    moment = now_us()
    time.sleep(0.002)
    return moment


def test_state_at_a_moment_is_the_ledger_replayed_up_to_that_moment(world: World, app: AppContext) -> None:
    ann = world.contact()
    world.record(sms_stop(PHONE, "2024-03-01 10:00"), sms_start(PHONE, "2024-04-01 10:00"))
    [before] = status_at(app, str(ann.id), at("2024-02-01 00:00"), as_known_now=True)
    [during] = status_at(app, str(ann.id), at("2024-03-15 00:00"), as_known_now=True)
    [after] = status_at(app, str(ann.id), at("2024-05-01 00:00"), as_known_now=True)
    assert not before.channel(Channel.SMS).state.dnd
    assert during.channel(Channel.SMS).state.kind == DndKind.PERMANENT
    assert during.channel(Channel.SMS).state.reason == "sms.opt_out_keyword"
    assert not after.channel(Channel.SMS).state.dnd


def test_only_entries_recorded_by_then_count_without_as_known_now(world: World, app: AppContext) -> None:
    ann = world.contact()
    world.record(agent_event(ann.id, Channel.EMAIL, "2024-03-01 10:00", True))
    then = pause()
    world.record(sms_stop(PHONE, "2024-03-01 09:00"))  # occurred before `then`, recorded after it
    [said] = status_at(app, str(ann.id), then)
    assert said.channel(Channel.EMAIL).state.dnd
    assert not said.channel(Channel.SMS).state.dnd
    assert said.as_dict()["as_known_now"] is False


def test_as_known_now_uses_every_entry_known_today(world: World, app: AppContext) -> None:
    ann = world.contact()
    world.record(sms_stop(PHONE, "2024-03-01 09:00"))  # imported today, about 1 March
    [recorded] = status_at(app, str(ann.id), "2024-03-02")
    [known] = status_at(app, str(ann.id), "2024-03-02", as_known_now=True)
    assert not recorded.channel(Channel.SMS).state.dnd  # the console did not know it on 2 March
    assert known.channel(Channel.SMS).state.kind == DndKind.PERMANENT  # but it was true then


def test_todays_contacts_are_reported(world: World, app: AppContext) -> None:
    world.record(sms_stop(PHONE, "2024-03-01 09:00"))  # before the contact existed
    ann = world.contact()
    [known] = status_at(app, str(ann.id), "2024-03-02", as_known_now=True)
    assert known.contact_id == ann.id and known.name == "Ann Lee"
    assert known.channel(Channel.SMS).state.dnd  # matched by today's address


def test_a_channel_with_no_entry_by_then_is_off(world: World, app: AppContext) -> None:
    ann = world.contact()
    world.record(sms_stop(PHONE, "2024-03-01 09:00"))
    [then] = status_at(app, str(ann.id), "2024-02-01", as_known_now=True)
    for channel in then.channels:
        assert channel.state.dnd is False and channel.state.kind is None and channel.entries == ()
    assert then.status == "off"


def test_connected_is_as_it_was_at_that_moment(world: World, app: AppContext, cli: CliRunner) -> None:
    ann = world.contact()
    before = pause()
    cli.ok("locations", "disconnect", "Default", "email")
    between = pause()
    cli.ok("locations", "connect", "Default", "email")
    [old] = status_at(app, str(ann.id), before)
    [off] = status_at(app, str(ann.id), between)
    [now] = status_at(app, str(ann.id), now_us())
    assert old.channel(Channel.EMAIL).connected is True
    assert off.channel(Channel.EMAIL).connected is False
    assert now.channel(Channel.EMAIL).connected is True
    blocked = check_at(app, str(ann.id), Channel.EMAIL, between)
    assert not blocked.allowed and blocked.reason == "not_connected"
    assert len(blocked.entries) == 1  # the disconnect note
    assert check_at(app, str(ann.id), Channel.EMAIL, before).allowed


def test_connected_without_a_note_follows_the_last_change(world: World, app: AppContext) -> None:
    ann = world.contact()
    before = pause()
    with world.store.write() as session:  # a change the window made without a ledger note
        set_connected(session, 1, [Channel.GMB], False)
    [old] = status_at(app, str(ann.id), before)
    [now] = status_at(app, str(ann.id), now_us())
    assert old.channel(Channel.GMB).connected is True and now.channel(Channel.GMB).connected is False


def test_a_date_alone_means_midnight_utc() -> None:
    assert parse_moment("2025-03-01") == at("2025-03-01 00:00")
    assert parse_moment("2025-03-01T10:00:00Z") == at("2025-03-01 10:00")
    assert parse_moment("2025-03-01T12:00:00+02:00") == at("2025-03-01 10:00")
    assert parse_moment("2025-03-01T10:00:00") == at("2025-03-01 10:00")


def test_the_answer_cites_the_entry_that_set_the_dnd_and_for_off_the_last_lift(world: World, app: AppContext) -> None:
    ann = world.contact()
    stop = world.record(sms_stop(PHONE, "2024-03-01 10:00")).outcomes[0].event_id
    weaker = world.record(agent_event(ann.id, Channel.SMS, "2024-03-02 10:00", True)).outcomes[0].event_id
    start = world.record(sms_start(PHONE, "2024-04-01 10:00")).outcomes[0].event_id
    assert weaker not in (stop, start)
    [during] = status_at(app, str(ann.id), "2024-03-15", as_known_now=True)
    assert during.channel(Channel.SMS).entries == (stop,)  # the weaker set does not replace it, nor is cited
    [after] = status_at(app, str(ann.id), "2024-05-01", as_known_now=True)
    assert after.channel(Channel.SMS).entries == (start,)
    assert after.channel(Channel.EMAIL).entries == ()  # never DND: nothing to cite
    answer = check_at(app, str(ann.id), Channel.SMS, "2024-03-15", as_known_now=True)
    assert not answer.allowed and answer.entries == (stop,) and answer.kind == DndKind.PERMANENT


def test_a_lift_that_did_not_take_effect_is_not_cited(world: World, app: AppContext) -> None:
    ann = world.contact()
    stop = world.record(sms_stop(PHONE, "2024-03-01 10:00")).outcomes[0].event_id
    world.record(agent_event(ann.id, Channel.SMS, "2024-03-05 10:00", False, lifted=DndKind.MANUAL))
    [then] = status_at(app, str(ann.id), "2024-03-15", as_known_now=True)
    assert then.channel(Channel.SMS).state.dnd and then.channel(Channel.SMS).entries == (stop,)


def test_status_at_and_check_at_on_the_command_line(world: World, cli: CliRunner) -> None:
    ann = world.contact()
    stop = world.record(sms_stop(PHONE, "2024-03-01 10:00")).outcomes[0].event_id
    data = cli.ok("status", ann.id, "--at", "2024-03-15", "--as-known-now", "--json").json
    [row] = data["contacts"]
    assert row["at"] == "2024-03-15T00:00:00Z" and row["status"] == "partial"
    assert row["channels"]["sms"]["dnd"] is True and row["channels"]["sms"]["entries"] == [stop]
    assert row["channels"]["sms"]["inbound"]["dnd"] is False
    blocked = cli("check", PHONE, "--channel", "sms", "--at", "2024-03-15", "--as-known-now", "--json")
    assert blocked.code == 1, str(blocked)
    expected = {"allowed": False, "reason": "sms.opt_out_keyword", "kind": "permanent"}
    assert blocked.json == {**expected, "at": "2024-03-15T00:00:00Z", "entries": [stop]}
    recorded = cli("check", PHONE, "--channel", "sms", "--at", "2024-03-15", "--json")
    assert recorded.code == 0 and recorded.json["allowed"] is True  # the console did not know on 15 March
    text = cli("check", PHONE, "--channel", "sms", "--at", "2024-03-15", "--as-known-now")
    assert text.code == 1 and f"#{stop}" in text.stdout


def test_an_unreadable_moment_is_bad_usage(world: World, cli: CliRunner) -> None:
    ann = world.contact()
    assert_user_error(cli("status", ann.id, "--at", "1 March"), 2, "--at")
    assert_user_error(cli("check", ann.id, "--channel", "sms", "--at", "2024-13-01"), 2, "--at")
    assert_user_error(cli("status", ann.id, "--as-known-now"), 2, "--at")


def test_status_at_names_the_moment_in_iso_utc(world: World, app: AppContext) -> None:
    ann = world.contact()
    [then] = status_at(app, str(ann.id), "2025-03-01T10:00:00+01:00")
    assert then.as_dict()["at"] == iso_utc(at("2025-03-01 09:00")) == "2025-03-01T09:00:00Z"
    with pytest.raises(UserError):
        status_at(app, str(ann.id), "")


def test_status_at_now_equals_status_on_the_worked_example(cli: CliRunner, samples: Path) -> None:
    files = sorted(p for p in samples.iterdir() if p.suffix in (".csv", ".json", ".jsonl"))
    cli.ok("import", *files)
    cli.ok("locations", "disconnect", "Default", "gmb")
    cli.ok("set", "+14155550100", "--channel", "call", "--inbound", "--on")
    moment = iso_utc(now_us() + 1_000_000)
    assert moment is not None
    time.sleep(1.1)
    for contact in ("1", "2", "3", "4", "+14155550100"):
        [now] = cli.ok("status", contact, "--json").json["contacts"]
        [then] = cli.ok("status", contact, "--at", moment, "--json").json["contacts"]
        assert then["status"] == now["status"]
        for name, channel in now["channels"].items():
            # "version" is the stored row's counter for the agents' version check, not part of a state at a moment
            apart = ("inbound", "version")
            shown = {k: v for k, v in then["channels"][name].items() if k in channel and k not in apart}
            assert shown == {k: v for k, v in channel.items() if k not in apart}
            if "inbound" in channel:
                assert then["channels"][name]["inbound"]["dnd"] == channel["inbound"]["dnd"]
                assert then["channels"][name]["inbound"]["since"] == channel["inbound"]["since"]
