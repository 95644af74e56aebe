"""RULES.md "Audit": a sealed and anchored chain. Each tamper case of issue 13, on SQLite and PostgreSQL.

The tampering is done behind the console's back with the database's own owner (sql()), the strongest writer a
test has; on PostgreSQL with ``db grant`` an agent's login cannot even do that.
"""

from __future__ import annotations

import hmac
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from console.store.audit import GENESIS, HASHED_COLUMNS, entry_hash, row_values
from console.store.sealing import key_file

from .clitools import CliRunner, Result, assert_user_error, sql


def make_entries(cli: CliRunner, turns: int = 3) -> int:
    """An admin (so checkpoints can be written), a contact and a few changes; the number of entries."""
    cli.ok("agents", "add", cli_actor(cli), "--role", "admin")
    cid = cli.ok("contacts", "add", "--name", "Ann Lee", "--phone", "+14155550100", "--json").json["id"]
    for n in range(turns):
        cli.ok("set", cid, "--channel", "sms", "--on" if n % 2 == 0 else "--off")
    verified = cli.ok("audit", "verify", "--json").json
    assert verified["ok"] and verified["entries"] >= turns + 1
    return int(verified["entries"])


def cli_actor(cli: CliRunner) -> str:
    assert cli.db_url
    if cli.db_url.startswith("postgresql"):
        return str(sql(cli.db_url, "SELECT current_user")[0][0])
    return os.environ["DND_CONSOLE_ACTOR"]


def broken(result: Result, *words: str) -> str:
    assert result.code == 1, str(result)
    assert "Traceback" not in result.output, str(result)
    for word in words:
        assert word in result.stdout, str(result)
    return result.stdout


def rows(db_url: str) -> list[dict[str, Any]]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return [dict(r) for r in conn.execute(text("SELECT * FROM events ORDER BY id")).mappings()]
    finally:
        engine.dispose()


def rehash_from(db_url: str, first: int) -> str:
    """Recompute the sha256 chain from entry ``first`` to the end and move the head, as a forger without the key
    would; returns the new last hash."""
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            entries = [dict(r) for r in conn.execute(text("SELECT * FROM events ORDER BY id")).mappings()]
            prev = GENESIS
            for row in entries:
                if row["id"] >= first:
                    row["hash"] = entry_hash(prev, row_values(row))
                    conn.execute(text("UPDATE events SET hash = :h WHERE id = :i"), {"h": row["hash"], "i": row["id"]})
                prev = row["hash"]
            conn.execute(
                text("UPDATE chain_head SET last_id = :i, last_hash = :h WHERE id = 1"),
                {"i": entries[-1]["id"], "h": prev},
            )
            return prev
    finally:
        engine.dispose()


# -- the cases of the tester's list --------------------------------------------------------------------------


def test_removing_the_last_entries_and_moving_the_head_fails_verification(cli: CliRunner, db_url: str) -> None:
    entries = make_entries(cli)
    keep = entries - 2
    [(old_hash,)] = sql(db_url, "SELECT hash FROM events WHERE id = :i", i=keep)
    sql(db_url, "DELETE FROM events WHERE id > :i", i=keep)
    sql(db_url, "UPDATE chain_head SET last_id = :i, last_hash = :h WHERE id = 1", i=keep, h=old_hash)
    broken(cli("audit", "verify"), f"entry {keep + 1}")


def test_a_head_restored_from_an_earlier_copy_is_caught_by_the_anchor(cli: CliRunner, db_url: str) -> None:
    make_entries(cli)
    [saved] = sql(db_url, "SELECT last_id, last_hash, seal FROM chain_head WHERE id = 1")  # a copy, sealed
    cli.ok("set", "1", "--channel", "email", "--on")
    cli.ok("set", "1", "--channel", "call", "--on")
    sql(db_url, "DELETE FROM events WHERE id > :i", i=saved[0])
    sql(
        db_url,
        "UPDATE chain_head SET last_id = :i, last_hash = :h, seal = :s WHERE id = 1",
        i=saved[0],
        h=saved[1],
        s=saved[2],
    )
    out = broken(cli("audit", "verify"), "anchor", f"entry {saved[0] + 1}")
    assert f"records entry {saved[0] + 2}" in out


