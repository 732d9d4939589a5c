"""Who is asking: every request's viewer, and the index scope that follows from it.

A request is from the automation token (`SOTAY_EDITOR_TOKEN`: an administrator), a member
(`Authorization: Bearer <token>` from `sotay user token`, or a signed-in session on the pages),
or nobody (anonymous: public documents only). The member is read from the database at every
request, so a new organisation, role or a revoked token counts at once.

The index never sees a user: a member becomes a `Scope` here. A member sees internal documents
of their organisation and of every organisation above it (a document internal to an organisation
is for it and all below it); an editor also those of the organisations below theirs, which they
load and remove; an administrator and the automation token see everything.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass

from flask import current_app, g, request, session

from index import ANONYMOUS, EVERYTHING, Scope
from members import Viewer, open_members

from . import state
from .errors import ServiceError

BEARER_CHALLENGE = 'Bearer realm="sotay"'
SESSION_KEY = "member"


@dataclass(frozen=True)
class Requester:
    """The viewer of one request: a member, the automation token, or nobody."""

    member: Viewer | None = None
    automation: bool = False
    # Signed in on the pages (a session cookie) rather than by a bearer token.
    via_session: bool = False

    @property
    def signed_in(self) -> bool:
        return self.member is not None or self.automation

    @property
    def scope(self) -> Scope:
        if self.automation or (self.member is not None and self.member.is_admin):
            return EVERYTHING
        if self.member is None:
            return ANONYMOUS
        orgs = set(self.member.ancestors)
        if self.member.role == "editor":
            orgs |= self.member.subtree
        return Scope(signed_in=True, orgs=frozenset(orgs))

    @property
    def may_write(self) -> bool:
        return self.automation or (self.member is not None and self.member.role in ("editor", "admin"))

    def may_publish_to(self, org: str | None) -> bool:
        if self.automation:
            return True
        return self.member is not None and self.member.may_publish_to(org)


NOBODY = Requester()


def members():
    extensions = current_app.extensions["sotay"]
    if extensions.get("members") is None:
        extensions["members"] = open_members(state.settings())
    return extensions["members"]


def bearer_token() -> str | None:
    """The bearer token of the request; None without an Authorization header; 401 for a bad one."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise ServiceError(401, "unauthorized", "send the token as 'Authorization: Bearer <token>'",
                           {"WWW-Authenticate": BEARER_CHALLENGE})
    return given.strip()


def _resolve() -> Requester:
    token = bearer_token()
    if token is not None:
        expected = state.settings().editor_token
        # Constant-time comparison, so response timing does not leak how much of a guess was right.
        if expected and hmac.compare_digest(token.encode("utf-8"), expected.encode("utf-8")):
            return Requester(automation=True)
        member = members().by_token(token)
        if member is None:
            raise ServiceError(401, "unauthorized", "unknown or revoked token; get a new one with "
                               "`sotay user token USERNAME`",
                               {"WWW-Authenticate": BEARER_CHALLENGE + ', error="invalid_token"'})
        return Requester(member=member)
    signed = session.get(SESSION_KEY)
    if isinstance(signed, dict) and isinstance(signed.get("id"), int) and isinstance(signed.get("epoch"), int):
        member = members().viewer(signed["id"], signed["epoch"])
        if member is None:
            session.pop(SESSION_KEY, None)  # the password changed or the account is gone
            return NOBODY
        return Requester(member=member, via_session=True)
    return NOBODY


def requester() -> Requester:
    """This request's viewer, worked out once per request."""
    if "requester" not in g:
        g.requester = _resolve()
    return g.requester


def scope() -> Scope:
    return requester().scope


def session_member() -> Viewer | None:
    """The member signed in on the pages by a session cookie, or None (anonymous or a bearer token)."""
    try:
        who = requester()
    except ServiceError:
        return None
    return who.member if who.via_session else None


def start_session(member: Viewer) -> None:
    """Sign `member` in on this browser: a fresh session (nothing from before it survives)."""
    session.clear()
    session.permanent = True
    session[SESSION_KEY] = {"id": member.member_id, "epoch": member.session_epoch}
    g.requester = Requester(member=member, via_session=True)
