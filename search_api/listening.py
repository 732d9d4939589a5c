"""Listening positions: where a member stopped in an article read aloud, so their phone or their
computer offers "Nghe tiếp từ 2:35" the next time the article's audio is on a page.

On the JSON API (a member's bearer token, or the session cookie with `X-CSRFToken`, as every
state-changing route). A visitor who is not signed in keeps positions in the browser's
localStorage instead (static/app.js); nothing of theirs reaches the server.

Like a bookmark, a position is only a document id and a number: whether the member may see the
document is asked of the index at every request, so a document they may not see answers 404 on
every listening route, exactly as one that does not exist.
"""
from __future__ import annotations

from flask import jsonify, url_for
from flask_smorest import Blueprint

from . import schemas
from .bookmarks import the_member, visible
from .viewer import members, session_member

blp = Blueprint("listening", __name__, url_prefix="/api", description="Where a member stopped listening")

NEEDS_MEMBER = ("unauthorized: listening positions belong to a member; send 'Authorization: Bearer <token>' from "
                "`sotay user token`, or sign in on the pages (a visitor's browser keeps its own)")
NO_MEMBER = "forbidden: the automation token (SOTAY_EDITOR_TOKEN) is no member and keeps no listening positions"
UNSEEN = "not_found: no document with this id that this member may see"


def position_json(doc_id: str, seconds: float | None, when) -> dict:
    return {"doc_id": doc_id, "seconds": seconds, "updated_at": when.isoformat() if when is not None else None}


@blp.route("/listening/<doc_id:doc_id>")
@blp.response(200, schemas.ListeningSchema)
@blp.doc(security=[{"bearer": []}])
@blp.alt_response(401, schema=schemas.ErrorSchema, description=NEEDS_MEMBER)
@blp.alt_response(403, schema=schemas.ErrorSchema, description=NO_MEMBER)
@blp.alt_response(404, schema=schemas.ErrorSchema, description=UNSEEN)
def get_position(doc_id):
    """Where the member stopped listening to the document; `seconds` is null when nothing is
    remembered (start from the beginning)."""
    member = the_member(NEEDS_MEMBER, NO_MEMBER)
    doc = visible(doc_id)
    found = members().listening_position(member.member_id, doc.doc_id)
    return jsonify(position_json(doc.doc_id, *(found or (None, None))))


@blp.route("/listening/<doc_id:doc_id>", methods=["PUT"])
@blp.arguments(schemas.ListeningBody, location="json")
@blp.response(200, schemas.ListeningSchema)
@blp.doc(security=[{"bearer": []}])
@blp.alt_response(401, schema=schemas.ErrorSchema, description=NEEDS_MEMBER)
@blp.alt_response(403, schema=schemas.ErrorSchema, description=NO_MEMBER)
@blp.alt_response(404, schema=schemas.ErrorSchema, description=UNSEEN)
def save_position(body, doc_id):
    """Remember where the member stopped (replacing what was remembered). The pages send it every
    few seconds while an article plays, and when it is paused or the page is left."""
    member = the_member(NEEDS_MEMBER, NO_MEMBER)
    doc = visible(doc_id)
    when = members().save_listening_position(member.member_id, doc.doc_id, body["seconds"])
    return jsonify(position_json(doc.doc_id, body["seconds"], when))


@blp.route("/listening/<doc_id:doc_id>", methods=["DELETE"])
@blp.response(204)
@blp.doc(security=[{"bearer": []}])
@blp.alt_response(401, schema=schemas.ErrorSchema, description=NEEDS_MEMBER)
@blp.alt_response(403, schema=schemas.ErrorSchema, description=NO_MEMBER)
@blp.alt_response(404, schema=schemas.ErrorSchema, description=UNSEEN)
def forget_position(doc_id):
    """Forget where the member stopped (they listened to the end). Forgetting what was not
    remembered is no error: a page may send it twice."""
    member = the_member(NEEDS_MEMBER, NO_MEMBER)
    doc = visible(doc_id)
    members().forget_listening_position(member.member_id, doc.doc_id)
    return "", 204


def resume_positions(doc_ids) -> dict[str, float]:
    """Seconds by doc_id where the signed-in member stopped, for the pages; empty for anyone else.

    Rendered into the page (`data-resume` on each <audio>) rather than fetched by the script: the
    news list shows up to 30 articles, which would be 30 requests per visit, and the offer is
    there when the page is painted instead of appearing a moment later. The page only names
    documents the member may see, so nothing here needs asking the index again.
    """
    member = session_member()
    return members().listening_positions(member.member_id, list(doc_ids)) if member is not None else {}


def listening_url(doc_id: str) -> str | None:
    """Where the page's script saves positions: the API for a signed-in member, None (the
    browser's localStorage) for a visitor."""
    return url_for("listening.save_position", doc_id=doc_id) if session_member() is not None else None


@blp.app_context_processor
def _listening_helpers():
    return {"resume_positions": resume_positions, "listening_url": listening_url}