@pytest.mark.parametrize("head", ["reset", "deleted"])
def test_a_ledger_that_recorded_entries_never_verifies_empty(cli: CliRunner, db_url: str, head: str) -> None:
    make_entries(cli)
    sql(db_url, "DELETE FROM events")
    if head == "reset":
        sql(db_url, "UPDATE chain_head SET last_id = 0, last_hash = :g, seal = NULL WHERE id = 1", g=GENESIS)
    else:
        sql(db_url, "DELETE FROM chain_head")
    result = cli("audit", "verify", "--json")
    assert result.code == 1 and result.json["entries"] == 0 and not result.json["ok"], str(result)
    assert "intact" not in cli("audit", "verify").stdout


def test_a_rewrite_with_recomputed_hashes_fails_verification(cli: CliRunner, db_url: str) -> None:
    make_entries(cli)
    sql(db_url, "UPDATE events SET actor = 'mallory' WHERE id = 3")
    broken(cli("audit", "verify"), "entry 3")  # the plain chain already sees it
    rehash_from(db_url, 3)
    out = broken(cli("audit", "verify"), "entry 3", "seal")
    assert "without the sealing key" in out
    assert cli("audit", "verify", "--json").json["broken_entry"] == 3


def test_an_appended_forgery_fails_verification(cli: CliRunner, db_url: str) -> None:
    entries = make_entries(cli)
    last = rows(db_url)[-1]
    forged = dict(last, id=entries + 1, key="forged-1", reason="review.approved", actor="rev1", seal=None)
    values = row_values(forged)
    forged["hash"] = entry_hash(last["hash"], values)
    for seal in (None, "0" * 64, last["seal"]):  # no seal, a made-up one, a copy of a real one
        forged["seal"] = seal
        columns = ", ".join(f'"{c}"' for c in (*HASHED_COLUMNS, "hash", "seal"))
        marks = ", ".join(f":{c}" for c in (*HASHED_COLUMNS, "hash", "seal"))
        sql(db_url, f"DELETE FROM events WHERE id = {entries + 1}")
        sql(db_url, f"INSERT INTO events ({columns}) VALUES ({marks})", **forged)
        sql(db_url, "UPDATE chain_head SET last_id = :i, last_hash = :h WHERE id = 1", i=entries + 1, h=forged["hash"])
        broken(cli("audit", "verify"), f"entry {entries + 1}")


def test_an_edited_channel_state_is_caught_by_replay(cli: CliRunner, db_url: str) -> None:
    make_entries(cli)  # Ann Lee: sms manual DND on
    assert cli("audit", "verify", "--replay").code == 0
    sql(db_url, "UPDATE channel_states SET dnd = :f, kind = NULL, reason = NULL WHERE channel = 'sms'", f=False)
    assert cli("audit", "verify").code == 0  # the chain itself is whole
    out = broken(cli("audit", "verify", "--replay"))
    assert "contact 1 (Ann Lee) sms: stored off, ledger DND manual" in out
    data = cli("audit", "verify", "--replay", "--json").json
    assert data["contact"] == 1 and data["channel"] == "sms" and not data["ok"]
    assert data["problem"] == "contact 1 (Ann Lee) sms: stored off, ledger DND manual"


