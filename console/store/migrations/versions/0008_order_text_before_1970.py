"""channel states whose latest event is dated before 1970: the order text that sorts, and the state replayed

Until now the order text zero-padded a negative time, so of two pre-1970 events the later one sorted first and
such a channel's stored state could differ from its replayed ledger. The rows concerned are found by their
text (it starts with ``-``) and their contacts are replayed from the ledger with the current order text.

Revision ID: 0008
Revises: 0004
Create Date: 2026-12-01 10:40:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from console.store.projection import recompute_contacts

    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT DISTINCT c.location_id, c.id FROM channel_states s JOIN contacts c ON c.id = s.contact_id"
            " WHERE s.last_order LIKE '-%'"
        )
    ).all()
    by_location: dict[int, list[int]] = {}
    for location_id, contact_id in rows:
        by_location.setdefault(int(location_id), []).append(int(contact_id))
    if not by_location:
        return
    from console.store.until import ensure_end_columns

    ensure_end_columns(bind)  # today's projection replays, and it keeps the end of a manual DND (0011)
    session = Session(bind=bind)
    for location_id, contact_ids in by_location.items():
        recompute_contacts(session, location_id, contact_ids)
    session.flush()


def downgrade() -> None:
    pass  # the old text sorted pre-1970 times wrongly; the rewritten rows stay valid for the old code's reads
