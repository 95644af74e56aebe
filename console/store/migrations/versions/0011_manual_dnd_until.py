"""the end of a manual DND: ``channel_states.until_us`` and the contact's earliest end, ``contacts.dnd_until_us``

Both nullable and empty for existing rows (no DND had an end before this revision). The end itself is part of
the ledger entry (its ``detail``), so a replay rebuilds both columns.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 13:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("channel_states", sa.Column("until_us", sa.BigInteger(), nullable=True))
    op.add_column("contacts", sa.Column("dnd_until_us", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE on both backends (SQLite 3.35+): no table is rebuilt, so the search triggers stay.
    op.execute("ALTER TABLE contacts DROP COLUMN dnd_until_us")
    op.execute("ALTER TABLE channel_states DROP COLUMN until_us")
