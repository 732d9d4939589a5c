""""Xem sau": a member's bookmarks, on the JSON API (bearer token or session) and on the pages
(form posts with a CSRF token, so they work without JavaScript).

A bookmark is only a document id; whether the member may still see the document is asked of the
index at every request, so a bookmark of a document that was hidden from them, moved out of their
organisation or deleted simply stops being listed, and answers 404 like any unseen document.
"""
from __future__ import annotations

from flask import Blueprint as PagesBlueprint
from flask import jsonify, redirect, render_template, request, url_for
from flask_smorest import Blueprint

from index.records import StoredDocument

from . import schemas, state
from .accounts import safe_next
from .errors import ServiceError
from .ids import is_valid_doc_id
from .viewer import BEARER_CHALLENGE, members, requester, scope, session_member

blp = Blueprint("bookmarks", __name__, url_prefix="/api", description="A member's bookmarks (xem sau)")
pages = PagesBlueprint("saved", __name__)

NEEDS_MEMBER = ("unauthorized: bookmarks belong to a member; send 'Authorization: Bearer <token>' from "
                "`sotay user token`, or sign in on the pages")
NO_MEMBER = "forbidden: the automation token (SOTAY_EDITOR_TOKEN) is no member and keeps no bookmarks"
UNSEEN = "not_found: no document with this id that this member may see"


def the_member(needs_member: str = NEEDS_MEMBER, no_member: str = NO_MEMBER):
    """The member asking (a bearer token or the session): 401 for nobody, 403 for the automation
    token, each with the caller's message (its code, a colon, the text)."""
    who = requester()
    if who.member is None:
        if who.automation:
            raise ServiceError(403, "forbidden", no_member.split(": ", 1)[1])
        raise ServiceError(401, "unauthorized", needs_member.split(": ", 1)[1], {"WWW-Authenticate": BEARER_CHALLENGE})
    return who.member


def visible(doc_id: str) -> StoredDocument:
    doc = state.library().get(doc_id, scope()) if is_valid_doc_id(doc_id) else None
    if doc is None:
        raise ServiceError(404, "not_found", f"no document with id {doc_id!r}")
    return doc


def saved(member_id: int) -> list[tuple[StoredDocument, str]]:
    """The member's bookmarks they may still see, newest first, with when they were made."""
    library, viewer_scope = state.library(), scope()
    kept = []
    for doc_id, when in members().bookmarks(member_id):
        doc = library.get(doc_id, viewer_scope)
        if doc is not None:
            kept.append((doc, when.isoformat()))
    return kept


def bookmarked_ids() -> set[str]:
    """Ids the signed-in member has bookmarked (for the pages' buttons); empty for anyone else."""
    member = session_member()
    return {doc_id for doc_id, _ in members().bookmarks(member.member_id)} if member is not None else set()


def bookmark_json(doc: StoredDocument, when: str) -> dict:
    return {"doc_id": doc.doc_id, "title": doc.title, "meta": doc.meta, "created_at": when,
            "url": url_for("pages.document", doc_id=doc.doc_id),
            "audio_url": url_for("api.document_audio", doc_id=doc.doc_id)}


@blp.route("/bookmarks")
@blp.response(200, schemas.BookmarksSchema)
@blp.doc(security=[{"bearer": []}])
@blp.alt_response(401, schema=schemas.ErrorSchema, description=NEEDS_MEMBER)
@blp.alt_response(403, schema=schemas.ErrorSchema, description=NO_MEMBER)
def list_bookmarks():
    """The member's bookmarks, newest first (documents they may no longer see are left out)."""
    member = the_member()
    return jsonify({"results": [bookmark_json(doc, when) for doc, when in saved(member.member_id)]})


@blp.route("/bookmarks", methods=["POST"])
@blp.arguments(schemas.BookmarkBody, location="json")
@blp.response(201, schemas.BookmarkSchema)
@blp.doc(security=[{"bearer": []}])
@blp.alt_response(401, schema=schemas.ErrorSchema, description=NEEDS_MEMBER)
@blp.alt_response(403, schema=schemas.ErrorSchema, description=NO_MEMBER)
@blp.alt_response(404, schema=schemas.ErrorSchema, description=UNSEEN)
def add_bookmark(body):
    """Bookmark a document the member may see (again: it moves to the top)."""
    member = the_member()
    doc = visible(body["doc_id"].strip())
    members().add_bookmark(member.member_id, doc.doc_id)
    for kept, when in saved(member.member_id):
        if kept.doc_id == doc.doc_id:
            return jsonify(bookmark_json(kept, when)), 201
    raise ServiceError(404, "not_found", f"no document with id {doc.doc_id!r}")  # removed meanwhile


@blp.route("/bookmarks/<doc_id:doc_id>", methods=["DELETE"])
@blp.response(204)
@blp.doc(security=[{"bearer": []}])
@blp.alt_response(401, schema=schemas.ErrorSchema, description=NEEDS_MEMBER)
@blp.alt_response(403, schema=schemas.ErrorSchema, description=NO_MEMBER)
@blp.alt_response(404, schema=schemas.ErrorSchema, description=UNSEEN + ", or not bookmarked")
def remove_bookmark(doc_id):
    """Remove a bookmark."""
    member = the_member()
    visible(doc_id)
    if not members().remove_bookmark(member.member_id, doc_id):
        raise ServiceError(404, "not_found", f"{doc_id!r} is not bookmarked")
    return "", 204


def _page_member():
    member = session_member()
    if member is None:
        return None, redirect(url_for("accounts.sign_in", next=url_for("saved.list_page")), 303)
    return member, None


@pages.route("/xem-sau")
def list_page():
    member, away = _page_member()
    if away is not None:
        return away
    return render_template("saved.html", items=saved(member.member_id))


@pages.route("/xem-sau", methods=["POST"])
def add_page():
    member, away = _page_member()
    if away is not None:
        return away
    doc = visible((request.form.get("doc_id") or "").strip())
    members().add_bookmark(member.member_id, doc.doc_id)
    return redirect(safe_next(request.form.get("next") or url_for("saved.list_page")), 303)


@pages.route("/xem-sau/bo", methods=["POST"])
def remove_page():
    member, away = _page_member()
    if away is not None:
        return away
    doc = visible((request.form.get("doc_id") or "").strip())
    members().remove_bookmark(member.member_id, doc.doc_id)
    return redirect(safe_next(request.form.get("next") or url_for("saved.list_page")), 303)


@pages.app_context_processor
def _bookmark_buttons():
    return {"bookmarked_ids": bookmarked_ids}
