"""Members and organisations over the database: what the command line and the web service ask.

Every answer is read from the database when it is asked, never cached: moving a member to
another organisation, changing a role or revoking tokens takes effect at the next request.
"""
from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ingest.topics import TOPIC_SLUGS, topics_problem
from ingest.visibility import is_slug

from . import credentials
from .db import sessions
from .models import ROLES, ApiToken, Bookmark, FollowedTopic, ListeningPosition, Member, Organisation, utcnow

USERNAME = re.compile(r"[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?")
MAX_NAME = 200
CSV_FIELDS = ("username", "full_name", "org", "role")
MAX_DOC_ID = 300
# A whole regulation read aloud (the service reads at most 200,000 characters) lasts about four
# hours at espeak-ng's pace; a day leaves room for slower voices and still refuses nonsense.
MAX_LISTENING_SECONDS = 86_400.0


class MembersError(ValueError):
    """Bad input for an account or organisation; the message names the field and what to do."""


class WrongPassword(MembersError):
    """The current password given to prove who is changing it was not theirs."""


@dataclass(frozen=True)
class Viewer:
    """A signed-in member as the web service needs them, read fresh from the database."""

    member_id: int
    username: str
    full_name: str
    role: str
    org: str
    org_name: str
    # The member's organisation and every one above it, nearest first: whose internal documents
    # they may read.
    ancestors: tuple[str, ...]
    # The member's organisation and every one below it: where an editor may publish.
    subtree: frozenset[str]
    must_change_password: bool
    session_epoch: int

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def may_publish_to(self, org: str | None) -> bool:
        """May this member load or remove documents belonging to `org` (None: no organisation)?"""
        if self.role == "admin":
            return True
        return self.role == "editor" and org is not None and org in self.subtree


@dataclass(frozen=True)
class NewAccount:
    username: str
    org: str
    role: str
    # Printed once, never stored in clear; None when the caller chose the password.
    initial_password: str | None


def check_username(username: str) -> str:
    value = (username or "").strip().lower()
    if not USERNAME.fullmatch(value):
        raise MembersError(f"username {username!r} is not valid: use 1-64 lower-case letters, digits, '.', '_' "
                           "or '-', starting and ending with a letter or digit (e.g. 'nguyen.van.a')")
    return value


def check_slug(slug: str, field: str = "org") -> str:
    value = (slug or "").strip().lower()
    if not is_slug(value):
        raise MembersError(f"{field} {slug!r} is not an organisation slug: use lower-case letters, digits and "
                           "hyphens, at most 64 (e.g. 'quan-uy-hoang-mai')")
    return value


def check_seconds(seconds: object) -> float:
    """A listening position: a number of seconds from the start, finite, 0 to a day."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise MembersError(f"seconds must be a number, not {seconds!r}")
    try:
        value = float(seconds)
    except OverflowError:
        value = math.inf
    if not math.isfinite(value) or not 0 <= value <= MAX_LISTENING_SECONDS:
        raise MembersError(f"seconds must be between 0 and {MAX_LISTENING_SECONDS:g} (a day), not {seconds!r}")
    return value


def as_utc(when: datetime) -> datetime:
    """A stored time in UTC with its zone: SQLite gives it back without one, PostgreSQL in the
    session's zone."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def check_role(role: str) -> str:
    value = (role or "").strip().lower()
    if value not in ROLES:
        raise MembersError(f"role {role!r} is not one of {', '.join(ROLES)}")
    return value


