"""an index on each contact's DND channels, for status and channel filters over a million contacts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 13:10:00
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_contacts_location_mask", "contacts", ["location_id", "dnd_mask"])


def downgrade() -> None:
    op.drop_index("ix_contacts_location_mask", table_name="contacts")
