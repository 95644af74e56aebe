"""Alembic migrations, run automatically on first use; a database from a newer schema is refused untouched."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from console.errors import SchemaTooNew

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    return {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def ensure_schema(engine: Engine, target: str = "head") -> None:
    """Create or upgrade the schema to ``target``; refuse a database whose revision this program does not know."""
    current = current_revision(engine)
    if current is not None and current not in known_revisions():
        raise SchemaTooNew(
            f"the database has schema revision {current}, newer than this DND Console knows; "
            "it was left untouched (upgrade DND Console)"
        )
    if target == "head" and current == head_revision():
        return
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), target)
        if conn.dialect.name == "postgresql" and current is not None:
            from console.store.team import refresh_grants

            refreshed = refresh_grants(conn)  # the logins set up with db grant read the new tables too
            if refreshed:
                log.info("migrated from %s: reading granted again to %d login(s)", current, len(refreshed))
