"""Listening positions: where a member stopped in an article read aloud, to go on from there.

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "listening_positions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
        sa.Column("doc_id", sa.String(300), nullable=False),
        sa.Column("seconds", sa.Float, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("member_id", "doc_id", name="uq_listening_positions_member_doc"),
        sa.CheckConstraint("seconds >= 0", name="ck_listening_positions_seconds"),
    )
    op.create_index("ix_listening_positions_member_id", "listening_positions", ["member_id"])


def downgrade() -> None:
    op.drop_table("listening_positions")
