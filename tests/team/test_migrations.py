"""Schema upgrades from an empty database and from every earlier revision; a newer schema is never touched."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from console.domain.channels import Channel
from console.store.audit import GENESIS, HASHED_COLUMNS, entry_hash
from console.store.db import make_engine
from console.store.migrate import alembic_config, current_revision, ensure_schema, head_revision
from console.store.tables import order_text

from .conftest import Databases, Result, assert_one_line_error

Cli = Callable[..., Result]
AT = 1_709_287_200_000_000
#: The last revision whose console wrote unsealed entries (0005 seals the ledger).
SEALED_FROM_REVISION_BEFORE = "0004"


def earlier_revisions() -> list[str]:
    """Every revision but the head, oldest first (whatever revisions exist when the test runs)."""
    script = ScriptDirectory.from_config(alembic_config())
    revisions = [rev.revision for rev in script.walk_revisions()]
    revisions.reverse()
    return [rev for rev in revisions if rev != head_revision()]


def seed_old_database(url: str, revision: str) -> int:
    """A database at ``revision`` holding data written the way that revision's console wrote it.

    From 0005 on the console seals every entry it writes: the data is written at 0004 and sealed by 0005's upgrade,
    as a database of that time would be."""
    engine = make_engine(url)
    written_at = min(revision, SEALED_FROM_REVISION_BEFORE)
    try:
        ensure_schema(engine, target=written_at)
        assert current_revision(engine) == written_at
        with engine.begin() as conn:
            contact_id = conn.execute(
                text(
                    "INSERT INTO contacts (location_id, name, email, phone, created_at_us, updated_at_us, dnd_mask) "
                    "VALUES (1, 'Ann Lee', 'ann@example.com', '+14155550100', :t, :t, :mask) RETURNING id"
                ),
                {"t": AT, "mask": Channel.EMAIL.bit},
            ).scalar_one()
            values = (1, 1, "mailgun", "old-1", AT, AT, "email", "set", "temporary", "email.bounce",
                      "ann@example.com", None, "tester", None, 0, None)
            row = dict(zip(HASHED_COLUMNS, values, strict=True))
            row["provider_cleared"] = False
            row["hash"] = entry_hash(GENESIS, values)
            columns = ", ".join(f'"{c}"' for c in row)
            conn.execute(text(f"INSERT INTO events ({columns}) VALUES ({', '.join(':' + c for c in row)})"), row)
            conn.execute(text("UPDATE chain_head SET last_id = 1, last_hash = :h WHERE id = 1"), {"h": row["hash"]})
            conn.execute(
                text(
                    "INSERT INTO channel_states (contact_id, channel, dnd, kind, reason, since_us, source, event_id,"
                    " last_order, version, changed_by) VALUES (:cid, 'email', :dnd, 'temporary', 'email.bounce',"
                    " :t, 'mailgun', 1, :order, 1, 'tester')"
                ),
                {"cid": contact_id, "dnd": True, "t": AT, "order": order_text(AT, "set", "mailgun", "old-1")},
            )
            conn.execute(
                text("INSERT INTO agents (name, role, added_by, added_at_us) VALUES ('tester', 'admin', 'tester', :t)"),
                {"t": AT},
            )
        if written_at != revision:
            ensure_schema(engine, target=revision)
            assert current_revision(engine) == revision
        return int(contact_id)
    finally:
        engine.dispose()


def test_upgrade_creates_an_empty_database(databases: Databases, run_cli: Cli) -> None:
    url = databases.new()
    result = run_cli(url, "db", "upgrade")
    assert result.code == 0, result
    assert head_revision() in result.stdout
    again = run_cli(url, "db", "upgrade")
    assert again.code == 0 and head_revision() in again.stdout
    listed = run_cli(url, "locations", "list", "--json")
    assert [loc["name"] for loc in json.loads(listed.stdout)["locations"]] == ["Default"]
    assert run_cli(url, "audit", "verify").code == 0


@pytest.mark.parametrize("revision", earlier_revisions())
def test_upgrade_from_an_earlier_revision_keeps_the_data(databases: Databases, run_cli: Cli, revision: str) -> None:
    url = databases.new()
    contact_id = seed_old_database(url, revision)

    result = run_cli(url, "db", "upgrade")
    assert result.code == 0, result
    assert head_revision() in result.stdout

    status = run_cli(url, "status", "ann@example.com", "--json")
    assert status.code == 0, status
    (contact,) = json.loads(status.stdout)["contacts"]
    assert contact["id"] == contact_id and contact["status"] == "partial"
    assert contact["channels"]["email"] | {"since": None} == {
        "connected": True, "dnd": True, "kind": "temporary", "locked": False, "reason": "email.bounce",
        "since": None, "source": "mailgun", "until": None, "version": 1,
    }
    agents = json.loads(run_cli(url, "agents", "list", "--json").stdout)["agents"]
    assert [(a["name"], a["role"]) for a in agents] == [("tester", "admin")]
    # the upgraded database keeps working: a new contact, an agent's change, the chain still whole
    assert run_cli(url, "contacts", "add", "--name", "Bo", "--phone", "+14155550101").code == 0
    assert run_cli(url, "set", "+14155550101", "--channel", "sms", "--on").code == 0
    verify = run_cli(url, "audit", "verify", "--json")
    assert verify.code == 0 and json.loads(verify.stdout)["entries"] >= 2


# -- a database from a newer console -------------------------------------------------------------------------

FUTURE = "ffff_from_the_future"


def snapshot(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        tables = sorted(inspect(engine).get_table_names())
        with engine.connect() as conn:
            return {t: sorted(repr(tuple(r)) for r in conn.execute(text(f'SELECT * FROM "{t}"'))) for t in tables}
    finally:
        engine.dispose()


COMMANDS = [
    ("db", "upgrade"),
    ("status", "ann@example.com"),
    ("set", "ann@example.com", "--channel", "sms", "--on"),
    ("check", "ann@example.com", "--channel", "email"),
    ("contacts", "add", "--name", "Cy", "--email", "cy@example.com"),
    ("audit", "verify"),
    ("agents", "add", "zed", "--role", "admin"),
    ("locations", "connect", "Default", "email"),
]


def test_a_newer_schema_is_refused_and_never_altered(databases: Databases, run_cli: Cli, tmp_path: Path) -> None:
    url = databases.new()
    seed_old_database(url, head_revision())
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": FUTURE})
    engine.dispose()
    before = snapshot(url)
    events = tmp_path / "events.jsonl"
    events.write_text('{"event": "complained", "id": "x1", "timestamp": 1709287200, "recipient": "ann@example.com"}\n')

    for args in [*COMMANDS, ("import", str(events))]:
        line = assert_one_line_error(run_cli(url, *args), 2)
        assert FUTURE in line and "newer" in line and "untouched" in line
    assert snapshot(url) == before
    assert before["alembic_version"] == [repr((FUTURE,))]
