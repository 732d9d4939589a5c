"""Followed topics: the news topics a member follows, shown first on /news.

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "followed_topics",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("member_id", "topic", name="uq_followed_topics_member_topic"),
    )
    op.create_index("ix_followed_topics_member_id", "followed_topics", ["member_id"])


def downgrade() -> None:
    op.drop_table("followed_topics")