def test_replay_names_the_first_difference_in_contact_id_order(cli: CliRunner, db_url: str) -> None:
    make_entries(cli)
    bo = cli.ok("contacts", "add", "--name", "Bo Chen", "--email", "bo@example.com", "--json").json["id"]
    sql(
        db_url,
        "INSERT INTO channel_states (contact_id, channel, dnd, kind, reason, since_us, source, event_id,"
        " last_order, version) VALUES (:c, 'email', :t, 'permanent', 'x', 1, 'agent', 1, '', 1)",
        c=bo,
        t=True,
    )
    sql(db_url, "UPDATE contacts SET dnd_mask = 0 WHERE id = 1")
    out = broken(cli("audit", "verify", "--replay"))
    assert "contact 1 (Ann Lee) sms: stored list flag off, ledger DND manual" in out
    sql(db_url, "UPDATE contacts SET dnd_mask = 2 WHERE id = 1")  # sms's bit back
    out = broken(cli("audit", "verify", "--replay"))
    assert f"contact {bo} (Bo Chen) email: stored DND permanent, ledger off" in out


@pytest.mark.parametrize("damage", ["deleted", "damaged"])
def test_a_deleted_or_damaged_head_row_is_one_line_never_a_traceback(cli: CliRunner, db_url: str, damage: str) -> None:
    make_entries(cli)
    if damage == "deleted":
        sql(db_url, "DELETE FROM chain_head")
    else:
        sql(db_url, "UPDATE chain_head SET last_hash = 'not a hash' WHERE id = 1")
    out = broken(cli("audit", "verify"), "chain head")
    assert len(out.strip().splitlines()) == 1
    assert ("missing" if damage == "deleted" else "damaged") in out
    # and later writes say so in one line instead of failing with a traceback
    assert_user_error(cli("set", "1", "--channel", "email", "--on"), 2, "chain head")
    assert_user_error(cli("agents", "add", "cy", "--role", "agent"), 2, "chain head")


def test_a_head_moved_without_the_key_refuses_writes(cli: CliRunner, db_url: str) -> None:
    entries = make_entries(cli)
    [(prev,)] = sql(db_url, "SELECT hash FROM events WHERE id = :i", i=entries - 1)
    sql(db_url, f"DELETE FROM events WHERE id = {entries}")
    sql(db_url, "UPDATE chain_head SET last_id = :i, last_hash = :h WHERE id = 1", i=entries - 1, h=prev)
    assert_user_error(cli("set", "1", "--channel", "email", "--on"), 2, "head")
    broken(cli("audit", "verify"), "seal")


def test_entries_are_sealed_with_hmac_of_their_hash(cli: CliRunner, db_url: str) -> None:
    make_entries(cli)
    entries = rows(db_url)
    assert all(r["seal"] and len(r["seal"]) == 64 for r in entries)
    assert len({r["seal"] for r in entries}) == len(entries)
    if db_url.startswith("sqlite"):
        key = bytes.fromhex(key_file(Path(db_url.removeprefix("sqlite:///")).resolve()).read_text().strip())
    else:
        [(key,)] = sql(db_url, "SELECT key FROM audit_key WHERE id = 1")
        key = bytes(key)
    assert all(r["seal"] == hmac.digest(key, r["hash"].encode(), "sha256").hex() for r in entries)


# -- checkpoints -------------------------------------------------------------------------------------------


def test_checkpoint_then_verify_against_it(cli: CliRunner, db_url: str, tmp_path: Path) -> None:
    entries = make_entries(cli)
    target = tmp_path / "elsewhere" / "checkpoint.json"
    target.parent.mkdir()
    written = cli.ok("audit", "checkpoint", "-o", target, "--json").json
    assert written["entry"] == entries
    data = json.loads(target.read_text())
    assert data["entry"] == entries and len(data["hash"]) == 64 and len(data["seal"]) == 64
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    cli.ok("set", "1", "--channel", "email", "--on")  # later entries: the checkpoint is still contained
    assert cli("audit", "verify", "--checkpoint", target).code == 0
    assert cli.ok("audit", "verify", "--checkpoint", target, "--json").json["checkpoint_entry"] == entries


