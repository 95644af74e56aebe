"""RULES.md "Inbound DND", on SQLite and PostgreSQL, through the command line and the services."""

from __future__ import annotations

from pathlib import Path

from console.domain.channels import Channel
from console.domain.inbound import replay_inbound
from console.services.context import AppContext
from console.services.inbound import block_list, check_inbound, inbound_now, set_inbound
from console.store.past import contact_records
from tests.cli.clitools import CliRunner, assert_user_error, parse_csv, write
from tests.helpers import World, sms_stop

PHONE = "+14155550100"


def status(cli: CliRunner, contact: int | str) -> dict[str, dict[str, object]]:
    [row] = cli.ok("status", contact, "--json").json["contacts"]
    return row["channels"]  # type: ignore[no-any-return]


def test_inbound_dnd_exists_for_sms_and_call_only(world: World, cli: CliRunner) -> None:
    ann = world.contact()
    for channel in ("email", "facebook", "gmb", "whatsapp"):
        assert_user_error(cli("set", ann.id, "--channel", channel, "--inbound", "--on"), 2, "inbound")
        assert_user_error(cli("check", ann.id, "--channel", channel, "--inbound"), 2, "inbound")
    cli.ok("set", ann.id, "--channel", "all", "--inbound", "--on")  # all = sms and call
    channels = status(cli, ann.id)
    assert channels["sms"]["inbound"]["dnd"] is True and channels["call"]["inbound"]["dnd"] is True  # type: ignore[index]
    for channel in ("email", "facebook", "gmb", "whatsapp"):
        assert "inbound" not in channels[channel]


def test_inbound_dnd_is_set_and_lifted_by_agents(world: World, cli: CliRunner) -> None:
    ann = world.contact()
    on = cli.ok("set", ann.id, "--channel", "sms", "--inbound", "--on", "--json").json
    assert on["results"][0]["changed"] == ["sms"] and on["results"][0]["direction"] == "inbound"
    assert cli("check", ann.id, "--channel", "sms", "--inbound").code == 1
    again = cli.ok("set", ann.id, "--channel", "sms", "--inbound", "--on", "--json").json
    assert again["results"][0]["changed"] == []  # already on: nothing recorded
    cli.ok("set", ann.id, "--channel", "sms", "--inbound", "--off")
    assert cli("check", ann.id, "--channel", "sms", "--inbound").code == 0
    entries = [e for e in cli.ok("history", ann.id, "--json").json if e.get("direction") == "inbound"]
    assert [(e["after"]["dnd"], e["after"]["kind"], e["reason"]) for e in entries] == [
        (True, "manual", "manual"),
        (False, None, "manual.lift"),
    ]
    assert {e["source"] for e in entries} == {"agent"}


def test_inbound_dnd_is_audited(world: World, cli: CliRunner) -> None:
    ann = world.contact()
    cli.ok("set", ann.id, "--channel", "call", "--inbound", "--on", "--note", "abusive caller")
    [entry] = [e for e in cli.ok("history", ann.id, "--json").json if e["channel"] == "call"]
    assert entry["direction"] == "inbound" and entry["actor"] and entry["event"]
    assert entry["detail"]["note"] == "abusive caller"
    verified = cli.ok("audit", "verify", "--json").json
    assert verified["ok"] is True and verified["entries"] >= 1


def test_inbound_dnd_is_independent_of_outbound(world: World, cli: CliRunner) -> None:
    ann = world.contact()
    cli.ok("set", ann.id, "--channel", "sms", "--inbound", "--on")
    sms = status(cli, ann.id)["sms"]
    assert sms["dnd"] is False and sms["kind"] is None  # outbound untouched
    assert cli("check", ann.id, "--channel", "sms").code == 0  # messages to the contact still go out
    world.record(sms_stop(PHONE, "2024-03-01 10:00"))
    cli.ok("set", ann.id, "--channel", "sms", "--inbound", "--off")
    sms = status(cli, ann.id)["sms"]
    assert sms["dnd"] is True and sms["kind"] == "permanent"  # lifting inbound never lifts outbound
    assert sms["inbound"] == {"dnd": False, "since": None}
    assert cli("check", ann.id, "--channel", "sms", "--inbound").code == 0  # a STOP is outbound only


def test_inbound_dnd_ignores_connections_and_addresses(world: World, cli: CliRunner) -> None:
    bo = world.contact("Bo", "bo@example.com", None)  # no phone
    cli.ok("locations", "disconnect", "Default", "sms", "call")
    cli.ok("set", bo.id, "--channel", "all", "--inbound", "--on")
    assert cli("check", bo.id, "--channel", "call", "--inbound").code == 1
    assert status(cli, bo.id)["call"]["inbound"]["dnd"] is True  # type: ignore[index]


