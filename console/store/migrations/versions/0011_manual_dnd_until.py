"""the end of a manual DND: ``channel_states.until_us`` and the contact's earliest end, ``contacts.dnd_until_us``

Both nullable. The end itself is part of the ledger entry (its ``detail``, ``"until"``), so the upgrade fills
both from the entries the stored states rest on (none before this revision; some after a downgrade and upgrade).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 13:40:00
"""

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from console.store.until import ensure_end_columns

    ensure_end_columns(op.get_bind())  # 0008's replay may have added them already
    # The status and channel filters' covering index carries the earliest end too (reads honour it, store/until.py).
    op.drop_index("ix_contacts_location_mask", table_name="contacts")
    op.create_index("ix_contacts_location_mask", "contacts", ["location_id", "dnd_mask", "dnd_until_us"])
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT s.contact_id, s.channel, e.detail FROM channel_states s JOIN events e ON e.id = s.event_id"
            " WHERE s.dnd = :on AND s.kind = 'manual' AND e.detail LIKE :until"
        ),
        {"on": True, "until": '%"until"%'},
    ).all()
    earliest: dict[int, int] = {}
    for contact_id, channel, detail in rows:
        end = _end(detail)
        if end is None:
            continue
        conn.execute(
            sa.text("UPDATE channel_states SET until_us = :end WHERE contact_id = :cid AND channel = :channel"),
            {"end": end, "cid": contact_id, "channel": channel},
        )
        earliest[contact_id] = min(end, earliest.get(contact_id, end))
    for contact_id, end in earliest.items():
        conn.execute(sa.text("UPDATE contacts SET dnd_until_us = :end WHERE id = :cid"), {"end": end, "cid": contact_id})


def _end(detail: str | None) -> int | None:
    """The end an entry's detail holds (ISO 8601 UTC with Z), in microseconds; None when absent or unreadable."""
    try:
        text = json.loads(detail or "{}").get("until")
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except (ValueError, TypeError, AttributeError):
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def downgrade() -> None:
    # Plain ALTER TABLE on both backends (SQLite 3.35+): no table is rebuilt, so the search triggers stay.
    op.drop_index("ix_contacts_location_mask", table_name="contacts")
    op.create_index("ix_contacts_location_mask", "contacts", ["location_id", "dnd_mask"])
    op.execute("ALTER TABLE contacts DROP COLUMN dnd_until_us")
    op.execute("ALTER TABLE channel_states DROP COLUMN until_us")
