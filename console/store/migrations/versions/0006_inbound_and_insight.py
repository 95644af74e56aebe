"""inbound DND projection; indexes for connection notes (past moments) and set entries by time (stats)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 10:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_states",
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("dnd", sa.Boolean(), nullable=False),
        sa.Column("since_us", sa.BigInteger(), nullable=True),
        sa.Column("event_id", sa.BigInteger(), nullable=True),
        sa.Column("changed_by", sa.String(length=200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"]),
        sa.PrimaryKeyConstraint("contact_id", "channel"),
    )
    op.create_index("ix_inbound_states_channel", "inbound_states", ["channel", "dnd"])
    op.create_index(
        "ix_events_notes",
        "events",
        ["location_id", "reason"],
        sqlite_where=sa.text("contact_id IS NULL"),
        postgresql_where=sa.text("contact_id IS NULL"),
    )
    op.create_index(
        "ix_events_sets",
        "events",
        ["location_id", "at_us", "reason"],
        sqlite_where=sa.text("effect = 'set'"),
        postgresql_where=sa.text("effect = 'set'"),
    )


def downgrade() -> None:
    op.drop_index("ix_events_sets", table_name="events")
    op.drop_index("ix_events_notes", table_name="events")
    op.drop_index("ix_inbound_states_channel", table_name="inbound_states")
    op.drop_table("inbound_states")
