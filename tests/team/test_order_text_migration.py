"""Revision 0008: a channel whose stored state an older console computed with the zero-padded negative order
text (a pre-1970 START taken as later than a newer STOP) is replayed, so its state equals the ledger again."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import text

from console.domain.channels import Channel
from console.store.audit import GENESIS, HASHED_COLUMNS, entry_hash
from console.store.db import make_engine
from console.store.migrate import ensure_schema
from console.store.tables import order_text

from .conftest import Databases, Result

Cli = Callable[..., Result]
STOP_AT = -5_000_000  # 1969-12-31T23:59:55Z
START_AT = -10_000_000  # five seconds earlier


def _old_text(at_us: int, effect: str, source: str, key: str) -> str:
    """The order text as revision 0004's console wrote it."""
    return f"{at_us:020d}|{0 if effect == 'lift' else 1}|{source}|{key}"


def _seed_wrong_state(url: str) -> None:
    """At revision 0004: the STOP and the START in the ledger, and the state the old text led to (off)."""
    engine = make_engine(url)
    try:
        ensure_schema(engine, target="0004")
        with engine.begin() as conn:
            contact_id = conn.execute(
                text(
                    "INSERT INTO contacts (location_id, name, email, phone, created_at_us, updated_at_us, dnd_mask)"
                    " VALUES (1, 'Ann Lee', NULL, '+14155550100', 0, 0, 0) RETURNING id"
                )
            ).scalar_one()
            last_hash = GENESIS
            entries = [
                (1, 1, "twilio", "SMstop:received", STOP_AT, 0, "sms", "set", "permanent", "sms.opt_out_keyword",
                 "+14155550100", None, "tester", None, 0, None),
                (2, 1, "twilio", "SMstart:received", START_AT, 0, "sms", "lift", "spam", "sms.opt_in_keyword",
                 "+14155550100", None, "tester", None, 0, None),
            ]  # fmt: skip
            for values in entries:
                last_hash = entry_hash(last_hash, values)
                row = dict(zip(HASHED_COLUMNS, values, strict=True))
                row.update(provider_cleared=False, hash=last_hash)
                columns = ", ".join(f'"{c}"' for c in row)
                conn.execute(text(f"INSERT INTO events ({columns}) VALUES ({', '.join(':' + c for c in row)})"), row)
            conn.execute(text("UPDATE chain_head SET last_id = 2, last_hash = :h WHERE id = 1"), {"h": last_hash})
            wrong = max(
                _old_text(STOP_AT, "set", "twilio", "SMstop:received"),
                _old_text(START_AT, "lift", "twilio", "SMstart:received"),
            )
            assert wrong.startswith("-0000000000010000000")  # the old text took the START for the later one
            conn.execute(
                text(
                    "INSERT INTO channel_states (contact_id, channel, dnd, kind, reason, since_us, source, event_id,"
                    " last_order, version, changed_by) VALUES (:cid, 'sms', :dnd, NULL, NULL, NULL, NULL, NULL,"
                    " :order, 2, 'tester')"
                ),
                {"cid": contact_id, "dnd": False, "order": wrong},
            )
    finally:
        engine.dispose()


def test_upgrade_replays_channels_ordered_by_the_old_negative_text(databases: Databases, run_cli: Cli) -> None:
    url = databases.new()
    _seed_wrong_state(url)
    assert run_cli(url, "db", "upgrade").code == 0
    status = run_cli(url, "status", "+14155550100", "--json")
    assert status.code == 0, status
    sms = status.json["contacts"][0]["channels"]["sms"]
    assert (sms["dnd"], sms["kind"], sms["reason"]) == (True, "permanent", "sms.opt_out_keyword")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT last_order, dnd FROM channel_states WHERE channel = 'sms'")).one()
            mask = conn.execute(text("SELECT dnd_mask FROM contacts")).scalar_one()
    finally:
        engine.dispose()
    assert stored[0] == order_text(STOP_AT, "set", "twilio", "SMstop:received")
    assert mask == Channel.SMS.bit
    verify = run_cli(url, "audit", "verify")
    assert verify.code == 0, verify
