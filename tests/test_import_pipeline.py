"""The import pipeline: buckets that add up, batches, rejects kept, interruption, and order independence."""

from __future__ import annotations

import gc
import hashlib
import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from console.domain.channels import Channel
from console.importers.pipeline import run_import
from console.importers.summary import ImportProgress
from console.store.db import Store
from console.store.history import contact_history
from console.store.models import Contact, ImportBatch, ImportReject
from console.store.queries import channel_states
from tests.conftest import SAMPLES

EVENT_FILES = sorted(p for p in SAMPLES.iterdir() if p.name != "contacts.csv" and p.suffix != ".md")

#: EXPECTED.md, as (email kind, email reason, sms kind, sms reason) per contact name.
EXPECTED = {
    "Ann Lee": ("temporary", "email.bounce", None, None),
    "Bo Chen": ("spam", "email.suppress-complaint", "permanent", "sms.opt_out_keyword"),
    "Cara Diaz": ("temporary", "email.unsubscribed", "permanent", "sms.error_30004"),
    "Dev Patel": (None, None, None, None),
    "Eli Novak": (None, None, None, None),
    "Fay Ortiz": ("spam", "email.complained", "temporary", "sms.error_30006"),
}


def final_state(store: Store, location_id: int = 1) -> dict[str, tuple[str | None, ...]]:
    out: dict[str, tuple[str | None, ...]] = {}
    with store.read() as session:
        for contact in session.scalars(select(Contact).where(Contact.location_id == location_id)):
            states = channel_states(session, contact.id)
            email, sms = states[Channel.EMAIL].state, states[Channel.SMS].state
            out[contact.name] = (email.kind, email.reason, sms.kind, sms.reason)
            others = [c for c in Channel if c not in (Channel.EMAIL, Channel.SMS) and states[c].state.dnd]
            assert not others, (contact.name, others)
    return out


def test_samples_give_the_expected_final_state_and_every_record_lands_in_one_bucket(store: Store) -> None:
    summary = run_import(store, [SAMPLES / "contacts.csv", *EVENT_FILES], location=None, actor="tester")
    data = summary.as_dict()
    assert (
        data["records"]
        == data["applied"] + data["no_effect"] + data["duplicates"] + data["unmatched"] + data["rejected"]
    )
    assert (data["records"], data["applied"], data["no_effect"], data["unmatched"]) == (20, 14, 5, 1)
    assert data["possible_opt_outs"] == 1 and data["contacts"]["created"] == 6
    assert data["no_effect_by_label"]["delivered"] == 2
    assert final_state(store) == EXPECTED


def test_reimporting_counts_every_record_as_a_duplicate_and_changes_nothing(store: Store) -> None:
    run_import(store, [SAMPLES / "contacts.csv", *EVENT_FILES], location=None, actor="tester")
    again = run_import(store, EVENT_FILES, location=None, actor="tester").as_dict()
    assert again["duplicates"] == again["records"] == 20
    assert final_state(store) == EXPECTED


def test_each_run_is_a_batch_with_files_sha256_who_and_counts_shown_in_history(store: Store) -> None:
    summary = run_import(store, [SAMPLES / "contacts.csv", SAMPLES / "twilio-messages.csv"], location=None,
                         actor="agent-7")
    with store.read() as session:
        batch = session.get(ImportBatch, summary.batch_id)
        assert batch is not None and batch.actor == "agent-7" and batch.state == "done"
        digest = hashlib.sha256((SAMPLES / "twilio-messages.csv").read_bytes()).hexdigest()
        assert digest in batch.files and '"applied"' in (batch.counts or "")
        ann = session.scalars(select(Contact).where(Contact.name == "Ann Lee")).one()
        entry = contact_history(session, ann)[0]
    assert entry.batch_id == summary.batch_id and "twilio-messages.csv" in (entry.batch_files or "")


def test_rejected_records_are_listed_with_file_and_line_and_kept_with_their_raw_text(
    store: Store, tmp_path: Path
) -> None:
    bad = tmp_path / "bounces.csv"
    bad.write_text("address,code,error,created_at\n"
                   "ok@example.com,550,x,\"Fri, 01 Mar 2024 10:00:01 GMT\"\n"
                   "late@example.com,550,x,not a date\n", encoding="utf-8")
    summary = run_import(store, [bad], location=None, actor="tester")
    assert summary.as_dict()["rejects"] == [{"file": str(bad), "line": 3, "error": summary.rejects[0].error}]
    assert summary.counts["unmatched"] == 1
    with store.read() as session:
        kept = session.scalars(select(ImportReject)).one()
    assert kept.line == 3 and "not a date" in kept.raw


