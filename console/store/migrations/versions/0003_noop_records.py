"""records that triggered nothing, kept compactly outside the hash chain

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 12:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "noop_records",
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("at_us", sa.BigInteger(), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("location_id", "source", "key"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("noop_records")
