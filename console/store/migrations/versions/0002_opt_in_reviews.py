"""opt-in reviews: submissions, evidence links, relationship numbers and state history

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "opt_in_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("submitted_at_us", sa.BigInteger(), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at_us", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"]),
        sa.ForeignKeyConstraint(["location_id"], ["locations.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("opt_in_reviews", schema=None) as batch_op:
        batch_op.create_index("ix_opt_in_reviews_contact", ["contact_id", "channel"], unique=False)
        batch_op.create_index("ix_opt_in_reviews_state", ["location_id", "state"], unique=False)

    op.create_table(
        "review_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("captured_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.Column("added_at_us", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["review_id"], ["opt_in_reviews.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("review_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_evidence_review_id"), ["review_id"], unique=False)

    op.create_table(
        "review_numbers",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["review_id"], ["opt_in_reviews.id"]),
        sa.PrimaryKeyConstraint("review_id", "number"),
    )

    op.create_table(
        "review_state_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("by", sa.String(length=200), nullable=False),
        sa.Column("at_us", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["review_id"], ["opt_in_reviews.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("review_state_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_state_changes_review_id"), ["review_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review_state_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_state_changes_review_id"))
    op.drop_table("review_state_changes")
    op.drop_table("review_numbers")
    with op.batch_alter_table("review_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_evidence_review_id"))
    op.drop_table("review_evidence")
    with op.batch_alter_table("opt_in_reviews", schema=None) as batch_op:
        batch_op.drop_index("ix_opt_in_reviews_state")
        batch_op.drop_index("ix_opt_in_reviews_contact")
    op.drop_table("opt_in_reviews")
