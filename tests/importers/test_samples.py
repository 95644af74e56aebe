"""Every sample export is detected and read into the events EXPECTED.md relies on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from console.domain.channels import Channel, DndKind
from console.domain.events import Effect
from tests.importers.conftest import contacts, events, parse, rejects

FORMATS = {
    "contacts.csv": "contacts",
    "mailgun-bounces.csv": "mailgun-bounces",
    "mailgun-complaints.csv": "mailgun-complaints",
    "mailgun-unsubscribes.csv": "mailgun-unsubscribes",
    "mailgun-events-page.json": "mailgun-events",
    "mailgun-webhooks.jsonl": "mailgun-events",
    "twilio-messages-page.json": "twilio-json",
    "twilio-messages.csv": "twilio-csv",
}


def _summary(path: Path) -> list[tuple[object, ...]]:
    return [
        (r.line, r.event.address, r.event.effect, r.event.kind, r.event.reason, r.event.key)
        for r in events(parse(path))
    ]


@pytest.mark.parametrize(("name", "fmt"), sorted(FORMATS.items()))
def test_samples_are_detected_plain_and_gzipped(
    sample: Callable[[str], Path], gzipped: Callable[[Path], Path], name: str, fmt: str
) -> None:
    from console.importers import detect_format

    path = sample(name)
    assert detect_format(path) == fmt
    assert detect_format(gzipped(path)) == fmt
    plain = parse(path)
    assert not rejects(plain)
    assert [(type(r), r.line) for r in parse(gzipped(path))] == [(type(r), r.line) for r in plain]


def test_contacts(sample: Callable[[str], Path]) -> None:
    rows = contacts(parse(sample("contacts.csv")))
    assert [(r.line, r.name, r.email, r.phone) for r in rows] == [
        (2, "Ann Lee", "ann.lee@example.com", "+14155550100"),
        (3, "Bo Chen", "bo.chen@example.com", "+14155550101"),
        (4, "Cara Diaz", "cara@example.org", "+14155550102"),
        (5, "Dev Patel", "dev.patel@example.net", None),
        (6, "Eli Novak", None, "+14155550104"),
        (7, "Fay Ortiz", "fay@example.com", "+14155550105"),
    ]


def test_mailgun_events_page(sample: Callable[[str], Path]) -> None:
    set_, none, temp, spam = Effect.SET, Effect.NONE, DndKind.TEMPORARY, DndKind.SPAM
    assert _summary(sample("mailgun-events-page.json")) == [
        (
            1,
            "ann.lee@example.com",
            set_,
            temp,
            "email.bounce",
            "G9Bn5sl1TC6nu79C8C0bwg@1709287200.375624/failed/ann.lee@example.com",
        ),
        (
            2,
            "bo.chen@example.com",
            none,
            None,
            "failed/temporary/generic",
            "czsjqFATSlC3QtAK-C80nw@1709290800.107440/failed/bo.chen@example.com",
        ),
        (
            3,
            "cara@example.org",
            set_,
            temp,
            "email.unsubscribed",
            "Ase7i2zsRYeDXztHGENqRA@1709294400.873676/unsubscribed/cara@example.org",
        ),
        (
            4,
            "fay@example.com",
            set_,
            spam,
            "email.complained",
            "-Agny091SquKnsrW2NEKUA@1709298000.250304/complained/fay@example.com",
        ),
        (
            5,
            "dev.patel@example.net",
            none,
            None,
            "delivered",
            "hK7mQVt1QtqRiOfQXta4sw@1709301600.110352/delivered/dev.patel@example.net",
        ),
        (
            6,
            "ann.lee@example.com",
            set_,
            temp,
            "email.suppress-bounce",
            "pl271FzxTTmGRW8Uj3dUWw@1709305200.818328/failed/ann.lee@example.com",
        ),
    ]
    first = events(parse(sample("mailgun-events-page.json")))[0].event
    assert first.at_us == 1_709_287_200_375_624
    assert first.source == "mailgun" and first.channel is Channel.EMAIL
    assert first.detail == {"event": "failed"}


def test_mailgun_webhooks(sample: Callable[[str], Path]) -> None:
    rows = events(parse(sample("mailgun-webhooks.jsonl")))
    assert [(r.line, r.event.address, r.event.kind, r.event.reason) for r in rows] == [
        (1, "bo.chen@example.com", DndKind.SPAM, "email.suppress-complaint"),
        (2, "dev.patel@example.net", None, "failed/temporary/greylisted"),
    ]
    assert rows[1].event.detail == {"event": "failed", "label": "failed/temporary/greylisted"}
    assert rows[0].event.at_us == 1_709_370_000_500_000


def test_suppression_lists(sample: Callable[[str], Path]) -> None:
    bounces = events(parse(sample("mailgun-bounces.csv")))
    assert [(r.event.address, r.event.kind, r.event.reason, r.event.at_us) for r in bounces] == [
        ("ann.lee@example.com", DndKind.TEMPORARY, "email.suppress-bounce", 1_709_287_201_000_000),
        ("old.customer@example.com", DndKind.TEMPORARY, "email.suppress-bounce", 1_665_684_120_000_000),
    ]
    assert bounces[0].event.key == "bounces:ann.lee@example.com:1709287201000000"
    (unsub,) = events(parse(sample("mailgun-unsubscribes.csv")))
    assert (unsub.event.kind, unsub.event.reason) == (DndKind.TEMPORARY, "email.unsubscribed")
    (complaint,) = events(parse(sample("mailgun-complaints.csv")))
    assert (complaint.event.address, complaint.event.kind) == ("fay@example.com", DndKind.SPAM)
    assert complaint.event.reason == "email.complained"


def test_twilio_csv(sample: Callable[[str], Path]) -> None:
    rows = events(parse(sample("twilio-messages.csv")))
    got = [(r.line, r.event.address, r.event.effect, r.event.kind, r.event.reason) for r in rows]
    assert got == [
        (2, "+14155550100", Effect.SET, DndKind.PERMANENT, "sms.opt_out_keyword"),
        (3, "+14155550101", Effect.SET, DndKind.TEMPORARY, "sms.error_30003"),
        (4, "+14155550102", Effect.SET, DndKind.PERMANENT, "sms.error_30004"),
        (5, "+14155550104", Effect.NONE, None, "inbound/possible_opt_out"),
        (6, "+14155550105", Effect.NONE, None, "delivered"),
        (7, "+14155550100", Effect.LIFT, DndKind.SPAM, "sms.opt_in_keyword"),
    ]
    assert rows[0].event.detail == {"keyword": "STOP", "body": "STOP"}
    assert rows[0].event.key == "SM0a1b2c3d4e5f60718293a4b5c6d7e8f90:received"
    assert rows[3].event.detail["possible_opt_out"] == "1"
    assert rows[3].event.detail["body"] == "please stop texting me"
    assert rows[5].event.detail == {"keyword": "START", "body": "Start", "to": "+14155559000"}
    assert rows[0].event.at_us == 1_709_287_500_000_000
    assert all(r.event.channel is Channel.SMS and r.event.source == "twilio" for r in rows)


def test_twilio_api_page(sample: Callable[[str], Path]) -> None:
    rows = events(parse(sample("twilio-messages-page.json")))
    got = [(r.line, r.event.address, r.event.kind, r.event.reason, r.event.key) for r in rows]
    assert got == [
        (
            1,
            "+14155550105",
            DndKind.TEMPORARY,
            "sms.error_30006",
            "SM6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d:undelivered",
        ),
        (
            2,
            "+14155550101",
            DndKind.PERMANENT,
            "sms.opt_out_keyword",
            "SM7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e:received",
        ),
    ]
    assert rows[0].event.at_us == 1_709_402_402_000_000  # date_sent, not date_created
