"""``report``: the consent record as HTML (parsed here) and PDF (first bytes and pages), on both backends."""

from __future__ import annotations

import hashlib
import io
import re
from html.parser import HTMLParser
from pathlib import Path

from pypdf import PdfReader

from console.domain.channels import CHANNEL_ORDER, Channel, DndKind
from tests.cli.clitools import CliRunner, assert_user_error, sql
from tests.helpers import World, agent_event, sms_stop

PHONE = "+14155550100"


class Page(HTMLParser):
    """What the tests read back: cited entries, channel rows, links, tags, and the visible text."""

    def __init__(self, source: str) -> None:
        super().__init__()
        self.entries: list[int] = []
        self.channels: list[str] = []
        self.links: list[str] = []
        self.tags: list[str] = []
        self.chunks: list[str] = []
        self.feed(source)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append(tag)
        if found.get("data-entry"):
            self.entries.append(int(str(found["data-entry"])))
        if found.get("data-channel"):
            self.channels.append(str(found["data-channel"]))
        if tag == "a" and found.get("href") and not str(found["href"]).startswith("#"):
            self.links.append(str(found["href"]))

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.chunks).split())


def report(cli: CliRunner, contact: object, tmp_path: Path, *extra: str) -> Page:
    out = tmp_path / "report.html"
    cli.ok("report", str(contact), "-o", out, *extra)
    return Page(out.read_text(encoding="utf-8"))


def history_ids(cli: CliRunner, contact: object) -> list[int]:
    return [e["event"] for e in cli.ok("history", str(contact), "--json").json]


def test_the_report_cites_every_ledger_entry_of_the_contact(world: World, cli: CliRunner, tmp_path: Path) -> None:
    ann = world.contact()
    world.record(sms_stop(PHONE, "2024-03-01 10:00"), agent_event(ann.id, Channel.EMAIL, "2024-03-02 10:00", True))
    cli.ok("set", ann.id, "--channel", "call", "--inbound", "--on")
    page = report(cli, ann.id, tmp_path)
    ids = history_ids(cli, ann.id)
    assert len(ids) == 3 and page.entries == ids
    assert f"Audit verification: intact ({len(ids)} entries)" in page.text
    assert "sms.opt_out_keyword" in page.text and "Replied STOP" in page.text  # reason code and words
    assert "(inbound)" in page.text


def test_the_report_shows_each_channels_state_now_with_label_and_id(
    world: World, cli: CliRunner, tmp_path: Path
) -> None:
    ann = world.contact()
    world.record(sms_stop(PHONE, "2024-03-01 10:00"))
    page = report(cli, ann.id, tmp_path)
    assert page.channels == [c.value for c in CHANNEL_ORDER]
    for channel in CHANNEL_ORDER:
        assert channel.label in page.text
    assert "DND permanent, locked" in page.text
    assert "Ann Lee" in page.text and "ann@example.com" in page.text and PHONE in page.text


def test_the_report_shows_the_source_of_each_entry(cli: CliRunner, samples: Path, tmp_path: Path) -> None:
    cli.ok("import", samples / "contacts.csv", samples / "twilio-messages.csv")
    page = report(cli, PHONE, tmp_path)
    digest = hashlib.sha256((samples / "twilio-messages.csv").read_bytes()).hexdigest()
    assert "twilio-messages.csv" in page.text and f"sha256 {digest}" in page.text
    assert "SM0a1b2c3d4e5f60718293a4b5c6d7e8f90" in page.text  # the provider's id of the STOP
    assert re.search(r"Import batch #\d+, run by \S+ on \d{4}-\d\d-\d\dT", page.text)


def test_the_report_shows_reviews_with_evidence_links_and_decisions(
    world: World, cli: CliRunner, tmp_path: Path
) -> None:
    ann = world.contact()
    world.record(sms_stop(PHONE, "2024-03-01 10:00"))
    evidence = ("--evidence", "https://evidence.example.com/a.mp4", "--relationship-number", "+14155559000")
    cli.ok("review", "submit", ann.id, "--channel", "sms", *evidence, "--note", "called the desk")
    page = report(cli, ann.id, tmp_path)
    assert page.links == ["https://evidence.example.com/a.mp4"]
    assert "Review #1" in page.text and "pending" in page.text and "+14155559000" in page.text
    assert "not decided" in page.text and "called the desk" in page.text


def test_every_value_from_outside_is_html_escaped(cli: CliRunner, tmp_path: Path) -> None:
    name = '<script>alert("x")</script> & <b>Bo</b>'
    cid = cli.ok("contacts", "add", "--name", name, "--phone", PHONE, "--json").json["id"]
    cli.ok("set", cid, "--channel", "sms", "--on", "--note", "<img src=x onerror=alert(1)>")
    page = report(cli, cid, tmp_path)
    assert "script" not in page.tags and "img" not in page.tags
    assert name in page.text and "<img src=x onerror=alert(1)>" in page.text


def test_the_audit_verification_says_what_is_broken(world: World, cli: CliRunner, db_url: str, tmp_path: Path) -> None:
    ann = world.contact()
    stop = world.record(sms_stop(PHONE, "2024-03-01 10:00")).outcomes[0].event_id
    sql(db_url, "UPDATE events SET reason = 'sms.error_30003' WHERE id = :id", id=stop)
    page = report(cli, ann.id, tmp_path)
    assert f"Audit verification: BROKEN (entry {stop} was altered)" in page.text


def test_the_pdf_report_renders_the_same_page(world: World, cli: CliRunner, tmp_path: Path) -> None:
    ann = world.contact()
    toggles = [
        agent_event(ann.id, CHANNEL_ORDER[n % 6], f"2024-03-{1 + n // 6:02d} 10:00", n % 12 < 6, DndKind.MANUAL)
        for n in range(48)
    ]
    world.record(*toggles)
    out = tmp_path / "report.pdf"
    cli.ok("report", ann.id, "--format", "pdf", "-o", out)
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 3  # 48 entries do not fit on one page
    first = reader.pages[0].extract_text()
    assert "Consent record" in first and "Ann Lee" in first
    last = reader.pages[-1].extract_text()
    assert "Audit verification: intact" in " ".join(last.split())


def test_report_needs_a_known_format_and_a_writable_file(world: World, cli: CliRunner, tmp_path: Path) -> None:
    ann = world.contact()
    assert cli("report", ann.id, "--format", "docx", "-o", tmp_path / "r.docx").code == 2
    assert_user_error(cli("report", ann.id, "-o", tmp_path / "missing" / "r.html"), 2, "cannot write")
    assert_user_error(cli("report", "nobody@example.com", "-o", tmp_path / "r.html"), 2, "no contact")
