"""``check`` (the outbound gate) and ``set`` (an agent's change, refused where RULES.md forbids it)."""

from __future__ import annotations

import pytest

from .clitools import CHANNELS, CliRunner, assert_user_error


def add(cli: CliRunner, name: str = "Ann", email: str | None = "ann@example.com",
        phone: str | None = "4155550100") -> int:
    args = ["contacts", "add", "--name", name, "--json"]
    args += ["--email", email] if email else []
    args += ["--phone", phone] if phone else []
    return int(cli.ok(*args).json["id"])


def channels(cli: CliRunner, ref: str | int) -> dict[str, dict]:
    [row] = cli.ok("status", ref, "--json").json["contacts"]
    return row["channels"]


def history(cli: CliRunner, ref: str | int) -> list[dict]:
    return cli.ok("history", ref, "--json").json


# --- check ---


def test_check_allowed_exits_0(cli: CliRunner) -> None:
    cid = add(cli)
    result = cli("check", cid, "--channel", "email", "--json")
    assert result.code == 0, str(result)
    assert result.json == {"allowed": True, "reason": None, "kind": None}
    human = cli("check", "ann@example.com", "--channel", "sms")
    assert human.code == 0 and "allowed" in human.stdout


def test_check_blocked_by_dnd_gives_its_reason_and_kind(cli: CliRunner) -> None:
    cid = add(cli)
    cli.ok("set", cid, "--channel", "sms", "--on")
    result = cli("check", "(415) 555-0100", "--channel", "sms", "--json")
    assert result.code == 1, str(result)
    assert result.json == {"allowed": False, "reason": "manual", "kind": "manual"}
    human = cli("check", cid, "--channel", "sms")
    assert human.code == 1 and "blocked" in human.stdout
    assert cli("check", cid, "--channel", "email").code == 0


def test_check_blocked_when_the_channel_is_not_connected(cli: CliRunner) -> None:
    cid = add(cli)
    cli.ok("locations", "disconnect", "Default", "sms")
    result = cli("check", cid, "--channel", "sms", "--json")
    assert result.code == 1, str(result)
    assert result.json == {"allowed": False, "reason": "not_connected", "kind": None}
    cli.ok("locations", "connect", "Default", "sms")
    assert cli("check", cid, "--channel", "sms").code == 0


@pytest.mark.parametrize("channel", ["sms", "call", "whatsapp"])
def test_check_blocked_without_a_phone(cli: CliRunner, channel: str) -> None:
    cid = add(cli, phone=None)
    result = cli("check", cid, "--channel", channel, "--json")
    assert result.code == 1, str(result)
    assert result.json == {"allowed": False, "reason": "no_address", "kind": None}


def test_check_blocked_without_an_email(cli: CliRunner) -> None:
    cid = add(cli, email=None)
    result = cli("check", cid, "--channel", "email", "--json")
    assert result.code == 1 and result.json["reason"] == "no_address", str(result)


def test_check_is_blocked_if_any_contact_sharing_the_address_is(cli: CliRunner) -> None:
    first = add(cli, "Ann", "family@example.com", None)
    second = add(cli, "Bob", "family@example.com", None)
    assert cli("check", "family@example.com", "--channel", "email").code == 0
    cli.ok("set", second, "--channel", "email", "--on")
    result = cli("check", "family@example.com", "--channel", "email", "--json")
    assert result.code == 1, str(result)
    assert result.json == {"allowed": False, "reason": "manual", "kind": "manual"}
    # by id, only that contact counts
    assert cli("check", first, "--channel", "email").code == 0
    assert cli("check", second, "--channel", "email").code == 1


# --- set ---


def test_set_on_and_off_a_manual_dnd(cli: CliRunner) -> None:
    cid = add(cli)
    cli.ok("set", cid, "--channel", "email", "--on", "--note", "asked on the phone")
    assert channels(cli, cid)["email"]["dnd"] is True
    cli.ok("set", "ann@example.com", "--channel", "email", "--off")
    assert channels(cli, cid)["email"]["dnd"] is False
    assert [(h["channel"], h["after"]["dnd"]) for h in history(cli, cid)] == [
        ("email", True),
        ("email", False),
    ]


