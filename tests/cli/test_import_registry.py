"""A provider format is one object: a format defined here, and only here, is detected, offered by ``--format`` and
imported end to end; a registration that could not work fails when it is made."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest
from sqlalchemy import create_engine, text

from console.domain.channels import Channel
from console.domain.events import Effect, Event, Source
from console.domain.triggers import mailgun_trigger
from console.importers import registry
from console.importers.base import Record, Reject
from console.importers.csvfile import CsvTable
from console.importers.detect import detect_format
from console.importers.fast import make_record
from console.importers.isolated import run_import_isolated
from console.importers.registry import FormatError, Head, Layout, ProviderFormat, ReadContext
from console.store.db import Store

from .clitools import CliRunner

#: Acme's delivery report: one row per message, ``outcome`` is ``delivered`` or ``hard-bounce``.
ACME_COLUMNS = {"id": ("acmeid",), "to": ("recipient",), "outcome": ("outcome",), "at": ("sentat",)}
ACME_FILE = """acme_id,recipient,outcome,sent_at
A-1,ann.lee@example.com,hard-bounce,1709287200
A-2,bo.chen@example.com,delivered,1709287260
A-3,not an address,hard-bounce,1709287320
"""
CONTACTS = """name,email
Ann Lee,ann.lee@example.com
Bo Chen,bo.chen@example.com
"""


def _score(head: Head) -> int:
    return 200 if not head.json and {"acmeid", "recipient", "outcome"} <= head.columns else 0


def _read(stream: BinaryIO, context: ReadContext) -> Iterator[Record]:
    table = CsvTable(stream, context.path, ACME_COLUMNS, ("id", "to", "outcome", "at"), context.latin1)
    i_id, i_to, i_outcome, i_at = table.required_indexes(("id", "to", "outcome", "at"))
    file = str(context.path)
    for line, _, row, problem, raw in table.rows():
        if row is None:
            if problem:
                yield Reject(file, line, problem, raw)
            continue
        address = row[i_to].strip().lower()
        if "@" not in address or " " in address:
            yield Reject(file, line, "recipient is not an email address", table.raw(row))
            continue
        at_us = int(row[i_at]) * 1_000_000
        trigger = mailgun_trigger("failed", "permanent", "bounce") if row[i_outcome] == "hard-bounce" else None
        key = f"acme:{row[i_id]}"
        if trigger is None:
            event = Event(Source.MAILGUN.value, key, at_us, Channel.EMAIL, Effect.NONE, None, "acme/delivered",
                          address, detail={"label": "acme/delivered"})
        else:
            event = Event(Source.MAILGUN.value, key, at_us, Channel.EMAIL, Effect.SET, trigger.kind, trigger.reason,
                          address)
        yield make_record(file, line, event)


ACME = ProviderFormat(
    name="acme-csv",
    source=Source.MAILGUN.value,
    title="Acme delivery report (CSV)",
    score=_score,
    layout=lambda head: Layout.CSV,
    read=_read,
    patterns=("*.acme",),
)


@pytest.fixture
def acme() -> Iterator[ProviderFormat]:
    registry.register(ACME)
    try:
        yield ACME
    finally:
        registry.unregister(ACME.name)


def test_a_registered_format_is_detected_listed_and_imported(cli: CliRunner, acme: ProviderFormat,
                                                             tmp_path: Path) -> None:
    report = tmp_path / "report.txt"  # the name says nothing: detection reads the content
    report.write_text(ACME_FILE)
    contacts = tmp_path / "people.csv"
    contacts.write_text(CONTACTS)
    assert detect_format(report) == "acme-csv"
    assert "acme-csv" in registry.names() and "*.acme" in registry.file_patterns()

    summary = cli("import", report, contacts, "--json")
    assert summary.code == 1, str(summary)  # one row rejected
    data = summary.json
    assert {Path(f["path"]).name: f["format"] for f in data["files"]} == {
        "people.csv": "contacts", "report.txt": "acme-csv"}
    assert (data["records"], data["applied"], data["no_effect"], data["rejected"]) == (3, 1, 1, 1)
    assert data["no_effect_by_label"] == {"acme/delivered": 1}
    assert [r["line"] for r in data["rejects"]] == [4]

    [ann] = cli.ok("status", "ann.lee@example.com", "--json").json["contacts"]
    email = ann["channels"]["email"]
    assert email["dnd"]
    assert (email["kind"], email["reason"], email["source"]) == ("temporary", "email.bounce", "mailgun")
    [bo] = cli.ok("status", "bo.chen@example.com", "--json").json["contacts"]
    assert not bo["channels"]["email"]["dnd"]

    # the delivered row triggered nothing: kept outside the hash chain, as Mailgun's own no-effect records are
    engine = create_engine(cli.db_url or "")
    try:
        with engine.connect() as conn:
            chained = conn.execute(text("SELECT \"key\" FROM events WHERE \"key\" LIKE 'acme:%'")).scalars().all()
            kept = conn.execute(text("SELECT \"key\" FROM noop_records WHERE \"key\" LIKE 'acme:%'")).scalars().all()
    finally:
        engine.dispose()
    assert (chained, kept) == (["acme:A-1"], ["acme:A-2"])

    # a re-import is idempotent (the no-effect record too: its key is kept)
    again = cli("import", report, "--json").json
    assert (again["applied"], again["duplicates"], again["rejected"]) == (0, 2, 1)

    # --format offers it, and forcing it on a file of another format refuses that file (its columns are missing)
    forced = cli("import", "--format", "acme-csv", contacts)
    assert forced.code == 2 and "missing" in forced.output, str(forced)


def test_format_choice_lists_the_registry(cli: CliRunner, acme: ProviderFormat) -> None:
    helped = cli.ok("import", "--help").stdout
    assert "acme-csv" in helped and "twilio-form" in helped
    registry.unregister("acme-csv")
    bad = cli("import", "--format", "acme-csv", "x.csv")
    assert bad.code == 2 and "acme-csv" in bad.output


def test_unknown_source_fails_at_registration() -> None:
    stray = ProviderFormat("stray-csv", "acme", "Acme", _score, lambda head: Layout.CSV, _read)
    with pytest.raises(FormatError, match="unknown provider source 'acme'"):
        registry.register(stray)
    assert registry.get("stray-csv") is None


def test_a_taken_name_or_a_bad_name_fails_at_registration(acme: ProviderFormat) -> None:
    with pytest.raises(FormatError, match="a format of that name is registered"):
        registry.register(ACME)
    with pytest.raises(FormatError, match="lowercase"):
        registry.register(ProviderFormat("Acme CSV", Source.TWILIO.value, "x", _score, lambda h: Layout.CSV, _read))


def test_a_format_registered_at_run_time_is_read_by_this_process_only(acme: ProviderFormat) -> None:
    assert not registry.in_every_process("acme-csv")  # a parser process would not know it: never split
    assert all(registry.in_every_process(name) for name in registry.names() if name != "acme-csv")


def test_builtin_formats_each_name_a_provider_source_or_are_contacts() -> None:
    from console.domain.events import PROVIDER_SOURCES

    for fmt in registry.formats():
        assert fmt.contacts or fmt.source in PROVIDER_SOURCES, fmt.name
    assert [f.name for f in registry.formats() if f.contacts] == ["contacts"]
    assert registry.names()[:8] == (
        "contacts", "mailgun-events", "mailgun-bounces", "mailgun-unsubscribes", "mailgun-complaints",
        "twilio-csv", "twilio-json", "twilio-form",
    )


def test_every_module_of_the_formats_package_is_loaded_and_registers_a_format() -> None:
    import pkgutil
    import sys

    import console.importers.formats as package

    registry.names()
    modules = [m.name for m in pkgutil.iter_modules(package.__path__)]
    assert set(modules) >= {"contacts", "mailgun", "twilio"}
    for name in modules:
        module = sys.modules[f"console.importers.formats.{name}"]
        assert any(getattr(f.read, "__module__", None) == module.__name__ or
                   getattr(getattr(f.read, "func", None), "__module__", None) == module.__name__
                   for f in registry.formats()), name


def test_the_windows_import_reads_a_format_registered_at_run_time(acme: ProviderFormat, sqlite_store: Store,
                                                                  tmp_path: Path) -> None:
    # a fresh import process would not know acme-csv: the window's import then runs in this process
    report, contacts = tmp_path / "report.csv", tmp_path / "people.csv"
    report.write_text(ACME_FILE)
    contacts.write_text(CONTACTS)
    summary = run_import_isolated(sqlite_store, [report, contacts], location=None, actor="tester")
    assert [f["format"] for f in summary.files] == ["contacts", "acme-csv"]
    assert (summary.counts["applied"], summary.counts["no_effect"], summary.rejected_total) == (1, 1, 1)
