"""RULES.md "Imported opt-ins are held for a reviewer", end to end: through the CLI on SQLite (DND_CONSOLE_ACTOR picks
the acting agent) and through the store's import on both backends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from console.domain.channels import Channel, DndKind
from console.importers.pipeline import run_import
from console.store.db import Store
from console.store.queries import channel_states
from console.store.review_queries import list_reviews
from console.store.reviews import approve_review
from tests.cli.clitools import CliRunner, assert_user_error

from .conftest import ADMIN, BUSINESS, PHONE, REVIEWER, SUBMITTER, Desk, add_team

STOP_AT, START_AT = "2025-03-01T10:00:00Z", "2025-03-02T09:30:00Z"


def message(path: Path, *messages: tuple[str, str, str]) -> Path:
    """Twilio Message resources (sid, date_sent, body), inbound from Ann to the business's number."""
    lines = [
        json.dumps(
            {
                "sid": sid,
                "date_sent": at,
                "direction": "inbound",
                "status": "received",
                "from": PHONE,
                "to": BUSINESS,
                "body": body,
            }
        )
        for sid, at, body in messages
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def one_desk(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> CliRunner:
    """The CLI on an empty SQLite desk, where DND_CONSOLE_ACTOR says who acts."""
    return CliRunner(monkeypatch, capsys, f"sqlite:///{tmp_path / 'desk.db'}")


@pytest.fixture
def team(one_desk: CliRunner, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """An admin, a reviewer and a plain agent on one desk, and Ann Lee with her number."""
    act(monkeypatch, ADMIN)
    one_desk.ok("agents", "add", ADMIN, "--role", "admin")
    one_desk.ok("agents", "add", REVIEWER, "--role", "reviewer")
    one_desk.ok("agents", "add", SUBMITTER, "--role", "agent")
    one_desk.ok("contacts", "add", "--name", "Ann Lee", "--phone", PHONE)
    return one_desk


def act(monkeypatch: pytest.MonkeyPatch, who: str) -> None:
    monkeypatch.setenv("DND_CONSOLE_ACTOR", who)


def imported(cli: CliRunner, path: Path) -> dict[str, Any]:
    data: dict[str, Any] = cli.ok("import", path, "--format", "twilio-json", "--json").json
    return data


def sms(cli: CliRunner) -> dict[str, Any]:
    channels: dict[str, Any] = cli.ok("status", PHONE, "--json").json["contacts"][0]["channels"]
    return dict(channels["sms"])


def test_a_plain_agents_imported_start_is_held_for_another_reviewer(
    team: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    act(monkeypatch, SUBMITTER)
    imported(team, message(tmp_path / "stop.jsonl", ("SMstop", STOP_AT, "STOP")))
    summary = imported(team, message(tmp_path / "start.jsonl", ("SMstart", START_AT, "START")))
    assert summary["held_opt_ins"] == 1 and summary["applied"] == 1
    assert sms(team)["kind"] == "permanent"  # not lifted on a plain agent's word
    assert team("check", PHONE, "--channel", "sms").code == 1

    [review] = team.ok("review", "list", "--json").json["reviews"]
    assert review["state"] == "pending" and review["submitted_by"] == SUBMITTER
    assert review["relationship_numbers"] == [BUSINESS]
    shown = team.ok("review", "show", review["id"], "--json").json
    held = shown["held_opt_in"]
    assert held["provider_id"] == "SMstart" and held["body"] == "START" and held["to"] == BUSINESS
    assert held["batch"] == summary["batch"] and held["file"].endswith("start.jsonl")
    assert held["received_at"] == START_AT

    assert_user_error(team("review", "approve", review["id"]), 1, "four-eyes")  # the importer cannot
    act(monkeypatch, REVIEWER)
    team.ok("review", "approve", review["id"])
    after = sms(team)
    assert not after["dnd"]
    history = team.ok("history", PHONE, "--json").json
    lift = [e for e in history if e["reason"] == "review.approved"]
    assert len(lift) == 1 and lift[0]["at"] == START_AT  # applied as of the message's time
    assert team("audit", "verify", "--replay").code == 0


def test_a_later_stop_still_wins_over_an_approved_held_start(
    team: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    act(monkeypatch, SUBMITTER)
    imported(
        team,
        message(
            tmp_path / "a.jsonl",
            ("SMstop", STOP_AT, "STOP"),
            ("SMstart", START_AT, "START"),
            ("SMstop2", "2025-03-05T08:00:00Z", "STOP"),
        ),
    )
    [review] = team.ok("review", "list", "--json").json["reviews"]
    act(monkeypatch, REVIEWER)
    team.ok("review", "approve", review["id"])
    assert sms(team)["kind"] == "permanent" and sms(team)["since"] == "2025-03-05T08:00:00Z"


@pytest.mark.parametrize("who", [REVIEWER, ADMIN])
def test_a_reviewers_or_admins_import_applies_at_once(
    team: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, who: str
) -> None:
    act(monkeypatch, who)
    summary = imported(team, message(tmp_path / "m.jsonl", ("SMstop", STOP_AT, "STOP"), ("SMstart", START_AT, "START")))
    assert summary["held_opt_ins"] == 0
    assert not sms(team)["dnd"]
    assert team.ok("review", "list", "--json").json["reviews"] == []


def test_a_start_finding_only_temporary_dnd_applies_whoever_imports_it(
    team: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    act(monkeypatch, SUBMITTER)
    outbound = tmp_path / "out.jsonl"
    outbound.write_text(
        json.dumps(
            {
                "sid": "SMerr",
                "date_sent": STOP_AT,
                "direction": "outbound-api",
                "status": "undelivered",
                "from": BUSINESS,
                "to": PHONE,
                "body": "hi",
                "error_code": 30003,
            }
        )
        + "\n"
    )
    imported(team, outbound)
    assert sms(team)["kind"] == "temporary"
    summary = imported(team, message(tmp_path / "start.jsonl", ("SMstart", START_AT, "START")))
    assert summary["held_opt_ins"] == 0 and not sms(team)["dnd"]


def test_any_start_applies_while_the_desk_has_no_reviewer_or_admin(
    one_desk: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    act(monkeypatch, SUBMITTER)
    one_desk.ok("contacts", "add", "--name", "Ann Lee", "--phone", PHONE)
    summary = imported(
        one_desk, message(tmp_path / "m.jsonl", ("SMstop", STOP_AT, "STOP"), ("SMstart", START_AT, "START"))
    )
    assert summary["held_opt_ins"] == 0 and not sms(one_desk)["dnd"]


def test_an_older_opt_out_arriving_later_opens_the_review(
    team: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    act(monkeypatch, SUBMITTER)
    first = imported(team, message(tmp_path / "start.jsonl", ("SMstart", START_AT, "START")))
    assert first["held_opt_ins"] == 0 and not sms(team)["dnd"]  # nothing to lift yet
    act(monkeypatch, ADMIN)  # even an admin's import of the older STOP: the held START stays held
    later = imported(team, message(tmp_path / "stop.jsonl", ("SMstop", STOP_AT, "STOP")))
    assert later["held_opt_ins"] == 1
    assert sms(team)["kind"] == "permanent"
    [review] = team.ok("review", "list", "--json").json["reviews"]
    assert review["submitted_by"] == SUBMITTER
    assert team.ok("review", "show", review["id"], "--json").json["held_opt_in"]["provider_id"] == "SMstart"


def test_a_contact_added_later_gets_the_review(
    team: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    act(monkeypatch, SUBMITTER)
    other = "+14155550177"
    lines = [
        json.dumps(
            {
                "sid": sid,
                "date_sent": at,
                "direction": "inbound",
                "status": "received",
                "from": other,
                "to": BUSINESS,
                "body": body,
            }
        )
        for sid, at, body in (("S1", STOP_AT, "STOP"), ("S2", START_AT, "START"))
    ]
    path = tmp_path / "unmatched.jsonl"
    path.write_text("\n".join(lines) + "\n")
    assert imported(team, path)["unmatched"] == 2
    team.ok("contacts", "add", "--name", "Cy Dee", "--phone", other)
    [review] = team.ok("review", "list", "--json").json["reviews"]
    assert review["contact"] == "Cy Dee" and review["state"] == "pending"
    assert team.ok("status", other, "--json").json["contacts"][0]["channels"]["sms"]["kind"] == "permanent"


def test_a_rejected_held_opt_in_stays_rejected_and_a_reimport_opens_nothing(
    team: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    act(monkeypatch, SUBMITTER)
    path = message(tmp_path / "m.jsonl", ("SMstop", STOP_AT, "STOP"), ("SMstart", START_AT, "START"))
    assert imported(team, path)["held_opt_ins"] == 1
    [review] = team.ok("review", "list", "--json").json["reviews"]
    act(monkeypatch, REVIEWER)
    team.ok("review", "reject", review["id"], "--reason", "the recording shows someone else")
    act(monkeypatch, SUBMITTER)
    again = imported(team, path)
    assert again["duplicates"] == 2 and again["held_opt_ins"] == 0
    assert [r["state"] for r in team.ok("review", "list", "--json").json["reviews"]] == ["rejected"]
    assert sms(team)["kind"] == "permanent"


# -- through the store, on both backends ----------------------------------------------------------------------


def test_held_opt_in_through_the_store(desk: Desk, tmp_path: Path) -> None:
    store: Store = desk.store
    path = message(tmp_path / "start.jsonl", ("SMstart", "2024-03-05T09:00:00Z", "START"))
    summary = run_import(store, [path], location=None, actor=SUBMITTER, fmt="twilio-json", workers=1)
    assert summary.held_opt_ins == 1
    with store.read() as session:
        assert channel_states(session, desk.ann.id)[Channel.SMS].state.kind == DndKind.PERMANENT
        [review] = list_reviews(session, state="pending")
        assert review.held is not None and review.held.provider_id == "SMstart"
        assert review.submitted_by == SUBMITTER and review.relationship_numbers == (BUSINESS,)
    with store.write() as session:
        approve_review(session, review.id, REVIEWER)
    with store.read() as session:
        assert not channel_states(session, desk.ann.id)[Channel.SMS].state.dnd


def test_an_admins_import_applies_at_once_through_the_store(store: Store, tmp_path: Path) -> None:
    from tests.helpers import World, sms_stop

    world = World(store)
    ann = world.contact("Ann Lee", None, PHONE)
    world.record(sms_stop(PHONE, "2024-03-01 10:00"))
    add_team(store)
    path = message(tmp_path / "start.jsonl", ("SMstart", "2024-03-05T09:00:00Z", "START"))
    assert run_import(store, [path], location=None, actor=ADMIN, fmt="twilio-json", workers=1).held_opt_ins == 0
    with store.read() as session:
        assert not channel_states(session, ann.id)[Channel.SMS].state.dnd
