"""indexes made for substring search over contacts' names, emails and phone digits

SQLite: an FTS5 table with the trigram tokenizer, external content over the view ``contacts_search_source``
(name, email, the phone's digits), kept in step with ``contacts`` by three triggers. A later migration that
rebuilds ``contacts`` (batch mode) must recreate the triggers.
PostgreSQL: GIN indexes of the pg_trgm extension on the name, the email and the phone's digits. The extension is
created in schema ``public`` when it is missing, which needs a superuser or the database owner (pg_trgm is a
trusted extension); a database where it is already installed (in any schema) needs no such right.

Revision ID: 0009
Revises: 0004
Create Date: 2026-12-01 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SQLITE_UP = [
    "CREATE VIEW contacts_search_source (id, name, email, phone_digits) AS"
    " SELECT id, name, email, ltrim(phone, '+') FROM contacts",
    "CREATE VIRTUAL TABLE contacts_search USING fts5(name, email, phone_digits, content='contacts_search_source',"
    " content_rowid='id', tokenize='trigram', columnsize=0)",
    "CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN"
    " INSERT INTO contacts_search (rowid, name, email, phone_digits)"
    " VALUES (new.id, new.name, new.email, ltrim(new.phone, '+')); END",
    "CREATE TRIGGER contacts_search_delete AFTER DELETE ON contacts BEGIN"
    " INSERT INTO contacts_search (contacts_search, rowid, name, email, phone_digits)"
    " VALUES ('delete', old.id, old.name, old.email, ltrim(old.phone, '+')); END",
    "CREATE TRIGGER contacts_search_update AFTER UPDATE OF id, name, email, phone ON contacts"
    " WHEN old.id IS NOT new.id OR old.name IS NOT new.name OR old.email IS NOT new.email"
    " OR old.phone IS NOT new.phone BEGIN"
    " INSERT INTO contacts_search (contacts_search, rowid, name, email, phone_digits)"
    " VALUES ('delete', old.id, old.name, old.email, ltrim(old.phone, '+'));"
    " INSERT INTO contacts_search (rowid, name, email, phone_digits)"
    " VALUES (new.id, new.name, new.email, ltrim(new.phone, '+')); END",
    "INSERT INTO contacts_search (contacts_search) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS contacts_search_update",
    "DROP TRIGGER IF EXISTS contacts_search_delete",
    "DROP TRIGGER IF EXISTS contacts_search_insert",
    "DROP TABLE IF EXISTS contacts_search",
    "DROP VIEW IF EXISTS contacts_search_source",
]
PG_INDEXES = {
    "ix_contacts_name_trgm": "name",
    "ix_contacts_email_trgm": "email",
    "ix_contacts_phone_digits_trgm": "ltrim(phone, '+')",
}


def _pg_trgm_schema(conn: sa.Connection) -> str | None:
    schema: str | None = conn.scalar(
        sa.text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
            " WHERE e.extname = 'pg_trgm'"
        )
    )
    return schema


def _ensure_pg_trgm(conn: sa.Connection) -> str:
    """The schema holding pg_trgm, creating the extension in ``public`` (shared by every schema) if needed."""
    schema = _pg_trgm_schema(conn)
    if schema is not None:
        return schema
    try:
        with conn.begin_nested():
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    except sa.exc.IntegrityError:  # another connection created it at the same moment
        pass
    schema = _pg_trgm_schema(conn)
    assert schema is not None
    return schema


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for statement in SQLITE_UP:
            conn.exec_driver_sql(statement)
        return
    if conn.dialect.name == "postgresql":
        schema = _ensure_pg_trgm(conn)
        ops = f'"{schema}".gin_trgm_ops'
        for name, expression in PG_INDEXES.items():
            conn.exec_driver_sql(f"CREATE INDEX {name} ON contacts USING gin (({expression}) {ops})")


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            conn.exec_driver_sql(statement)
        return
    if conn.dialect.name == "postgresql":
        for name in PG_INDEXES:
            conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