class Members:
    """The members' database at `url` (migrated on first open); safe to share between threads."""

    def __init__(self, url: str, hasher=None):
        self.url = url
        self._sessions = sessions(url)
        self.hasher = hasher or credentials.password_hasher()
        # Verified against when a username does not exist, so a wrong username costs the same
        # time as a wrong password and answers cannot tell which was wrong.
        self._dummy_hash = self.hasher.hash(credentials.initial_password())

    def session(self) -> Session:
        return self._sessions()

    # -- organisations ---------------------------------------------------------------------------

    def add_org(self, slug: str, name: str, parent: str | None = None) -> Organisation:
        slug = check_slug(slug, "SLUG")
        name = " ".join((name or "").split())
        if not name or len(name) > MAX_NAME:
            raise MembersError(f"--name must give the organisation's name (1-{MAX_NAME} characters), "
                               "e.g. 'Quận ủy Hoàng Mai'")
        with self.session() as session, session.begin():
            if session.scalar(select(Organisation).where(Organisation.slug == slug)) is not None:
                raise MembersError(f"organisation {slug!r} already exists")
            parent_row = None
            if parent:
                parent_row = self._org(session, check_slug(parent, "--parent"), "--parent")
            org = Organisation(slug=slug, name=name, parent=parent_row)
            session.add(org)
        return org

    def org_exists(self, slug: str) -> bool:
        with self.session() as session:
            return session.scalar(select(Organisation.id).where(Organisation.slug == slug)) is not None

    def orgs(self) -> list[tuple[str, str, str | None]]:
        """(slug, name, parent slug) of every organisation, parents before children."""
        with self.session() as session:
            rows = session.execute(select(Organisation.id, Organisation.slug, Organisation.name,
                                          Organisation.parent_id).order_by(Organisation.id)).all()
        slug_of = {r.id: r.slug for r in rows}
        return [(r.slug, r.name, slug_of.get(r.parent_id) if r.parent_id else None) for r in rows]

    def ancestors(self, slug: str) -> tuple[str, ...]:
        """`slug` and the organisations above it, nearest first (empty if it does not exist)."""
        with self.session() as session:
            return self._ancestors(session, slug)

    def subtree(self, slug: str) -> frozenset[str]:
        """`slug` and every organisation below it (empty if it does not exist)."""
        with self.session() as session:
            return self._subtree(session, slug)

    @staticmethod
    def _org(session: Session, slug: str, field: str = "--org") -> Organisation:
        org = session.scalar(select(Organisation).where(Organisation.slug == slug))
        if org is None:
            raise MembersError(f"{field}: no organisation {slug!r}; add it first with "
                               f"`sotay org add {slug} --name NAME [--parent SLUG]`")
        return org

    @staticmethod
    def _ancestors(session: Session, slug: str) -> tuple[str, ...]:
        start = (select(Organisation.id, Organisation.slug, Organisation.parent_id, literal(0).label("depth"))
                 .where(Organisation.slug == slug).cte("up", recursive=True))
        parent = select(Organisation.id, Organisation.slug, Organisation.parent_id, (start.c.depth + 1)
                        ).join(start, Organisation.id == start.c.parent_id)
        up = start.union_all(parent)
        return tuple(session.scalars(select(up.c.slug).order_by(up.c.depth)))

    @staticmethod
    def _subtree(session: Session, slug: str) -> frozenset[str]:
        start = select(Organisation.id, Organisation.slug).where(Organisation.slug == slug).cte("down", recursive=True)
        child = select(Organisation.id, Organisation.slug).join(start, Organisation.parent_id == start.c.id)
        down = start.union_all(child)
        return frozenset(session.scalars(select(down.c.slug)))

    # -- accounts --------------------------------------------------------------------------------

    def add_user(self, username: str, org: str, role: str = "member", full_name: str = "",
                 password: str | None = None) -> NewAccount:
        """A new member; with no `password`, an initial one is made, returned once, and must be
        changed at the first sign-in."""
        account = self._new_member(username, org, role, full_name, password)
        with self.session() as session, session.begin():
            self._insert(session, account, password, full_name)
        return account

    def _new_member(self, username: str, org: str, role: str, full_name: str,
                    password: str | None) -> NewAccount:
        username = check_username(username)
        org = check_slug(org, "--org")
        role = check_role(role)
        if len(full_name or "") > MAX_NAME:
            raise MembersError(f"full name of {username!r} is longer than {MAX_NAME} characters")
        if password is not None and (problem := credentials.password_problem(password)):
            raise MembersError(f"password: {problem}")
        return NewAccount(username, org, role, None if password is not None else credentials.initial_password())

    def _insert(self, session: Session, account: NewAccount, password: str | None, full_name: str = "") -> None:
        if session.scalar(select(Member.id).where(Member.username == account.username)) is not None:
            raise MembersError(f"user {account.username!r} already exists")
        chosen = password if password is not None else account.initial_password
        assert chosen is not None
        session.add(Member(username=account.username, full_name=" ".join(full_name.split()),
                           org=self._org(session, account.org), role=account.role,
                           password_hash=self.hasher.hash(chosen), must_change_password=password is None,
                           session_epoch=0))

    def import_csv(self, text: str, source: str = "members.csv") -> tuple[list[NewAccount], list[str]]:
        """Add every member of a CSV (username, full_name, org, role; a header line optional).

        All or nothing: any bad line refuses the whole file, with every bad line named, so a
        half-imported list never needs untangling. Users already there are left as they are and
        listed apart (a file can be imported again after lines were added to it).
        """
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        if rows and [c.strip().lower() for c in rows[0][:4]] == list(CSV_FIELDS)[: len(rows[0][:4])]:
            rows = rows[1:]
            first = 2
        else:
            first = 1
        problems: list[str] = []
        accounts: list[tuple[NewAccount, str]] = []
        existing: list[str] = []
        seen: set[str] = set()
        with self.session() as session, session.begin():
            for number, row in enumerate(rows, start=first):
                if not any(cell.strip() for cell in row):
                    continue
                where = f"{source}:{number}"
                if len(row) < 3:
                    problems.append(f"{where}: expected username, full_name, org[, role], got {len(row)} field(s)")
                    continue
                username, full_name, org = (c.strip() for c in row[:3])
                role = row[3].strip() if len(row) > 3 and row[3].strip() else "member"
                try:
                    account = self._new_member(username, org, role, full_name, None)
                    if account.username in seen:
                        raise MembersError(f"user {account.username!r} appears twice in the file")
                    seen.add(account.username)
                    if session.scalar(select(Member.id).where(Member.username == account.username)) is not None:
                        existing.append(account.username)
                        continue
                    self._org(session, account.org, "org")
                except MembersError as exc:
                    problems.append(f"{where}: {exc}")
                    continue
                accounts.append((account, full_name))
            if problems:
                raise MembersError("nothing was imported:\n" + "\n".join(problems))
            for account, full_name in accounts:
                self._insert(session, account, None, full_name)
        return [a for a, _ in accounts], existing

    def set_org(self, username: str, org: str) -> None:
        with self.session() as session, session.begin():
            member = self._member(session, check_username(username))
            member.org = self._org(session, check_slug(org, "--org"))

    def set_role(self, username: str, role: str) -> None:
        with self.session() as session, session.begin():
            self._member(session, check_username(username)).role = check_role(role)

    @staticmethod
    def _member(session: Session, username: str) -> Member:
        member = session.scalar(select(Member).where(Member.username == username))
        if member is None:
            raise MembersError(f"no user {username!r}; add one with `sotay user add {username} --org SLUG`")
        return member

    # -- tokens ----------------------------------------------------------------------------------

    def issue_token(self, username: str) -> str:
        """A new API token for `username`; only its hash is kept, so this is the one chance to see it."""
        token = credentials.new_token()
        with self.session() as session, session.begin():
            member = self._member(session, check_username(username))
            session.add(ApiToken(member_id=member.id, token_hash=credentials.token_hash(token)))
        return token

    def revoke_tokens(self, username: str) -> int:
        with self.session() as session, session.begin():
            member = self._member(session, check_username(username))
            result = session.execute(delete(ApiToken).where(ApiToken.member_id == member.id))
            return int(getattr(result, "rowcount", 0) or 0)

    def by_token(self, token: str) -> Viewer | None:
        if not token.startswith(credentials.TOKEN_PREFIX) or len(token) > 200:
            return None
        with self.session() as session:
            member = session.scalar(select(Member).join(ApiToken, ApiToken.member_id == Member.id)
                                    .where(ApiToken.token_hash == credentials.token_hash(token)))
            return self._viewer(session, member) if member is not None else None

    # -- passwords and sessions ------------------------------------------------------------------

    def sign_in(self, username: str, password: str) -> Viewer | None:
        """The member, if the password is theirs; None for a wrong username or password alike."""
        try:
            username = check_username(username)
        except MembersError:
            username = ""
        with self.session() as session, session.begin():
            member = session.scalar(select(Member).where(Member.username == username)) if username else None
            if member is None or not member.password_hash:
                credentials.verify_password(self.hasher, self._dummy_hash, password)
                return None
            if not credentials.verify_password(self.hasher, member.password_hash, password):
                return None
            if self.hasher.check_needs_rehash(member.password_hash):
                member.password_hash = self.hasher.hash(password)
            return self._viewer(session, member)

    def viewer(self, member_id: int, session_epoch: int) -> Viewer | None:
        """The member a signed session names, unless their password changed since it was made."""
        with self.session() as session:
            member = session.get(Member, member_id)
            if member is None or member.session_epoch != session_epoch:
                return None
            return self._viewer(session, member)

    def change_password(self, username: str, current: str, new: str) -> Viewer:
        """Set a member's own password (the current one proves it is them); ends their other sessions."""
        if problem := credentials.password_problem(new):
            raise MembersError(problem)
        if new == current:
            raise MembersError("Mật khẩu mới phải khác mật khẩu hiện tại.")
        with self.session() as session, session.begin():
            member = session.scalar(select(Member).where(Member.username == username))
            if member is None or not credentials.verify_password(self.hasher, member.password_hash, current):
                raise WrongPassword("Mật khẩu hiện tại không đúng.")
            member.password_hash = self.hasher.hash(new)
            member.must_change_password = False
            member.session_epoch += 1
            return self._viewer(session, member)

    # -- bookmarks -------------------------------------------------------------------------------

    def add_bookmark(self, member_id: int, doc_id: str) -> None:
        """Keep `doc_id` on the member's list (already there: moved to the top)."""
        with self.session() as session, session.begin():
            mark = session.scalar(select(Bookmark).where(Bookmark.member_id == member_id, Bookmark.doc_id == doc_id))
            if mark is None:
                session.add(Bookmark(member_id=member_id, doc_id=doc_id))
            else:
                mark.created_at = utcnow()

    def remove_bookmark(self, member_id: int, doc_id: str) -> bool:
        with self.session() as session, session.begin():
            result = session.execute(delete(Bookmark).where(Bookmark.member_id == member_id,
                                                            Bookmark.doc_id == doc_id))
            return bool(getattr(result, "rowcount", 0))

    def bookmarks(self, member_id: int) -> list[tuple[str, datetime]]:
        """(doc_id, when) of the member's bookmarks, newest first; the caller drops what they may
        no longer see."""
        with self.session() as session:
            rows = session.execute(select(Bookmark.doc_id, Bookmark.created_at).where(Bookmark.member_id == member_id)
                                   .order_by(Bookmark.created_at.desc(), Bookmark.id.desc()))
            return [(row.doc_id, row.created_at) for row in rows]

    # -- followed news topics --------------------------------------------------------------------

    def follow_topic(self, member_id: int, topic: str) -> None:
        """Follow a news topic (a slug of the fixed list; another is refused naming them)."""
        if problem := topics_problem([topic]):
            raise MembersError(problem)
        with self.session() as session, session.begin():
            if session.scalar(select(FollowedTopic.id).where(FollowedTopic.member_id == member_id,
                                                             FollowedTopic.topic == topic)) is None:
                session.add(FollowedTopic(member_id=member_id, topic=topic))

    def unfollow_topic(self, member_id: int, topic: str) -> bool:
        with self.session() as session, session.begin():
            result = session.execute(delete(FollowedTopic).where(FollowedTopic.member_id == member_id,
                                                                 FollowedTopic.topic == topic))
            return bool(getattr(result, "rowcount", 0))

    def followed_topics(self, member_id: int) -> list[str]:
        """The topics the member follows, in the fixed list's order (a topic since dropped from
        the list is left out)."""
        with self.session() as session:
            followed = set(session.scalars(select(FollowedTopic.topic).where(FollowedTopic.member_id == member_id)))
        return [slug for slug in TOPIC_SLUGS if slug in followed]

    # -- where a member stopped listening --------------------------------------------------------

    def save_listening_position(self, member_id: int, doc_id: str, seconds: float) -> datetime:
        """Remember that the member stopped `seconds` into `doc_id` read aloud (replacing what was
        remembered); returns when. One statement that inserts or updates, so a phone and a
        computer saving the same article at the same moment leave one row, not an error."""
        seconds = check_seconds(seconds)
        if not 0 < len(doc_id) <= MAX_DOC_ID:
            raise MembersError(f"doc_id must be 1-{MAX_DOC_ID} characters")
        now = utcnow()
        with self.session() as session, session.begin():
            dialect = session.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            statement = insert(ListeningPosition).values(member_id=member_id, doc_id=doc_id, seconds=seconds,
                                                         updated_at=now)
            session.execute(statement.on_conflict_do_update(
                index_elements=[ListeningPosition.member_id, ListeningPosition.doc_id],
                set_={"seconds": statement.excluded.seconds, "updated_at": statement.excluded.updated_at}))
        return now

    def listening_position(self, member_id: int, doc_id: str) -> tuple[float, datetime] | None:
        """(seconds, when) where the member stopped in `doc_id`, or None when nothing is remembered."""
        with self.session() as session:
            row = session.execute(select(ListeningPosition.seconds, ListeningPosition.updated_at)
                                  .where(ListeningPosition.member_id == member_id,
                                         ListeningPosition.doc_id == doc_id)).first()
            return (row.seconds, as_utc(row.updated_at)) if row is not None else None

    def listening_positions(self, member_id: int, doc_ids: list[str]) -> dict[str, float]:
        """Seconds by doc_id for those of `doc_ids` where the member stopped (one query, for a page
        of articles); the caller asks only about documents the member may see."""
        if not doc_ids:
            return {}
        with self.session() as session:
            rows = session.execute(select(ListeningPosition.doc_id, ListeningPosition.seconds)
                                   .where(ListeningPosition.member_id == member_id,
                                          ListeningPosition.doc_id.in_(set(doc_ids))))
            return {row.doc_id: row.seconds for row in rows}

    def forget_listening_position(self, member_id: int, doc_id: str) -> bool:
        """Forget where the member stopped in `doc_id` (they listened to the end); False if nothing was kept."""
        with self.session() as session, session.begin():
            result = session.execute(delete(ListeningPosition).where(ListeningPosition.member_id == member_id,
                                                                     ListeningPosition.doc_id == doc_id))
            return bool(getattr(result, "rowcount", 0))

    def end_sessions(self, member_id: int) -> None:
        """Sign a member out everywhere: every signed session made so far stops working."""
        with self.session() as session, session.begin():
            member = session.get(Member, member_id)
            if member is not None:
                member.session_epoch += 1

    def _viewer(self, session: Session, member: Member) -> Viewer:
        org = member.org
        return Viewer(member_id=member.id, username=member.username, full_name=member.full_name,
                      role=member.role, org=org.slug, org_name=org.name,
                      ancestors=self._ancestors(session, org.slug), subtree=self._subtree(session, org.slug),
                      must_change_password=member.must_change_password, session_epoch=member.session_epoch)
