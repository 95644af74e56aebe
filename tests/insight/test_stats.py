"""``stats``: the overview's figures (CLI.md shape), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from console.domain.channels import Channel, DndKind
from console.domain.deadlines import business_days_between, is_overdue, overdue_before_us, week_index, week_monday
from console.domain.events import Effect, Event, Source
from console.services.context import AppContext
from console.services.stats import overview
from console.store.reviews import submit_review
from tests.cli.clitools import CliRunner, assert_user_error
from tests.helpers import World, agent_event, at, email_set, sms_start, sms_stop

PHONE = "+14155550100"
KINDS = {"manual", "temporary", "permanent", "spam"}
CHANNELS = {"email", "sms", "call", "facebook", "gmb", "whatsapp"}


def possible(phone: str, when: str, n: int = 0) -> Event:
    detail = {"possible_opt_out": "1", "body": "please stop texting me"}
    reason = "inbound/possible_opt_out"
    return Event(
        Source.TWILIO, f"SMpossible{n}", at(when), Channel.SMS, Effect.NONE, None, reason, phone, detail=detail
    )


def test_stats_json_has_the_cli_shape_with_every_channel_and_kind(world: World, cli: CliRunner) -> None:
    world.contact()
    data = cli.ok("stats", "--json").json
    assert set(data) == {"contacts", "dnd", "new_dnd_by_week", "reviews_pending", "possible_opt_outs"}
    assert data["contacts"] == 1
    assert set(data["dnd"]) == CHANNELS
    for channel in CHANNELS:
        assert data["dnd"][channel] == dict.fromkeys(KINDS, 0)  # zeros included
    assert data["new_dnd_by_week"] == []
    assert data["reviews_pending"] == 0
    assert data["possible_opt_outs"] == {"pending": 0, "overdue": 0, "by_age": []}
    assert "contacts" in cli.ok("stats").stdout
    assert_user_error(cli("stats", "--location", "Nowhere"), 2, "location")


def test_dnd_counts_the_dnd_in_effect_now_by_channel_and_kind(world: World, app: AppContext, cli: CliRunner) -> None:
    ann, bo = world.contact(), world.contact("Bo", "bo@example.com", "+14155550101")
    world.contact("Cy", "cy@example.com", "+14155550102")
    world.record(sms_stop(PHONE, "2024-03-01 10:00"), sms_stop("+14155550101", "2024-03-01 10:00"))
    world.record(sms_start("+14155550101", "2024-03-02 10:00"))  # lifted: not in effect now
    world.record(email_set("ann@example.com", "2024-03-01 10:00", DndKind.SPAM, "email.complained"))
    world.record(agent_event(bo.id, Channel.CALL, "2024-03-01 10:00", True))
    cli.ok("set", ann.id, "--channel", "all", "--inbound", "--on")  # inbound DND is not counted
    cli.ok("locations", "add", "Elsewhere")
    cli.ok("contacts", "add", "--name", "Di", "--email", "di@example.com", "--location", "Elsewhere")
    cli.ok("set", "di@example.com", "--channel", "email", "--on", "--location", "Elsewhere")
    figures = overview(app)
    assert figures.contacts == 3
    assert figures.count(Channel.SMS, DndKind.PERMANENT) == 1
    assert figures.count(Channel.EMAIL, DndKind.SPAM) == 1
    assert figures.count(Channel.CALL, DndKind.MANUAL) == 1
    assert figures.count(Channel.EMAIL, DndKind.MANUAL) == 0  # Di is in another location
    assert sum(n for _, _, n in figures.dnd) == 3
    elsewhere = overview(app, "Elsewhere")
    assert elsewhere.contacts == 1 and elsewhere.count(Channel.EMAIL, DndKind.MANUAL) == 1


def test_new_dnd_by_week_counts_sets_by_occurrence_in_iso_weeks_named_by_monday(world: World, app: AppContext) -> None:
    ann = world.contact()
    world.record(
        sms_stop(PHONE, "2025-03-09 23:59"),  # a Sunday: the week of Monday 3 March
        agent_event(ann.id, Channel.EMAIL, "2025-03-03 00:00", True),  # that Monday, midnight UTC
        agent_event(ann.id, Channel.CALL, "2025-03-10 00:00", True),  # the next Monday
        sms_start(PHONE, "2025-03-10 01:00"),  # a lift is not new DND
        sms_stop(PHONE, "2025-03-11 10:00"),
    )
    figures = overview(app, at_us=at("2025-06-01 12:00"))
    weeks = [(w.monday, w.reason, w.count) for w in figures.new_dnd_by_week]
    assert weeks == [
        ("2025-03-03", "manual", 1),
        ("2025-03-03", "sms.opt_out_keyword", 1),
        ("2025-03-10", "manual", 1),
        ("2025-03-10", "sms.opt_out_keyword", 1),
    ]
    data = figures.as_dict()["new_dnd_by_week"]
    assert data[0] == {"week": "2025-03-03", "reason": "manual", "count": 1}


def test_new_dnd_by_week_covers_the_last_12_months(world: World, app: AppContext) -> None:
    world.contact()
    world.record(sms_stop(PHONE, "2024-04-01 10:00"), sms_stop(PHONE, "2025-03-11 10:00"))
    figures = overview(app, at_us=at("2025-06-01 12:00"))
    assert [w.monday for w in figures.new_dnd_by_week] == ["2025-03-10"]  # 14 months ago is left out
    assert all(date.fromisoformat(w.monday).weekday() == 0 for w in figures.new_dnd_by_week)


def test_reviews_pending_counts_the_pending_opt_in_reviews(world: World, app: AppContext) -> None:
    ann = world.contact()
    world.record(sms_stop(PHONE, "2024-03-01 10:00"))
    with world.store.write() as session:
        submit_review(session, ann.id, Channel.SMS, "tester", ["https://example.com/optin.mp4"], ["+14155559000"])
    assert overview(app).reviews_pending == 1


def test_possible_opt_outs_pending_and_overdue_after_10_business_days(world: World, app: AppContext) -> None:
    world.contact()
    world.record(
        possible(PHONE, "2025-03-03 09:00", 1),  # Monday; 11 business days by Tuesday 18 March
        possible(PHONE, "2025-03-04 09:00", 2),  # Tuesday; 10 business days by then: not yet overdue
        possible(PHONE, "2025-03-17 09:00", 3),
    )
    figures = overview(app, at_us=at("2025-03-18 15:00"))
    assert (figures.opt_outs_pending, figures.opt_outs_overdue) == (3, 1)
    assert figures.opt_outs_by_age == ((1, 1), (10, 1), (11, 1))  # business days waited by Tuesday 18 March
    assert figures.as_dict()["possible_opt_outs"] == {
        "pending": 3,
        "overdue": 1,
        "by_age": [
            {"business_days": 1, "count": 1},
            {"business_days": 10, "count": 1},
            {"business_days": 11, "count": 1},
        ],
    }
    assert sum(n for days, n in figures.opt_outs_by_age if days > 10) == figures.opt_outs_overdue


def test_stats_text_prints_the_ages_of_the_possible_opt_outs(world: World, cli: CliRunner) -> None:
    world.contact()
    world.record(possible(PHONE, "2025-03-03 09:00", 1))
    out = cli.ok("stats").stdout
    assert "possible opt-outs pending: 1, overdue (over 10 business days): 1" in out
    assert "possible opt-outs by business days waiting: " in out


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        ("2025-03-03", "2025-03-03", 0),
        ("2025-03-03", "2025-03-04", 1),
        ("2025-03-07", "2025-03-10", 1),  # Friday to Monday: the weekend does not count
        ("2025-03-03", "2025-03-17", 10),
        ("2025-03-03", "2025-03-18", 11),
        ("2025-03-08", "2025-03-09", 0),  # Saturday to Sunday
    ],
)
def test_business_days_are_monday_to_friday_without_holidays(start: str, end: str, days: int) -> None:
    assert business_days_between(date.fromisoformat(start), date.fromisoformat(end)) == days


def test_overdue_means_pending_for_more_than_10_business_days() -> None:
    now = at("2025-03-18 15:00")
    cutoff = overdue_before_us(now)
    for hours in range(0, 24 * 40):
        received = at("2025-02-10 00:00") + hours * 3_600_000_000
        assert is_overdue(received, now) == (received < cutoff)
    assert is_overdue(at("2025-03-03 23:59"), now) and not is_overdue(at("2025-03-04 00:00"), now)


def test_weeks_are_named_by_their_monday() -> None:
    for day in ("2025-03-03 00:00", "2025-03-05 12:00", "2025-03-09 23:59"):
        assert week_monday(week_index(at(day))) == date(2025, 3, 3)
    assert week_monday(week_index(at("2025-03-10 00:00"))) == date(2025, 3, 10)
