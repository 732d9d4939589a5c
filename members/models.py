"""The members' tables (SQLAlchemy 2): organisations in a tree, members, API tokens, bookmarks,
followed topics and where a member stopped listening.

The schema itself is created and changed only by the Alembic migrations in `migrations/`; these
classes describe it for queries, and a test checks that the two agree.
"""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ROLES = ("member", "editor", "admin")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Organisation(Base):
    """Thành ủy Hà Nội -> Quận ủy Hoàng Mai -> Đảng ủy phường Hoàng Liệt -> Chi bộ tổ dân phố số 7."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # An organisation with members or children cannot vanish under them.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    parent: Mapped[Organisation | None] = relationship(remote_side=[id])


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (CheckConstraint("role IN ('member', 'editor', 'admin')", name="ck_members_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="member")
    # argon2id, in its own self-describing encoding ($argon2id$v=19$m=...,t=...,p=...$salt$hash).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Set for a password somebody else chose (an initial one printed by `sotay user add/import`).
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    # Raised at each password change: every signed session made before it stops working.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    org: Mapped[Organisation] = relationship()


class ApiToken(Base):
    """A bearer token, stored only as the SHA-256 of its text: the database cannot give it back."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    member: Mapped[Member] = relationship()


class Bookmark(Base):
    """A document a member keeps to read or listen to later ("xem sau"). Only its id: whether the
    member may still see it is the index's answer at each request, never stored here."""

    __tablename__ = "bookmarks"
    __table_args__ = (UniqueConstraint("member_id", "doc_id", name="uq_bookmarks_member_doc"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    doc_id: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FollowedTopic(Base):
    """A news topic (a slug of ingest/topics.py) a member follows: its news come first on /news."""

    __tablename__ = "followed_topics"
    __table_args__ = (UniqueConstraint("member_id", "topic", name="uq_followed_topics_member_topic"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ListeningPosition(Base):
    """Where a member stopped listening to a document read aloud, so any of their devices can offer
    to go on from there. One row a member and document, overwritten as they listen; removed when
    they listen to the end. Like a bookmark, only the id: visibility is asked at each request."""

    __tablename__ = "listening_positions"
    __table_args__ = (UniqueConstraint("member_id", "doc_id", name="uq_listening_positions_member_doc"),
                      CheckConstraint("seconds >= 0", name="ck_listening_positions_seconds"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    doc_id: Mapped[str] = mapped_column(String(300))
    seconds: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