def test_set_all_acts_on_all_six_channels_connected_or_not(cli: CliRunner) -> None:
    cid = add(cli)
    cli.ok("locations", "disconnect", "Default", "sms", "call")
    cli.ok("set", cid, "--channel", "all", "--on")
    state = channels(cli, cid)
    assert {c: s["dnd"] for c, s in state.items()} == dict.fromkeys(CHANNELS, True)
    assert state["sms"]["connected"] is False and state["sms"]["kind"] == "manual"
    # the choice holds after a reconnect
    cli.ok("locations", "connect", "Default", "sms", "call")
    assert channels(cli, cid)["sms"]["dnd"] is True
    cli.ok("set", cid, "--channel", "all", "--off")
    assert not any(s["dnd"] for s in channels(cli, cid).values())


def test_set_one_channel_that_is_not_connected_is_refused(cli: CliRunner) -> None:
    cid = add(cli)
    cli.ok("locations", "disconnect", "Default", "sms")
    result = cli("set", cid, "--channel", "sms", "--on")
    assert_user_error(result, 1, "not connected")
    assert channels(cli, cid)["sms"]["dnd"] is False


def test_set_needs_on_or_off(cli: CliRunner) -> None:
    cid = add(cli)
    result = cli("set", cid, "--channel", "sms")
    assert result.code == 2 and "Traceback" not in result.output
    assert "--on" in result.stderr


def test_lifting_a_channel_that_is_not_dnd_records_nothing(cli: CliRunner) -> None:
    cid = add(cli)
    cli.ok("set", cid, "--channel", "sms", "--on")
    before = history(cli, cid)
    entries = cli.ok("audit", "verify", "--json").json["entries"]
    result = cli("set", cid, "--channel", "email", "--off")
    assert result.code == 0, str(result)
    assert history(cli, cid) == before
    assert cli.ok("audit", "verify", "--json").json["entries"] == entries
    # setting a channel that is already DND records nothing either
    cli.ok("set", cid, "--channel", "sms", "--on")
    assert history(cli, cid) == before


@pytest.mark.parametrize(("ref", "channel", "kind"), [
    ("bo.chen@example.com", "sms", "permanent"),   # replied "unsubscribe"
    ("bo.chen@example.com", "email", "spam"),      # suppress-complaint
    ("fay@example.com", "email", "spam"),          # complained
    ("cara@example.org", "sms", "permanent"),      # error 30004
])
def test_lifting_permanent_or_spam_is_refused_with_the_reason(imported: CliRunner, ref: str, channel: str,
                                                              kind: str) -> None:
    cli = imported
    before = channels(cli, ref)[channel]
    assert before["kind"] == kind and before["locked"] is True
    entries = cli.ok("audit", "verify", "--json").json["entries"]
    for extra in ([], ["--provider-cleared"]):
        result = cli("set", ref, "--channel", channel, "--off", *extra)
        assert_user_error(result, 1)
        assert "refused" in result.stderr
    assert channels(cli, ref)[channel] == before
    assert cli.ok("audit", "verify", "--json").json["entries"] == entries
    assert cli("check", ref, "--channel", channel).code == 1


def test_lifting_an_email_bounce_needs_the_provider_confirmation(imported: CliRunner) -> None:
    cli = imported
    ann = "ann.lee@example.com"
    assert channels(cli, ann)["email"]["reason"] == "email.bounce"
    refused = cli("set", ann, "--channel", "email", "--off")
    assert_user_error(refused, 1, "--provider-cleared")
    assert channels(cli, ann)["email"]["dnd"] is True
    cli.ok("set", ann, "--channel", "email", "--off", "--provider-cleared", "--note", "removed in Mailgun")
    assert channels(cli, ann)["email"]["dnd"] is False
    assert cli("check", ann, "--channel", "email").code == 0
    last = history(cli, ann)[-1]
    assert last["source"] == "agent" and last["channel"] == "email"
    assert last["before"]["kind"] == "temporary" and last["after"] == {
        "dnd": False,
        "kind": None,
        "reason": None,
    }


