"""a login cancels its own request to the team's writer: ``dnd_cancel`` and ``console_requests.cancel_requested_at``

PostgreSQL only (SQLite has no writer). The logins set up with ``db grant`` before this revision are granted the
new function too. Downgrading drops both; a request answered "cancelled" reads as failed then.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 09:00:00
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from console.store.team import create_cancel_function

        create_cancel_function(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from console.store.team import drop_cancel_function

        drop_cancel_function(bind)
