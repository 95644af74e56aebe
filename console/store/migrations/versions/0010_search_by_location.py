"""the contacts' location in the SQLite search index, so the index alone counts a location's matches

SQLite: ``contacts_search`` (0009) gains a ``location`` column holding the location as a token of its own
(``[12]``: brackets, so ``[1]`` is never a part of ``[12]``); the view, the table and the triggers are recreated
(the insert and update triggers now carry the location too) and the index is filled again.
PostgreSQL: nothing changes (the planner combines the trigram indexes with the location itself).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 11:10:00
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

DROP = [
    "DROP TRIGGER IF EXISTS contacts_search_update",
    "DROP TRIGGER IF EXISTS contacts_search_delete",
    "DROP TRIGGER IF EXISTS contacts_search_insert",
    "DROP TABLE IF EXISTS contacts_search",
    "DROP VIEW IF EXISTS contacts_search_source",
]


def _create(columns: str, values: str, changed: str) -> list[str]:
    """The view, the FTS5 table, its three triggers and the fill, over ``columns`` computed as ``values``."""
    new, old = values.format("new"), values.format("old")
    return [
        f"CREATE VIEW contacts_search_source (id, {columns}) AS SELECT {values.format('contacts')} FROM contacts",
        f"CREATE VIRTUAL TABLE contacts_search USING fts5({columns}, content='contacts_search_source',"
        " content_rowid='id', tokenize='trigram', columnsize=0)",
        "CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN"
        f" INSERT INTO contacts_search (rowid, {columns}) VALUES ({new}); END",
        "CREATE TRIGGER contacts_search_delete AFTER DELETE ON contacts BEGIN"
        f" INSERT INTO contacts_search (contacts_search, rowid, {columns}) VALUES ('delete', {old}); END",
        f"CREATE TRIGGER contacts_search_update AFTER UPDATE OF {changed} ON contacts WHEN "
        + " OR ".join(f"old.{c} IS NOT new.{c}" for c in changed.split(", "))
        + f" BEGIN INSERT INTO contacts_search (contacts_search, rowid, {columns}) VALUES ('delete', {old});"
        f" INSERT INTO contacts_search (rowid, {columns}) VALUES ({new}); END",
        "INSERT INTO contacts_search (contacts_search) VALUES ('rebuild')",
    ]


WITH_LOCATION = _create(
    "name, email, phone_digits, location",
    "{0}.id, {0}.name, {0}.email, ltrim({0}.phone, '+'), '[' || {0}.location_id || ']'",
    "id, name, email, phone, location_id",
)
WITHOUT_LOCATION = _create(
    "name, email, phone_digits",
    "{0}.id, {0}.name, {0}.email, ltrim({0}.phone, '+')",
    "id, name, email, phone",
)


def _run(statements: list[str]) -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for statement in statements:
            conn.exec_driver_sql(statement)


def upgrade() -> None:
    _run(DROP + WITH_LOCATION)


def downgrade() -> None:
    _run(DROP + WITHOUT_LOCATION)
