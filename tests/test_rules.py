"""One test per rule of RULES.md, named after the rule. Store-backed tests run on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from console.domain.actions import plan_agent_change
from console.domain.channels import CHANNEL_ORDER, Channel, DndKind
from console.domain.events import Effect
from console.domain.keywords import Inbound, classify_body, classify_inbound
from console.domain.state import OFF, ChannelState, Status, status_of
from console.domain.triggers import mailgun_trigger, suppression_list_trigger, twilio_error_trigger
from console.errors import Refused
from console.store.actions import set_dnd
from console.store.audit import verify_chain
from console.store.contacts import add_contact
from console.store.db import Store
from console.store.history import contact_history
from console.store.identity import add_agent, role_of
from console.store.locations import connected_channels, set_connected
from console.store.possible_opt_outs import confirm_possible_opt_out, dismiss_possible_opt_out, list_possible_opt_outs
from console.store.queries import can_send, contact_status
from tests.helpers import (
    World,
    agent_event,
    at,
    delivered,
    email_set,
    review_lift,
    sms_error,
    sms_start,
    sms_stop,
)

PHONE = "+14155550100"
EMAIL = "ann@example.com"


@pytest.fixture
def world(store: Store) -> World:
    return World(store)


# --- Vocabulary -------------------------------------------------------------------------------------------


def test_new_database_has_location_default_with_all_six_channels_connected(world: World) -> None:
    with world.store.read() as session:
        assert connected_channels(session, 1) == frozenset(CHANNEL_ORDER)


def test_disconnecting_keeps_dnd_state_and_reconnecting_shows_it_unchanged(world: World) -> None:
    ann = world.contact()
    world.record(sms_stop(PHONE, "2024-03-01 10:00"))
    with world.store.write() as session:
        set_connected(session, 1, [Channel.SMS], False)
    with world.store.read() as session:
        sms = contact_status(session, ann)["channels"]["sms"]  # type: ignore[index]
        assert sms["connected"] is False and sms["dnd"] is True
    with world.store.write() as session:
        set_connected(session, 1, [Channel.SMS], True)
    with world.store.read() as session:
        sms = contact_status(session, ann)["channels"]["sms"]  # type: ignore[index]
    assert sms["connected"] is True and sms["kind"] == "permanent" and sms["reason"] == "sms.opt_out_keyword"


def test_dnd_on_a_channel_blocks_automated_and_manual_sends(world: World) -> None:
    ann = world.contact()
    with world.store.write() as session:
        set_dnd(session, ann, [Channel.CALL], True, "tester")
    with world.store.read() as session:
        decision = can_send(session, ann.id, Channel.CALL)
    assert not decision.allowed and decision.kind == DndKind.MANUAL


def test_status_is_on_off_or_partial_over_connected_channels() -> None:
    all_mask = sum(c.bit for c in CHANNEL_ORDER)
    assert status_of(0, all_mask) == Status.OFF
    assert status_of(Channel.SMS.bit, all_mask) == Status.PARTIAL
    assert status_of(all_mask, all_mask) == Status.ON
    # DND only on a disconnected channel does not count
    assert status_of(Channel.SMS.bit, all_mask & ~Channel.SMS.bit) == Status.OFF
    assert status_of(all_mask & ~Channel.SMS.bit, all_mask & ~Channel.SMS.bit) == Status.ON


def test_status_with_no_connected_channel_is_off() -> None:
    assert status_of(sum(c.bit for c in CHANNEL_ORDER), 0) == Status.OFF


# --- DND kinds ----------------------------------------------------------------------------------------------


def test_weaker_or_equally_strong_event_never_replaces_an_active_dnd(world: World) -> None:
    ann = world.contact()
    world.record(sms_stop(PHONE, "2024-03-01 10:00"))
    world.record(sms_error(PHONE, "2024-03-02 10:00", 30003, DndKind.TEMPORARY))
    world.record(sms_stop(PHONE, "2024-03-03 10:00"))
    state = world.state(ann, Channel.SMS)
    assert (state.kind, state.reason, state.since_us) == (
        DndKind.PERMANENT,
        "sms.opt_out_keyword",
        at("2024-03-01 10:00"),
    )


def test_stronger_event_replaces_an_active_dnd(world: World) -> None:
    ann = world.contact()
    world.record(sms_error(PHONE, "2024-03-01 11:00", 30003, DndKind.TEMPORARY))
    world.record(sms_stop(PHONE, "2024-03-02 19:00"))
    state = world.state(ann, Channel.SMS)
    assert state.kind == DndKind.PERMANENT and state.reason == "sms.opt_out_keyword"


def test_kind_strength_order_is_spam_permanent_temporary_manual() -> None:
    assert [k.strength for k in (DndKind.MANUAL, DndKind.TEMPORARY, DndKind.PERMANENT, DndKind.SPAM)] == [1, 2, 3, 4]


def test_manual_dnd_is_set_and_lifted_by_any_agent(world: World) -> None:
    ann = world.contact()
    with world.store.write() as session:
        set_dnd(session, ann, [Channel.FACEBOOK], True, "agent-a")
    assert world.state(ann, Channel.FACEBOOK).kind == DndKind.MANUAL
    with world.store.write() as session:
        result = set_dnd(session, ann, [Channel.FACEBOOK], False, "agent-b")
    assert not result.refused and not world.state(ann, Channel.FACEBOOK).dnd


def test_temporary_sms_dnd_is_lifted_by_any_agent(world: World) -> None:
    ann = world.contact()
    world.record(sms_error(PHONE, "2024-03-01 11:00", 30005, DndKind.TEMPORARY))
    with world.store.write() as session:
        assert not set_dnd(session, ann, [Channel.SMS], False, "agent-b").refused
    assert not world.state(ann, Channel.SMS).dnd


def test_email_temporary_lift_needs_confirmation_that_the_provider_cleared_it(world: World) -> None:
    ann = world.contact()
    world.record(email_set(EMAIL, "2024-03-01 10:00", DndKind.TEMPORARY, "email.bounce"))
    with world.store.write() as session:
        refused = set_dnd(session, ann, [Channel.EMAIL], False, "tester")
    assert refused.plan.refusals[0].code == "provider_clearance_required"
    assert world.state(ann, Channel.EMAIL).dnd
    with world.store.write() as session:
        set_dnd(session, ann, [Channel.EMAIL], False, "tester", provider_cleared=True)
    assert not world.state(ann, Channel.EMAIL).dnd
    with world.store.read() as session:
        lift = contact_history(session, ann)[-1]
    assert lift.event.provider_cleared and lift.event.effect == Effect.LIFT  # the lift records the confirmation


def test_permanent_dnd_is_locked_for_agents(world: World) -> None:
    ann = world.contact()
    world.record(sms_stop(PHONE, "2024-03-01 10:00"))
    with world.store.write() as session:
        result = set_dnd(session, ann, [Channel.SMS], False, "tester")
    assert result.plan.refusals[0].code == "locked"
    assert "Replied STOP on 1 Mar 2024" in result.plan.refusals[0].message
    assert world.state(ann, Channel.SMS).kind == DndKind.PERMANENT


def test_permanent_dnd_is_lifted_by_a_later_start_from_that_number(world: World) -> None:
    ann = world.contact()
    world.record(sms_stop(PHONE, "2024-03-01 10:00"), sms_start(PHONE, "2024-03-03 08:00"))
    assert not world.state(ann, Channel.SMS).dnd


def test_start_earlier_than_the_opt_out_does_not_lift_it(world: World) -> None:
    ann = world.contact()
    world.record(sms_start(PHONE, "2024-02-01 08:00"), sms_stop(PHONE, "2024-03-01 10:00"))
    assert world.state(ann, Channel.SMS).kind == DndKind.PERMANENT


def test_inbound_start_lifts_sms_dnd_of_every_kind(world: World) -> None:
    for n, kind in enumerate(DndKind):
        contact = world.contact(name=f"Contact {kind}", email=None, phone=f"+1415555{n:04d}")
        phone = contact.phone or ""
        if kind == DndKind.MANUAL:
            world.record(agent_event(contact.id, Channel.SMS, "2024-01-01", True))
        else:
            world.record(sms_error(phone, "2024-01-01", 30003, kind))
        world.record(sms_start(phone, "2024-01-02"))
        assert not world.state(contact, Channel.SMS).dnd, kind


def test_spam_dnd_is_lifted_only_by_an_approved_review(world: World) -> None:
    ann = world.contact()
    world.record(email_set(EMAIL, "2024-03-01 13:00", DndKind.SPAM, "email.complained"))
    with world.store.write() as session:
        result = set_dnd(session, ann, [Channel.EMAIL], False, "tester", provider_cleared=True)
    assert result.plan.refusals[0].code == "locked"
    world.record(review_lift(ann.id, Channel.EMAIL, "2024-04-01 09:00"))
    assert not world.state(ann, Channel.EMAIL).dnd


def test_an_approved_review_lifts_the_reviewed_channel_of_every_kind(world: World) -> None:
    ann = world.contact()
    world.record(sms_stop(PHONE, "2024-03-01 10:00"), review_lift(ann.id, Channel.SMS, "2024-04-01 09:00"))
    assert not world.state(ann, Channel.SMS).dnd


# --- Automatic triggers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "severity", "reason", "kind", "code"),
    [
        ("failed", "permanent", "bounce", DndKind.TEMPORARY, "email.bounce"),
        ("failed", "permanent", "generic", DndKind.TEMPORARY, "email.generic"),
        ("failed", "permanent", "suppress-bounce", DndKind.TEMPORARY, "email.suppress-bounce"),
        ("failed", "permanent", "suppress-unsubscribe", DndKind.TEMPORARY, "email.suppress-unsubscribe"),
        ("failed", "permanent", "suppress-complaint", DndKind.SPAM, "email.suppress-complaint"),
        ("unsubscribed", None, None, DndKind.TEMPORARY, "email.unsubscribed"),
        ("complained", None, None, DndKind.SPAM, "email.complained"),
    ],
)
def test_mailgun_triggers_set_email_dnd(
    event: str, severity: str | None, reason: str | None, kind: DndKind, code: str
) -> None:
    trigger = mailgun_trigger(event, severity, reason)
    assert trigger is not None and (trigger.kind, trigger.reason) == (kind, code)


@pytest.mark.parametrize(
    ("event", "severity", "reason"),
    [
        ("failed", "temporary", "generic"),
        ("failed", "temporary", "bounce"),
        ("failed", "permanent", "old"),
        ("failed", "permanent", "espblock"),
        ("failed", "permanent", "something-new"),
        ("delivered", None, None),
        ("opened", None, None),
        ("clicked", None, None),
        ("accepted", None, None),
        ("stored", None, None),
    ],
)
def test_other_mailgun_events_have_no_effect(event: str, severity: str | None, reason: str | None) -> None:
    assert mailgun_trigger(event, severity, reason) is None


def test_mailgun_suppression_lists_act_as_suppress_bounce_unsubscribed_and_complained() -> None:
    assert suppression_list_trigger("bounces").reason == "email.suppress-bounce"
    assert suppression_list_trigger("bounces").kind == DndKind.TEMPORARY
    assert suppression_list_trigger("unsubscribes").reason == "email.unsubscribed"
    assert suppression_list_trigger("complaints").kind == DndKind.SPAM


def test_opt_out_keyword_sets_permanent_sms_dnd_and_keeps_the_keyword() -> None:
    assert classify_inbound(" Stop! ") == (Inbound.OPT_OUT, "STOP")
    for word in ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "UNSTOP"):
        assert classify_body(word.lower())[0] == Inbound.OPT_OUT, word


def test_opt_in_keyword_lifts_sms_dnd() -> None:
    assert classify_inbound("start.") == (Inbound.OPT_IN, "START")


def test_twilio_opt_out_type_stop_opts_out_whatever_the_body_says() -> None:
    assert classify_inbound("ok thanks", "STOP")[0] == Inbound.OPT_OUT


def test_twilio_opt_out_type_start_lifts_only_on_the_products_opt_in_keywords() -> None:
    assert classify_inbound("START", "START")[0] == Inbound.OPT_IN
    assert classify_inbound("YES", "START")[0] == Inbound.OTHER
    assert classify_inbound("UNSTOP", "START")[0] == Inbound.OPT_OUT


def test_twilio_opt_out_type_help_has_no_effect() -> None:
    assert classify_inbound("HELP", "HELP")[0] == Inbound.HELP


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (30004, DndKind.PERMANENT),
        (21610, DndKind.PERMANENT),
        (30003, DndKind.TEMPORARY),
        (30005, DndKind.TEMPORARY),
        (30006, DndKind.TEMPORARY),
    ],
)
def test_twilio_outbound_errors_set_sms_dnd(code: int, kind: DndKind) -> None:
    trigger = twilio_error_trigger(code)
    assert trigger is not None and trigger.kind == kind and trigger.reason == f"sms.error_{code}"


@pytest.mark.parametrize("code", [30007, 30008, 21614, 21211, None])
def test_anything_else_from_twilio_has_no_effect(code: int | None) -> None:
    assert twilio_error_trigger(code) is None


def test_keywords_match_after_trimming_space_and_punctuation_ignoring_case() -> None:
    assert classify_body("  ¡sToP!!  ")[0] == Inbound.OPT_OUT
    assert classify_body("stop it")[0] != Inbound.OPT_OUT


@pytest.mark.parametrize(
    "body",
    ["ＳＴＯＰ", "Stop!", "ｓｔｏｐ", "ﬅop", "ſtop", "STOP\u200b", "🛑 STOP 🛑", "“Stop.”", "ＵＮＳＵＢＳＣＲＩＢＥ"],
)
def test_opt_out_keywords_are_matched_generously(body: str) -> None:
    """RULES.md "Automatic triggers": Unicode compatibility forms and case folding, any punctuation around."""
    assert classify_body(body)[0] == Inbound.OPT_OUT
    assert classify_inbound(body, "START")[0] == Inbound.OPT_OUT


@pytest.mark.parametrize("body", ["ſtart", "ﬅart", "ＳＴＡＲＴ", "ｓｔａｒｔ", "STАRT", "st\u200bart", "START\u0301"])
def test_opt_in_keywords_are_matched_strictly(body: str) -> None:
    """Plain ASCII letters only (any case): look-alikes lift nothing (``STАRT`` has a Cyrillic А)."""
    assert classify_body(body)[0] == Inbound.OTHER
    assert classify_inbound(body, "START")[0] == Inbound.OTHER


@pytest.mark.parametrize("body", ["START", "start", "Start!", " sTaRt. ", "(start)"])
def test_opt_in_keywords_in_plain_ascii_any_case_still_lift(body: str) -> None:
    assert classify_body(body) == (Inbound.OPT_IN, "START")


def test_a_possible_opt_out_is_recognised_in_fullwidth_letters_too() -> None:
    assert classify_body("ｐｌｅａｓｅ ｓｔｏｐ ｔｅｘｔｉｎｇ ｍｅ")[0] == Inbound.POSSIBLE_OPT_OUT


def test_unstop_opts_out_and_yes_does_nothing() -> None:
    assert classify_body("unstop")[0] == Inbound.OPT_OUT
    assert classify_body("yes")[0] == Inbound.OTHER


@pytest.mark.parametrize(
    "body",
    ["please stop texting me", "opt out", "remove me", "unsubscribe me", "don't text me", "Don’t text me anymore"],
)
def test_multi_word_message_that_reads_like_an_opt_out_is_a_possible_opt_out(body: str) -> None:
    assert classify_body(body)[0] == Inbound.POSSIBLE_OPT_OUT


# --- Time, order and identity ---------------------------------------------------------------------------


def test_every_change_is_a_ledger_event_with_source_id_time_address_channel_effect_reason_actor(
    world: World,
) -> None:
    world.contact()
    world.record(sms_stop(PHONE, "2024-03-01 10:00", k="SMabc:received"), actor="importer")
    with world.store.read() as session:
        entry = contact_history(session, world_contact(session))[0]
    assert (
        entry.event.source,
        entry.event.key,
        entry.event.at_us,
        entry.event.address,
        entry.event.channel,
        entry.event.effect,
        entry.event.reason,
        entry.actor,
    ) == (
        "twilio",
        "SMabc:received",
        at("2024-03-01 10:00"),
        PHONE,
        Channel.SMS,
        Effect.SET,
        "sms.opt_out_keyword",
        "importer",
    )


def world_contact(session, contact_id: int = 1):  # type: ignore[no-untyped-def]
    from console.store.models import Contact

    return session.get(Contact, contact_id)


def test_importing_an_older_stop_after_an_agents_lift_still_leaves_the_channel_dnd(world: World) -> None:
    ann = world.contact()
    world.record(sms_error(PHONE, "2024-03-01 10:00", 30003, DndKind.TEMPORARY))
    with world.store.write() as session:
        set_dnd(session, ann, [Channel.SMS], False, "tester")
    assert not world.state(ann, Channel.SMS).dnd
    world.record(sms_stop(PHONE, "2024-03-02 10:00"))  # older than the lift, imported after it
    assert world.state(ann, Channel.SMS).kind == DndKind.PERMANENT


def test_events_at_the_same_instant_apply_lifts_before_sets_so_dnd_wins_a_tie(world: World) -> None:
    ann = world.contact()
    world.record(sms_stop(PHONE, "2024-03-01 10:00"), sms_start(PHONE, "2024-03-01 10:00"))
    assert world.state(ann, Channel.SMS).kind == DndKind.PERMANENT


def test_agent_lift_on_replay_only_clears_a_kind_no_stronger_than_the_one_lifted(world: World) -> None:
    ann = world.contact()
    world.record(
        agent_event(ann.id, Channel.SMS, "2024-03-01 09:00", True),
        agent_event(ann.id, Channel.SMS, "2024-03-03 09:00", False, lifted=DndKind.MANUAL),
    )
    assert not world.state(ann, Channel.SMS).dnd
    world.record(sms_error(PHONE, "2024-03-02 09:00", 30003, DndKind.TEMPORARY))  # imported late, in between
    assert world.state(ann, Channel.SMS).kind == DndKind.TEMPORARY


def test_lifting_a_channel_that_is_not_dnd_records_nothing(world: World) -> None:
    ann = world.contact()
    with world.store.write() as session:
        result = set_dnd(session, ann, [Channel.GMB], False, "tester")
        assert result.plan.unchanged and not result.changed
        assert contact_history(session, ann) == []


def test_importing_the_same_record_twice_changes_nothing(world: World) -> None:
    ann = world.contact()
    event = sms_stop(PHONE, "2024-03-01 10:00", k="SMdup:received")
    assert world.record(event).outcomes[0].status == "applied"
    assert world.record(event).outcomes[0].status == "duplicate"
    with world.store.read() as session:
        assert len(contact_history(session, ann)) == 1
        assert verify_chain(session).entries == 1


def test_events_match_contacts_by_normalized_address(world: World) -> None:
    with world.store.write() as session:
        ann = add_contact(session, 1, "Ann", "  ANN@Example.com ", "(415) 555-0100")
    assert (ann.email, ann.phone) == (EMAIL, PHONE)
    world.record(email_set(EMAIL, "2024-03-01", DndKind.TEMPORARY, "email.bounce"))
    assert world.state(ann, Channel.EMAIL).dnd


def test_an_event_for_a_shared_address_applies_to_each_contact(world: World) -> None:
    ann = world.contact("Ann")
    bob = world.contact("Bob", email="bob@example.com")  # same phone as Ann
    outcome = world.record(sms_stop(PHONE, "2024-03-01")).outcomes[0]
    assert outcome.contact_ids == (ann.id, bob.id)
    assert world.state(ann, Channel.SMS).dnd and world.state(bob, Channel.SMS).dnd


def test_an_event_for_an_unknown_address_is_kept_and_applies_when_the_contact_appears(world: World) -> None:
    outcome = world.record(email_set("old@example.com", "2022-10-13", DndKind.TEMPORARY, "email.bounce")).outcomes[0]
    assert outcome.status == "unmatched"
    later = world.contact("Old", email="old@example.com", phone=None)
    assert world.state(later, Channel.EMAIL).reason == "email.bounce"


def test_agent_actions_are_refused_with_a_clear_reason_when_rules_forbid_them() -> None:
    states = {Channel.SMS: ChannelState(True, DndKind.PERMANENT, "sms.error_30004", at("2024-03-01"))}
    plan = plan_agent_change(states, frozenset(CHANNEL_ORDER), [Channel.SMS], False)
    assert plan.refusals[0].code == "locked" and "30004" in plan.refusals[0].message


def test_dnd_all_acts_on_all_six_channels_connected_or_not(world: World) -> None:
    ann = world.contact()
    with world.store.write() as session:
        set_connected(session, 1, [Channel.FACEBOOK, Channel.GMB], False)
        result = set_dnd(session, ann, None, True, "tester")
    assert set(result.changed) == set(CHANNEL_ORDER)
    with world.store.write() as session:
        set_connected(session, 1, [Channel.FACEBOOK, Channel.GMB], True)
    assert world.state(ann, Channel.FACEBOOK).kind == DndKind.MANUAL


def test_dnd_all_off_leaves_locked_channels_on_and_says_so(world: World) -> None:
    ann = world.contact()
    world.record(sms_stop(PHONE, "2024-03-01"))
    with world.store.write() as session:
        set_dnd(session, ann, None, True, "tester")
        result = set_dnd(session, ann, None, False, "tester")
    assert [r.channel for r in result.plan.refusals] == [Channel.SMS]
    assert world.state(ann, Channel.SMS).dnd and not world.state(ann, Channel.CALL).dnd


def test_a_single_disconnected_channel_is_not_editable(world: World) -> None:
    ann = world.contact()
    with world.store.write() as session:
        set_connected(session, 1, [Channel.WHATSAPP], False)
        result = set_dnd(session, ann, [Channel.WHATSAPP], True, "tester")
    assert result.plan.refusals[0].code == "not_connected"


def test_confirmed_possible_opt_out_is_permanent_sms_dnd_dated_at_receipt_by_the_agent(world: World) -> None:
    ann = world.contact()
    world.record(_possible(PHONE, "2024-03-01 12:00"))
    with world.store.write() as session:
        (pending,) = list_possible_opt_outs(session, 1)
        assert pending.contact_ids == [ann.id]
        confirm_possible_opt_out(session, pending.id, "agent-c")
    state = world.state(ann, Channel.SMS)
    assert (state.kind, state.reason, state.since_us) == (
        DndKind.PERMANENT,
        "sms.opt_out_confirmed",
        at("2024-03-01 12:00"),
    )
    with world.store.read() as session:
        assert contact_history(session, ann)[-1].actor == "agent-c"
        assert list_possible_opt_outs(session, 1) == []


def test_dismissed_possible_opt_out_changes_nothing_and_leaves_the_queue(world: World) -> None:
    ann = world.contact()
    world.record(_possible(PHONE, "2024-03-01 12:00"))
    with world.store.write() as session:
        (pending,) = list_possible_opt_outs(session, 1)
        dismiss_possible_opt_out(session, pending.id, "agent-c")
        assert list_possible_opt_outs(session, 1) == []
        assert list_possible_opt_outs(session, 1, include_decided=True)[0].state == "dismissed"
    assert world.state(ann, Channel.SMS) == OFF


def _possible(phone: str, when: str):  # type: ignore[no-untyped-def]
    from console.domain.events import Event, Source

    return Event(
        Source.TWILIO,
        f"SMpossible{when}:received",
        at(when),
        Channel.SMS,
        Effect.NONE,
        None,
        "inbound/possible_opt_out",
        address=phone,
        detail={"possible_opt_out": "1", "body": "please stop texting me"},
    )


# --- Roles ------------------------------------------------------------------------------------------------


def test_an_actor_not_in_the_agents_table_acts_as_an_agent(world: World) -> None:
    with world.store.read() as session:
        assert role_of(session, "stranger") == "agent"


def test_adding_agents_needs_admin_except_the_first_admin(world: World) -> None:
    with world.store.write() as session:
        with pytest.raises(Refused):
            add_agent(session, "stranger", "rev", "reviewer")
        add_agent(session, "stranger", "boss", "admin")
        with pytest.raises(Refused):
            add_agent(session, "stranger", "other", "admin")
        add_agent(session, "boss", "rev", "reviewer")
        assert role_of(session, "rev") == "reviewer"


# --- Outbound gate ----------------------------------------------------------------------------------------


def test_can_send_is_blocked_by_dnd_not_connected_or_missing_address(world: World) -> None:
    ann = world.contact(phone=None)
    world.record(email_set(EMAIL, "2024-03-01", DndKind.TEMPORARY, "email.bounce"))
    with world.store.write() as session:
        set_connected(session, 1, [Channel.FACEBOOK], False)
    with world.store.read() as session:
        assert can_send(session, ann.id, Channel.EMAIL).reason == "email.bounce"
        assert can_send(session, ann.id, Channel.FACEBOOK).reason == "not_connected"
        assert can_send(session, ann.id, Channel.SMS).reason == "no_address"
        assert can_send(session, ann.id, Channel.WHATSAPP).reason == "no_address"
        assert can_send(session, ann.id, Channel.GMB).allowed


# --- Audit ------------------------------------------------------------------------------------------------


def test_the_ledger_is_hash_chained_and_verify_reports_the_first_broken_link(world: World) -> None:
    from sqlalchemy import text

    world.contact()
    world.record(sms_stop(PHONE, "2024-03-01"), delivered(EMAIL, "2024-03-02"), sms_start(PHONE, "2024-03-03"))
    with world.store.read() as session:
        assert verify_chain(session).ok
    with world.store.write() as session:
        session.execute(text("UPDATE events SET reason = 'tampered' WHERE id = 2"))
    with world.store.read() as session:
        result = verify_chain(session)
    assert not result.ok and result.broken_id == 2


def test_removing_a_ledger_entry_is_detected(world: World) -> None:
    from sqlalchemy import text

    world.contact()
    world.record(
        sms_stop(PHONE, "2024-03-01"),
        sms_error(PHONE, "2024-03-02", 30003, DndKind.TEMPORARY),
        sms_start(PHONE, "2024-03-03"),
    )
    with world.store.write() as session:
        session.execute(text("DELETE FROM events WHERE id = 2"))
    with world.store.read() as session:
        result = verify_chain(session)
    assert not result.ok and result.broken_id == 2


def test_each_entry_has_when_it_happened_when_recorded_and_who_recorded_it(world: World) -> None:
    ann = world.contact()
    world.record(sms_stop(PHONE, "2024-03-01"), actor="importer-agent")
    with world.store.read() as session:
        (entry,) = contact_history(session, ann)
    assert entry.event.at_us == at("2024-03-01") and entry.recorded_at_us > entry.event.at_us
    assert entry.actor == "importer-agent"


def test_history_lists_entries_in_order_of_occurrence_with_state_before_and_after(world: World) -> None:
    ann = world.contact()
    world.record(
        sms_start(PHONE, "2024-03-03"),
        sms_stop(PHONE, "2024-03-01"),
        sms_error(PHONE, "2024-03-02", 30003, DndKind.TEMPORARY),
    )
    with world.store.read() as session:
        entries = contact_history(session, ann)
    assert [e.event.at_us for e in entries] == sorted(e.event.at_us for e in entries)
    assert [(e.before.kind, e.after.kind) for e in entries] == [
        (None, DndKind.PERMANENT),
        (DndKind.PERMANENT, DndKind.PERMANENT),
        (DndKind.PERMANENT, None),
    ]