def test_inbound_dnd_does_not_count_in_the_status_badge(world: World, cli: CliRunner) -> None:
    ann = world.contact()
    cli.ok("set", ann.id, "--channel", "all", "--inbound", "--on")
    [row] = cli.ok("status", ann.id, "--json").json["contacts"]
    assert row["status"] == "off"
    cli.ok("set", ann.id, "--channel", "email", "--on")
    [row] = cli.ok("status", ann.id, "--json").json["contacts"]
    assert row["status"] == "partial"  # one outbound channel of six; inbound counts nothing


def test_inbound_dnd_has_no_locks_no_imports_and_no_end(world: World, cli: CliRunner, tmp_path: Path) -> None:
    ann = world.contact()
    header = "From,To,Body,Status,SentDate,ApiVersion,NumSegments,ErrorCode,AccountSid,Sid,Direction\n"
    row = f"{PHONE},+14155559000,STOP,received,2024-03-01T10:05:00Z,2010-04-01,1,,AC1,SM1,inbound\n"
    dump = write(tmp_path / "twilio.csv", header + row)
    cli.ok("import", dump)
    assert status(cli, ann.id)["sms"]["dnd"] is True  # the STOP is outbound DND
    assert status(cli, ann.id)["sms"]["inbound"] == {"dnd": False, "since": None}  # imports never set it
    cli.ok("set", ann.id, "--channel", "sms", "--inbound", "--on")
    lifted = cli("set", ann.id, "--channel", "sms", "--inbound", "--off")
    assert lifted.code == 0  # no lock: any agent lifts it
    assert status(cli, ann.id)["sms"]["inbound"]["dnd"] is False  # type: ignore[index]


def test_check_inbound_answers_for_it(world: World, cli: CliRunner) -> None:
    ann = world.contact()
    allowed = cli("check", PHONE, "--channel", "call", "--inbound", "--json")
    assert allowed.code == 0 and allowed.json == {"allowed": True, "reason": None, "kind": None}
    cli.ok("set", ann.id, "--channel", "call", "--inbound", "--on")
    blocked = cli("check", PHONE, "--channel", "call", "--inbound", "--json")
    assert blocked.code == 1 and blocked.json == {"allowed": False, "reason": "manual", "kind": "manual"}
    text = cli("check", PHONE, "--channel", "call", "--inbound")
    assert text.code == 1 and "blocked" in text.stdout and "Calls from" in text.stdout


def test_export_suppressions_inbound_lists_the_blocked_numbers(world: World, cli: CliRunner, tmp_path: Path) -> None:
    ann = world.contact()
    world.contact("Cy", "cy@example.com", "+14155550102")
    world.contact("Ann twin", "twin@example.com", PHONE)  # the same number twice: listed once
    cli.ok("set", PHONE, "--channel", "call", "--inbound", "--on")
    rows = parse_csv(cli.ok("export", "suppressions", "--inbound", "--channel", "call").stdout)
    assert rows[0] == ["address", "since"]
    assert [r[0] for r in rows[1:]] == [PHONE] and rows[1][1].endswith("Z")
    assert parse_csv(cli.ok("export", "suppressions", "--inbound", "--channel", "sms").stdout) == [["address", "since"]]
    out = tmp_path / "block.csv"
    assert "1 numbers" in cli.ok("export", "suppressions", "--inbound", "--channel", "call", "-o", out).stdout
    assert out.read_text().splitlines()[1].startswith(PHONE)
    assert_user_error(cli("export", "suppressions", "--inbound", "--channel", "email"), 2, "inbound")
    assert_user_error(cli("export", "suppressions", "--channel", "call"), 2, "inbound")
    assert ann.id


def test_inbound_projection_equals_a_replay_of_its_ledger_entries(world: World, app: AppContext) -> None:
    ann = world.contact()
    for turn in (True, False, True):
        set_inbound(app, str(ann.id), "sms", turn)
    set_inbound(app, str(ann.id), "all", True)
    with app.store.read() as session:
        records = contact_records(session, ann)
    stored = inbound_now(app, [ann.id])
    for channel in (Channel.SMS, Channel.CALL):
        replayed = replay_inbound((r.event_id, r.event) for r in records.inbound[channel])
        assert stored[(ann.id, channel)] == replayed and replayed.dnd
    assert not check_inbound(app, str(ann.id), Channel.SMS).decision.allowed


def test_the_demo_has_inbound_dnd(app: AppContext) -> None:
    from console.services.demo import build_demo

    build_demo(app.store, contacts=500, seed=7)
    calls = block_list(app, "call")
    texts = block_list(app, "sms")
    assert len(calls) >= 2 and 1 <= len(texts) < len(calls)
