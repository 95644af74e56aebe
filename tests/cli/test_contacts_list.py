"""``contacts list``: the window's list and filters from a shell (CLI.md revision 2)."""

from __future__ import annotations

import pytest

from .clitools import CHANNELS, CliRunner, assert_user_error, parse_csv

LIST_CONTACT_KEYS = {"id", "name", "email", "phone", "status", "dnd"}


@pytest.fixture
def listed(cli: CliRunner) -> CliRunner:
    """Five contacts; Cara replied STOP-like (SMS DND by an agent here) and Ann has DND on every channel."""
    for name, email, phone in [
        ("Eli Novak", "eli@example.com", "+14155550105"),
        ("Cara Diaz", "cara.diaz@mail.example.com", "+14152435545"),
        ("Ann Lee", "ann@example.com", "+14155550163"),
        ('=HYPERLINK("https://phish.example/","verify")', "-2+3@example.com", None),
        ("Bo Chen", None, "+12125550100"),
    ]:
        args = ["contacts", "add", "--name", name] + (["--email", email] if email else [])
        cli.ok(*args, *(["--phone", phone] if phone else []))
    cli.ok("set", "cara.diaz@mail.example.com", "--channel", "sms", "--on")
    cli.ok("set", "ann@example.com", "--channel", "all", "--on")
    return cli


def names(result: dict) -> list[str]:
    return [c["name"] for c in result["contacts"]]


def test_contacts_list_json_shape(listed: CliRunner) -> None:
    result = listed.ok("contacts", "list", "--json").json
    assert set(result) == {"contacts", "total"}
    assert result["total"] == 5
    assert names(result) == sorted(names(result))  # ordered by name
    for contact in result["contacts"]:
        assert set(contact) == LIST_CONTACT_KEYS
    by_name = {c["name"]: c for c in result["contacts"]}
    cara = by_name["Cara Diaz"]
    assert cara["email"] == "cara.diaz@mail.example.com" and cara["phone"] == "+14152435545"
    assert cara["status"] == "partial"
    assert cara["dnd"] == {"sms": "manual"}  # only the DND channels
    assert by_name["Ann Lee"]["status"] == "on" and set(by_name["Ann Lee"]["dnd"]) == set(CHANNELS)
    bo = by_name["Bo Chen"]
    assert (bo["email"], bo["phone"], bo["status"], bo["dnd"]) == (None, "+12125550100", "off", {})


def test_contacts_list_total_counts_every_match_before_the_limit(listed: CliRunner) -> None:
    first = listed.ok("contacts", "list", "--limit", "2", "--json").json
    assert first["total"] == 5 and len(first["contacts"]) == 2
    assert names(first) == names(listed.ok("contacts", "list", "--json").json)[:2]
    assert len(listed.ok("contacts", "list", "--limit", "0", "--json").json["contacts"]) == 5
    searched = listed.ok("contacts", "list", "--search", "555", "--limit", "1", "--json").json
    assert searched["total"] == 3 and len(searched["contacts"]) == 1
    assert_user_error(listed("contacts", "list", "--limit", "-1"), 2)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--search", "mail.example.com"], ["Cara Diaz"]),
        (["--search", "243-5545"], ["Cara Diaz"]),
        (["--search", "(415) 555"], ["Ann Lee", "Eli Novak"]),
        (["--search", "NOVAK"], ["Eli Novak"]),
        (["--search", "phish"], ['=HYPERLINK("https://phish.example/","verify")']),
        (["--status", "on"], ["Ann Lee"]),
        (["--status", "partial"], ["Cara Diaz"]),
        (["--channel", "sms"], ["Ann Lee", "Cara Diaz"]),
        (["--channel", "gmb"], ["Ann Lee"]),
        (["--kind", "manual", "--channel", "sms", "--search", "cara"], ["Cara Diaz"]),
        (["--kind", "spam"], []),
    ],
)
def test_contacts_list_filters_like_the_window(listed: CliRunner, args: list[str], expected: list[str]) -> None:
    result = listed.ok("contacts", "list", *args, "--json").json
    assert names(result) == expected
    assert result["total"] == len(expected)


def test_contacts_list_csv_has_a_column_per_channel_and_is_formula_safe(listed: CliRunner) -> None:
    rows = parse_csv(listed.ok("contacts", "list", "--csv").stdout)
    assert rows[0] == ["id", "name", "email", "phone", "status", *(f"dnd_{c}" for c in CHANNELS)]
    body = {row[1]: row for row in rows[1:]}
    assert len(body) == 5
    cara = body["Cara Diaz"]
    assert cara[2:] == ["cara.diaz@mail.example.com", "+14152435545", "partial", "", "manual", "", "", "", ""]
    hostile = body['\'=HYPERLINK("https://phish.example/","verify")']
    assert hostile[2] == "'-2+3@example.com"  # neither cell can run as a formula
    assert body["Ann Lee"][3] == "+14155550163"  # an E.164 number stays as it is
    limited = parse_csv(listed.ok("contacts", "list", "--csv", "--limit", "1").stdout)
    assert [row[1] for row in limited[1:]] == ['\'=HYPERLINK("https://phish.example/","verify")']  # first by name


def test_contacts_list_refuses_bad_options_in_one_line(listed: CliRunner) -> None:
    assert_user_error(listed("contacts", "list", "--json", "--csv"), 2, "--json", "--csv")
    assert_user_error(listed("contacts", "list", "--channel", "fax"), 2, "channel")
    assert_user_error(listed("contacts", "list", "--location", "Nowhere"), 2, "Nowhere")


def test_contacts_list_text_output(listed: CliRunner) -> None:
    out = listed.ok("contacts", "list", "--search", "cara").stdout
    assert "Cara Diaz <cara.diaz@mail.example.com> +14152435545  PARTIAL: sms manual" in out
    assert out.strip().endswith("1 of 1 contacts")
