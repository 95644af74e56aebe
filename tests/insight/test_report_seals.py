"""The consent report's audit part checks the cited entries' seals and the chain head, not only the hashes."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from console.domain.channels import Channel
from console.store.audit import GENESIS, entry_hash, row_values
from tests.cli.clitools import CliRunner, sql
from tests.helpers import World, agent_event, sms_stop
from tests.insight.test_report import PHONE, report


def rechain_from(db_url: str, first: int) -> None:
    """Recompute the hashes from entry ``first`` on (as someone without the key would), keeping the old seals."""
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            prev = conn.execute(text("SELECT hash FROM events WHERE id = :i"), {"i": first - 1}).scalar() or GENESIS
            rows = conn.execute(text("SELECT * FROM events WHERE id >= :i ORDER BY id"), {"i": first}).mappings()
            last_id, last_hash = first - 1, prev
            for row in list(rows):
                new = entry_hash(str(prev), row_values(row))
                conn.execute(text("UPDATE events SET hash = :h WHERE id = :i"), {"h": new, "i": row["id"]})
                prev, last_id, last_hash = new, row["id"], new
            conn.execute(text("UPDATE chain_head SET last_id = :i, last_hash = :h WHERE id = 1"),
                         {"i": last_id, "h": last_hash})
    finally:
        engine.dispose()


def test_an_intact_report_says_every_seal_and_the_head_s_seal_were_checked(
    world: World, cli: CliRunner, tmp_path: Path
) -> None:
    ann = world.contact()
    world.record(sms_stop(PHONE, "2024-03-01 10:00"), agent_event(ann.id, Channel.EMAIL, "2024-03-02 10:00", True))
    page = report(cli, ann.id, tmp_path)
    assert "Audit verification: intact (2 entries)" in page.text
    assert "2 of 2 seals valid" in page.text and "its seal is valid" in page.text


def test_a_cited_entry_with_a_wrong_seal_fails_the_report_s_audit(
    world: World, cli: CliRunner, db_url: str, tmp_path: Path
) -> None:
    ann = world.contact()
    stop = world.record(sms_stop(PHONE, "2024-03-01 10:00")).outcomes[0].event_id
    sql(db_url, "UPDATE events SET seal = :s WHERE id = :id", s="0" * 64, id=stop)
    page = report(cli, ann.id, tmp_path)
    assert f"Audit verification: BROKEN (entry {stop} has a wrong seal" in page.text
    assert "0 of 1 seals valid" in page.text


def test_an_entry_rewritten_with_recomputed_hashes_fails_on_its_seal(
    world: World, cli: CliRunner, db_url: str, tmp_path: Path
) -> None:
    """The hashes alone would pass: whoever rewrote the entry recomputed the chain, but had no key to seal it."""
    ann = world.contact()
    stop = world.record(sms_stop(PHONE, "2024-03-01 10:00")).outcomes[0].event_id
    world.record(agent_event(ann.id, Channel.EMAIL, "2024-03-02 10:00", True))
    sql(db_url, "UPDATE events SET reason = 'sms.error_30003', kind = 'temporary' WHERE id = :id", id=stop)
    rechain_from(db_url, stop)
    page = report(cli, ann.id, tmp_path)
    assert "was altered" not in page.text  # the links hold
    assert f"entry {stop} has a wrong seal" in page.text and "BROKEN" in page.text


def test_a_chain_head_moved_without_the_key_fails_the_report_s_audit(
    world: World, cli: CliRunner, db_url: str, tmp_path: Path
) -> None:
    ann = world.contact()
    world.record(sms_stop(PHONE, "2024-03-01 10:00"), agent_event(ann.id, Channel.EMAIL, "2024-03-02 10:00", True))
    sql(db_url, "UPDATE chain_head SET seal = :s WHERE id = 1", s="f" * 64)
    page = report(cli, ann.id, tmp_path)
    assert "BROKEN (the chain head's seal is wrong" in page.text
    assert "its seal could not be confirmed" in page.text


def test_a_chain_head_that_names_another_hash_fails_the_report_s_audit(
    world: World, cli: CliRunner, db_url: str, tmp_path: Path
) -> None:
    ann = world.contact()
    world.record(sms_stop(PHONE, "2024-03-01 10:00"))
    sql(db_url, "UPDATE chain_head SET last_hash = :h WHERE id = 1", h="a" * 64)
    page = report(cli, ann.id, tmp_path)
    assert "the chain head does not match entry" in page.text


