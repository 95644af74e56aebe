"""a sealed and anchored audit (entry and head seals, the sealing key, the second anchor); held imported opt-ins

Entries recorded before this revision are sealed here, once: a later open never seals anything it finds
unsealed (that would seal a forgery). On SQLite the key file is created beside the database; on PostgreSQL the
key is a row of ``audit_key`` that only the schema's owner can read, and two SECURITY DEFINER functions check
seals for every role without returning the key.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 10:30:00
"""

import hmac

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BATCH = 5_000


def upgrade() -> None:
    _held_opt_ins()
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("seal", sa.String(length=64), nullable=True))
    with op.batch_alter_table("chain_head") as batch:
        batch.add_column(sa.Column("seal", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    if pg:
        _create_pg_objects(bind)
        from console.store.team import create_team_objects

        create_team_objects(bind)  # the writer's request queue (team mode, console/store/team.py)
        from console.store.sealing import forget_keys

        forget_keys()  # a key this process read before a downgrade is not this database's key any more
    last = bind.execute(sa.text("SELECT last_id, last_hash FROM chain_head WHERE id = 1")).first()
    entries = bind.execute(sa.text("SELECT count(*) FROM events")).scalar_one()
    if not entries and (last is None or last[0] == 0):
        return  # nothing recorded yet: SQLite makes its key with the first entry
    key = _pg_key(bind) if pg else _sqlite_key(bind)
    _seal_entries(bind, key)
    if last is not None:
        last_id, last_hash = int(last[0]), str(last[1])
        head_seal = hmac.digest(key, f"head:{last_id}:{last_hash}".encode(), "sha256").hex()
        bind.execute(sa.text("UPDATE chain_head SET seal = :s WHERE id = 1"), {"s": head_seal})
        anchor_seal = hmac.digest(key, f"anchor:{last_id}:{last_hash}".encode(), "sha256").hex()
        if pg:
            bind.execute(
                sa.text("UPDATE audit_anchor SET last_id = :i, last_hash = :h, seal = :s WHERE id = 1"),
                {"i": last_id, "h": last_hash, "s": anchor_seal},
            )
        else:
            from console.store.sealing import Anchor, store_anchor

            store_anchor(bind.engine.url, Anchor(last_id, last_hash, anchor_seal))


def _held_opt_ins() -> None:
    """Imported opt-ins held for a reviewer, and the review each one opened (RULES.md)."""
    op.create_table(
        "held_opt_ins",
        sa.Column("event_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("at_us", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("file", sa.Text(), nullable=False),
        sa.Column("provider_id", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("to_number", sa.String(length=40), nullable=True),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["location_id"], ["locations.id"]),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_index("ix_held_opt_ins_address", "held_opt_ins", ["location_id", "channel", "address"])
    with op.batch_alter_table("opt_in_reviews") as batch:
        batch.add_column(sa.Column("held_event_id", sa.BigInteger(), nullable=True))
        batch.create_index("ix_opt_in_reviews_held_event_id", ["held_event_id"])


def _seal_entries(bind: sa.Connection, key: bytes) -> None:
    last_id = 0
    while True:
        rows = bind.execute(
            sa.text("SELECT id, hash FROM events WHERE id > :last ORDER BY id LIMIT :n"), {"last": last_id, "n": BATCH}
        ).all()
        if not rows:
            return
        bind.execute(
            sa.text("UPDATE events SET seal = :s WHERE id = :i"),
            [{"i": row[0], "s": hmac.digest(key, str(row[1]).encode(), "sha256").hex()} for row in rows],
        )
        last_id = int(rows[-1][0])


def _sqlite_key(bind: sa.Connection) -> bytes:
    from console.store.sealing import sqlite_key_for_migration

    return sqlite_key_for_migration(bind)


def _pg_key(bind: sa.Connection) -> bytes:
    return bytes(bind.execute(sa.text("SELECT key FROM audit_key WHERE id = 1")).scalar_one())


def _create_pg_objects(bind: sa.Connection) -> None:
    from console.store.sealing import new_pg_key_rows

    schema = bind.execute(sa.text("SELECT current_schema()")).scalar_one()
    quoted = '"' + str(schema).replace('"', '""') + '"'
    op.create_table(
        "audit_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.LargeBinary(), nullable=False),
        sa.Column("ikey", sa.LargeBinary(), nullable=False),
        sa.Column("okey", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "audit_anchor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("seal", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    bind.execute(sa.text("REVOKE ALL ON audit_key FROM PUBLIC"))
    bind.execute(
        sa.text("INSERT INTO audit_key (id, key, ikey, okey) VALUES (1, :key, :ikey, :okey)"), new_pg_key_rows()
    )
    bind.execute(sa.text("INSERT INTO audit_anchor (id, last_id, last_hash) VALUES (1, 0, :h)"), {"h": "0" * 64})
    hmac_sql = "encode(sha256(k.okey || sha256(k.ikey || convert_to({m}, 'UTF8'))), 'hex')"
    bind.execute(
        sa.text(f"""
        CREATE FUNCTION dnd_seal_check(lo bigint, hi bigint) RETURNS bigint
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {quoted}, pg_temp AS $$
            SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM audit_key WHERE id = 1) THEN lo ELSE (
                SELECT min(e.id) FROM events e CROSS JOIN audit_key k
                WHERE k.id = 1 AND e.id BETWEEN lo AND hi
                  AND e.seal IS DISTINCT FROM {hmac_sql.format(m="e.hash")}
            ) END
        $$""")
    )
    bind.execute(
        sa.text(f"""
        CREATE FUNCTION dnd_seal_ok(message text, seal text) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {quoted}, pg_temp AS $$
            SELECT coalesce((SELECT seal = {hmac_sql.format(m="message")} FROM audit_key k WHERE k.id = 1), false)
        $$""")
    )
    for function in ("dnd_seal_check(bigint, bigint)", "dnd_seal_ok(text, text)"):
        bind.execute(sa.text(f"GRANT EXECUTE ON FUNCTION {function} TO PUBLIC"))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from console.store.team import drop_team_objects

        drop_team_objects(bind)
        bind.execute(sa.text("DROP FUNCTION IF EXISTS dnd_seal_check(bigint, bigint)"))
        bind.execute(sa.text("DROP FUNCTION IF EXISTS dnd_seal_ok(text, text)"))
        op.drop_table("audit_anchor")
        op.drop_table("audit_key")
    with op.batch_alter_table("chain_head") as batch:
        batch.drop_column("seal")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("seal")
    with op.batch_alter_table("opt_in_reviews") as batch:
        batch.drop_index("ix_opt_in_reviews_held_event_id")
        batch.drop_column("held_event_id")
    op.drop_index("ix_held_opt_ins_address", table_name="held_opt_ins")
    op.drop_table("held_opt_ins")
