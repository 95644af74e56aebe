"""leaner writes per entry: on SQLite the entry id is the ledger's rowid and channel states live in their key's
b-tree; on both backends the notes index holds the console's notes only

- ``events.id`` was a ``BIGINT PRIMARY KEY``, which SQLite keeps as a unique index of its own beside the table's
  rowid, so every entry wrote one b-tree more than it needs. Declared ``INTEGER PRIMARY KEY`` it is the rowid (SQLite's
  integers are 64-bit either way). The table is rebuilt with the same columns, rows and indexes.
- ``channel_states`` (key: contact, channel) is rebuilt ``WITHOUT ROWID``: a state is stored in its key's b-tree
  instead of a rowid table plus a key index.
- ``ix_events_notes`` indexed every entry without a contact id, and imported entries have none (they are matched by
  address), so each import wrote it for every record. It now holds the entries without a channel, the console's
  notes (connections, a location added), which is all its one query asks for.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 21:00:00
"""

import re
from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _rebuild(bind, "events", lambda sql: re.sub(r"\bid BIGINT NOT NULL", "id INTEGER NOT NULL", sql, count=1))
        _rebuild(bind, "channel_states", lambda sql: sql.rstrip() + " WITHOUT ROWID")
    _notes_index("channel IS NULL")


def downgrade() -> None:
    bind = op.get_bind()
    _notes_index("contact_id IS NULL")
    if bind.dialect.name == "sqlite":
        _rebuild(bind, "channel_states", lambda sql: re.sub(r"\s*WITHOUT ROWID\s*$", "", sql.rstrip()))
        _rebuild(bind, "events", lambda sql: re.sub(r"\bid INTEGER NOT NULL", "id BIGINT NOT NULL", sql, count=1))


def _notes_index(where: str) -> None:
    op.drop_index("ix_events_notes", table_name="events")
    op.create_index(
        "ix_events_notes",
        "events",
        ["location_id", "reason"],
        sqlite_where=sa.text(where),
        postgresql_where=sa.text(where),
    )


def _rebuild(bind: sa.Connection, table: str, change: Callable[[str], str]) -> None:
    """Make ``table`` again from its own CREATE statement as ``change`` rewrites it: same columns, rows, indexes."""
    create = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"), {"t": table}
    ).scalar_one()
    indexes = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t AND sql IS NOT NULL"),
        {"t": table},
    ).scalars().all()
    changed = change(create)
    if changed == create:
        return  # already in that form
    name = re.compile(rf"^CREATE TABLE \"?{table}\"?", re.IGNORECASE)
    temporary = f"{table}_rebuilt"
    bind.exec_driver_sql(name.sub(f"CREATE TABLE {temporary}", changed, count=1))
    bind.exec_driver_sql(f"INSERT INTO {temporary} SELECT * FROM {table}")
    bind.exec_driver_sql(f"DROP TABLE {table}")
    bind.exec_driver_sql(f"ALTER TABLE {temporary} RENAME TO {table}")
    for index in indexes:
        bind.exec_driver_sql(index)
