"""Rules of RULES.md seen end to end through the command line: replay order, ties, shared addresses."""

from __future__ import annotations

from pathlib import Path

from console.domain.events import iso_utc, now_us

from .clitools import CliRunner, write

TWILIO_HEADER = (
    "From,To,Body,Status,SentDate,ApiVersion,NumSegments,ErrorCode,AccountSid,Sid,Direction,Price,PriceUnit\n"
)
BUSINESS = "+14155559000"


def inbound(sid: str, phone: str, body: str, when: str) -> str:
    return f"{phone},{BUSINESS},{body},received,{when},2010-04-01,1,,AC1,{sid},inbound,,USD\n"


def outbound_error(sid: str, phone: str, code: int, when: str) -> str:
    return f"{BUSINESS},{phone},hello,undelivered,{when},2010-04-01,1,{code},AC1,{sid},outbound-api,,USD\n"


def sms_state(cli: CliRunner, ref: str | int) -> list[tuple[bool, str | None, str | None]]:
    rows = cli.ok("status", ref, "--json").json["contacts"]
    return [(r["channels"]["sms"]["dnd"], r["channels"]["sms"]["kind"], r["channels"]["sms"]["reason"]) for r in rows]


def test_an_older_stop_imported_after_an_agent_lift_still_wins(cli: CliRunner, tmp_path: Path) -> None:
    cid = cli.ok("contacts", "add", "--name", "Ann", "--phone", "4155550100", "--json").json["id"]
    cli.ok("import", write(tmp_path / "a.csv", TWILIO_HEADER + outbound_error("SMa", "+14155550100", 30003,
                                                                              "2024-03-01T11:00:00Z")))
    assert sms_state(cli, cid) == [(True, "temporary", "sms.error_30003")]
    cli.ok("set", cid, "--channel", "sms", "--off")
    assert sms_state(cli, cid) == [(False, None, None)]
    cli.ok("import", write(tmp_path / "b.csv", TWILIO_HEADER + inbound("SMb", "+14155550100", "STOP",
                                                                       "2024-03-01T10:00:00Z")))
    assert sms_state(cli, cid) == [(True, "permanent", "sms.opt_out_keyword")]
    assert cli("check", cid, "--channel", "sms").code == 1


def test_stop_and_start_at_the_same_instant_dnd_wins(cli: CliRunner, tmp_path: Path) -> None:
    cli.ok("contacts", "add", "--name", "Ann", "--phone", "4155550100")
    both = (
        TWILIO_HEADER
        + inbound("SMz", "+14155550100", "START", "2024-03-01T10:00:00Z")
        + inbound("SMa", "+14155550100", "stop", "2024-03-01T10:00:00Z")
    )
    cli.ok("import", write(tmp_path / "tie.csv", both))
    assert sms_state(cli, "+14155550100") == [(True, "permanent", "sms.opt_out_keyword")]
    # a later START lifts it
    cli.ok("import", write(tmp_path / "start.csv", TWILIO_HEADER + inbound("SMc", "+14155550100", "Start!",
                                                                           "2024-03-02T10:00:00Z")))
    assert sms_state(cli, "+14155550100") == [(False, None, None)]


def test_an_event_for_a_shared_phone_applies_to_each_contact(cli: CliRunner, tmp_path: Path) -> None:
    cli.ok("contacts", "add", "--name", "Ann", "--phone", "(415) 555-0100")
    cli.ok("contacts", "add", "--name", "Al", "--phone", "+1 415 555 0100")
    summary = cli.ok("import", write(tmp_path / "stop.csv", TWILIO_HEADER + inbound(
        "SMa", "+14155550100", "STOP", "2024-03-01T10:00:00Z")), "--json").json
    assert summary["records"] == 1 and summary["unmatched"] == 0
    assert sms_state(cli, "415-555-0100") == [(True, "permanent", "sms.opt_out_keyword")] * 2
    rows = cli.ok("history", "415-555-0100", "--json").json
    assert len(rows) == 2 and {r["event"] for r in rows} == {rows[0]["event"]}


def test_a_confirmed_opt_out_for_an_unknown_number_applies_to_a_later_contact(cli: CliRunner,
                                                                              tmp_path: Path) -> None:
    cli.ok("import", write(tmp_path / "msg.csv", TWILIO_HEADER + inbound("SMr", "+14155550199", "remove me",
                                                                         "2024-03-01T10:00:00Z")))
    [item] = cli.ok("possible-opt-outs", "list", "--json").json["possible_opt_outs"]
    assert item["contact_ids"] == [] and item["body"] == "remove me"
    cli.ok("possible-opt-outs", "confirm", item["id"])
    cid = cli.ok("contacts", "add", "--name", "Zed", "--phone", "415 555 0199", "--json").json["id"]
    assert sms_state(cli, cid) == [(True, "permanent", "sms.opt_out_confirmed")]
    assert "+14155550199" in cli.ok("export", "suppressions", "--channel", "sms").stdout


def test_status_with_no_connected_channel_is_off(cli: CliRunner) -> None:
    cid = cli.ok("contacts", "add", "--name", "Ann", "--email", "a@example.com", "--json").json["id"]
    cli.ok("locations", "disconnect", "Default", "email", "sms", "call", "facebook", "gmb", "whatsapp")
    cli.ok("set", cid, "--channel", "all", "--on")
    [row] = cli.ok("status", cid, "--json").json["contacts"]
    assert row["status"] == "off"
    assert all(ch["dnd"] and not ch["connected"] for ch in row["channels"].values())


def test_history_replays_to_the_status_on_demo_data(cli: CliRunner, db_url: str) -> None:
    """For generated contacts, the last ``after`` of each channel in ``history`` is what ``status`` shows."""
    cli.ok("demo", "--contacts", "40")
    seen_dnd = 0
    for cid in range(1, 41):
        [row] = cli.ok("status", cid, "--json").json["contacts"]
        last: dict[str, dict] = {}
        for entry in cli.ok("history", cid, "--json").json:
            if entry.get("direction") != "inbound":  # inbound DND is its own state (status: "inbound")
                last[entry["channel"]] = entry["after"]
        for channel, state in row["channels"].items():
            off = {"dnd": False, "kind": None, "reason": None}
            want = last.get(channel, off)
            if want.get("until") and want["until"] <= iso_utc(now_us()):  # a manual DND whose end has come
                want = off
            assert state["until"] == want.get("until"), (cid, channel)
            want = {k: want[k] for k in ("dnd", "kind", "reason")}
            assert {k: state[k] for k in ("dnd", "kind", "reason")} == want, (cid, channel)
            seen_dnd += state["dnd"]
    assert seen_dnd > 0