def test_an_interrupted_import_keeps_what_was_committed_and_a_rerun_completes_it(store: Store, tmp_path: Path) -> None:
    big = tmp_path / "twilio.csv"
    lines = (SAMPLES / "twilio-messages.csv").read_text().splitlines()
    rows = [lines[0]] + [line.replace("SM", f"SMx{n:03d}", 1) for n in range(40) for line in lines[1:]]
    big.write_text("\n".join(rows) + "\n")
    run_import(store, [SAMPLES / "contacts.csv"], location=None, actor="tester")
    calls = itertools.count()

    def interrupt(_: ImportProgress) -> None:
        if next(calls) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_import(store, [big], location=None, actor="tester", progress=interrupt, chunk_records=50)
    with store.read() as session:
        states = [b.state for b in session.scalars(select(ImportBatch).order_by(ImportBatch.id))]
    assert states[-1] == "interrupted"
    rerun = run_import(store, [big], location=None, actor="tester").as_dict()
    assert rerun["duplicates"] == 150 and rerun["records"] == 240


def test_cancel_stops_after_the_chunk_in_hand(store: Store, tmp_path: Path) -> None:
    big = tmp_path / "events.jsonl"
    line = (SAMPLES / "mailgun-webhooks.jsonl").read_text().splitlines()[1]
    big.write_text("\n".join(line.replace("nT5fJ2kL", f"id{n:05d}") for n in range(500)) + "\n")
    asked = itertools.count()
    summary = run_import(
        store, [big], location=None, actor="tester", should_stop=lambda: next(asked) > 0, chunk_records=100
    )
    assert summary.cancelled and summary.as_dict()["records"] == 100


def _split(text: str, cuts: list[int], header: bool) -> list[str]:
    lines = text.splitlines()
    head, body = (lines[:1], lines[1:]) if header else ([], lines)
    bounds = sorted({0, len(body), *(c % (len(body) + 1) for c in cuts)})
    return ["\n".join(head + body[a:b]) + "\n" for a, b in itertools.pairwise(bounds) if b > a]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.permutations(range(4)), st.lists(st.integers(0, 20), max_size=3), st.lists(st.integers(0, 20), max_size=2))
def test_import_order_and_file_split_never_change_the_final_state(
    tmp_path_factory: pytest.TempPathFactory, order: list[int], twilio_cuts: list[int], webhook_cuts: list[int]
) -> None:
    folder = tmp_path_factory.mktemp("split")
    store = Store(f"sqlite:///{folder / 'db.sqlite'}")
    parts: list[list[Path]] = [[SAMPLES / "mailgun-events-page.json", SAMPLES / "twilio-messages-page.json"],
                               [SAMPLES / "mailgun-bounces.csv", SAMPLES / "mailgun-complaints.csv",
                                SAMPLES / "mailgun-unsubscribes.csv"], [], []]
    for n, text in enumerate(_split((SAMPLES / "twilio-messages.csv").read_text(), twilio_cuts, header=True)):
        (folder / f"twilio-{n}.csv").write_text(text)
        parts[2].append(folder / f"twilio-{n}.csv")
    for n, text in enumerate(_split((SAMPLES / "mailgun-webhooks.jsonl").read_text(), webhook_cuts, header=False)):
        (folder / f"hooks-{n}.jsonl").write_text(text)
        parts[3].append(folder / f"hooks-{n}.jsonl")
    run_import(store, [SAMPLES / "contacts.csv"], location=None, actor="tester")
    for index in order:
        for path in parts[index]:
            run_import(store, [path], location=None, actor="tester")
    assert final_state(store) == EXPECTED
    store.dispose()


def test_contact_rows_refused_while_matching_are_kept_with_their_cells(store: Store, tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text("name,email,phone,location\nAnn,ann@example.com,,Default\nBo,bo@example.com,,Nowhere\nCy,,,\n")
    summary = run_import(store, [people], location=None, actor="tester")
    assert summary.contacts is not None and (summary.contacts.created, summary.contacts.rejected) == (1, 2)
    with store.read() as session:
        kept = {r.line: r for r in session.scalars(select(ImportReject))}
    assert set(kept) == {3, 4}
    assert "Nowhere" in kept[3].error and "bo@example.com" in kept[3].raw
    assert "no email" in kept[4].error and "Cy" in kept[4].raw


def test_overlapping_imports_restore_the_garbage_collector_settings() -> None:
    from console.importers.pipeline import rare_gc

    before = gc.get_threshold()
    first, second = rare_gc(), rare_gc()
    first.__enter__()
    second.__enter__()  # imports on two threads overlap
    assert gc.get_threshold() != before
    first.__exit__(None, None, None)
    assert gc.get_threshold() != before  # the other import is still running
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before