def test_lifting_a_temporary_sms_error_needs_no_confirmation(imported: CliRunner) -> None:
    cli = imported
    assert channels(cli, "fay@example.com")["sms"]["reason"] == "sms.error_30006"
    cli.ok("set", "fay@example.com", "--channel", "sms", "--off")
    assert channels(cli, "fay@example.com")["sms"]["dnd"] is False


def test_set_all_off_lifts_what_it_may_and_refuses_the_locked_ones(imported: CliRunner) -> None:
    cli = imported
    bo = "bo.chen@example.com"
    cli.ok("set", bo, "--channel", "call", "--on")
    result = cli("set", bo, "--channel", "all", "--off")
    assert result.code == 1, str(result)
    assert "Traceback" not in result.output
    state = channels(cli, bo)
    assert state["call"]["dnd"] is False
    assert state["sms"]["dnd"] is True and state["email"]["dnd"] is True


def test_set_with_the_version_the_agent_saw_refuses_a_change_made_since(cli: CliRunner) -> None:
    cid = add(cli)
    seen = channels(cli, cid)["email"]["version"]
    cli.ok("set", cid, "--channel", "email", "--on", "--expect-version", str(seen))  # nobody changed it since
    assert channels(cli, cid)["email"]["dnd"] is True
    stale = cli("set", cid, "--channel", "email", "--off", "--expect-version", str(seen))
    assert_user_error(stale, 1, "a moment ago")
    assert channels(cli, cid)["email"]["dnd"] is True  # nothing recorded
    as_json = cli("set", cid, "--channel", "email", "--off", "--expect-version", f"email={seen}", "--json")
    assert as_json.code == 1 and "a moment ago" in as_json.json["conflict"]
    every = [f"{name}={state['version']}" for name, state in channels(cli, cid).items()]
    cli.ok("set", cid, "--channel", "all", "--off", *[a for v in every for a in ("--expect-version", v)])
    assert not any(s["dnd"] for s in channels(cli, cid).values())


@pytest.mark.parametrize("args", [
    ("--channel", "all", "--expect-version", "3"),
    ("--channel", "sms", "--expect-version", "x"),
    ("--channel", "sms", "--expect-version", "fax=3"),
    ("--channel", "sms", "--expect-version", "3", "--dry-run"),
])
def test_set_expect_version_bad_usage_is_one_line(cli: CliRunner, args: tuple[str, ...]) -> None:
    cid = add(cli)
    result = cli("set", cid, "--on", *args)
    assert result.code == 2 and "Traceback" not in result.output, result
    assert len(result.stderr.strip().splitlines()) == 1, result


def test_set_takes_several_channels_for_one_contact_and_for_a_bulk_change(cli: CliRunner) -> None:
    first, second = add(cli), add(cli, "Bo", "bo@example.com", "4155550101")
    cli.ok("set", first, "--channel", "sms,call", "--on")
    assert {c for c, s in channels(cli, first).items() if s["dnd"]} == {"sms", "call"}
    shape = cli("set", first, second, "--channel", "email,call", "--on", "--note", "asked", "--json").json
    assert shape["contacts"] == 2 and shape["changed_contacts"] == 2 and set(shape["per_channel"]) == {"email", "call"}
    assert shape["changed"] == 3 and shape["unchanged"] == 1  # the first's call was on already
    assert_user_error(cli("set", first, "--channel", "sms,fax", "--on"), 2, "fax")
    assert_user_error(cli("set", first, "--channel", "all,sms", "--on"), 2, "all")
    assert_user_error(cli("set", first, "--channel", "sms,call", "--inbound", "--on"), 2, "inbound")
