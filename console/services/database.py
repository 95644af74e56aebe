"""The database itself: its schema revision (created or migrated when the store opens)."""

from __future__ import annotations

from console.services.context import AppContext
from console.store.migrate import current_revision


def schema_revision(ctx: AppContext) -> str | None:
    """The schema's revision after opening (and so creating or migrating) the database."""
    return current_revision(ctx.store.engine)