def test_verify_fails_when_the_ledger_no_longer_contains_the_checkpoint(
    cli: CliRunner, db_url: str, tmp_path: Path
) -> None:
    entries = make_entries(cli)
    target = tmp_path / "checkpoint.json"
    cli.ok("audit", "checkpoint", "-o", target)
    # what only the key's holder can do: rewrite the whole ledger with fresh hashes *and* seals, head and anchor
    reseal_everything(db_url, first=2)
    verified = cli("audit", "verify")
    if db_url.startswith("sqlite"):
        assert verified.code == 0, str(verified)  # on SQLite the desk's owner holds the key: only a checkpoint
    out = broken(cli("audit", "verify", "--checkpoint", target), f"entry {entries}")
    assert "checkpoint" in out


def reseal_everything(db_url: str, first: int) -> None:
    """Rewrite entry ``first`` and recompute every hash and seal after it with the key (SQLite: the file)."""
    from console.store.sealing import Sealer, anchor_file, store_anchor

    if db_url.startswith("sqlite"):
        path = Path(db_url.removeprefix("sqlite:///")).resolve()
        key = bytes.fromhex(key_file(path).read_text().strip())
    else:
        [(raw,)] = sql(db_url, "SELECT key FROM audit_key WHERE id = 1")
        key = bytes(raw)
    sealer = Sealer(key)
    sql(db_url, "UPDATE events SET actor = 'mallory' WHERE id = :i", i=first)
    last_hash = rehash_from(db_url, first)
    for row in rows(db_url):
        sql(db_url, "UPDATE events SET seal = :s WHERE id = :i", s=sealer.entry_seal(row["hash"]), i=row["id"])
    last_id = rows(db_url)[-1]["id"]
    sql(db_url, "UPDATE chain_head SET seal = :s WHERE id = 1", s=sealer.head_seal(last_id, last_hash))
    if db_url.startswith("sqlite"):
        from sqlalchemy.engine import make_url

        from console.store.sealing import Anchor

        anchor_file(path).unlink()
        store_anchor(make_url(db_url), Anchor(last_id, last_hash, sealer.anchor_seal(last_id, last_hash)))
    else:
        sql(
            db_url,
            "UPDATE audit_anchor SET last_hash = :h, seal = :s WHERE id = 1",
            h=last_hash,
            s=sealer.anchor_seal(last_id, last_hash),
        )


def test_checkpoint_needs_an_admin_and_writes_nothing_otherwise(
    sqlite_cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_entries(sqlite_cli)
    monkeypatch.setenv("DND_CONSOLE_ACTOR", "plain-agent")
    target = tmp_path / "cp.json"
    assert_user_error(sqlite_cli("audit", "checkpoint", "-o", target), 1, "admin")
    assert not target.exists()


@pytest.mark.parametrize(
    "content", [None, "", "not json", '{"entry": 1}', '{"format": "dnd-console audit checkpoint"}']
)
def test_a_missing_or_unreadable_checkpoint_is_bad_usage(cli: CliRunner, tmp_path: Path, content: str | None) -> None:
    make_entries(cli)
    target = tmp_path / "cp.json"
    if content is not None:
        target.write_text(content)
    assert_user_error(cli("audit", "verify", "--checkpoint", target), 2, "checkpoint")


# -- files on the desk -------------------------------------------------------------------------------------


def test_sqlite_sealing_key_and_anchor_are_private(sqlite_cli: CliRunner, sqlite_url: str) -> None:
    old = os.umask(0o000)
    try:
        make_entries(sqlite_cli)
    finally:
        os.umask(old)
    path = Path(sqlite_url.removeprefix("sqlite:///")).resolve()
    for name in (".key", ".anchor"):
        assert stat.S_IMODE(path.with_name(path.name + name).stat().st_mode) == 0o600


def test_a_missing_sqlite_key_is_reported_and_writes_refused(sqlite_cli: CliRunner, sqlite_url: str) -> None:
    make_entries(sqlite_cli)
    path = Path(sqlite_url.removeprefix("sqlite:///")).resolve()
    key_file(path).unlink()
    out = broken(sqlite_cli("audit", "verify"), "key")
    assert len(out.strip().splitlines()) == 1
    assert_user_error(sqlite_cli("set", "1", "--channel", "email", "--on"), 2, "key")
