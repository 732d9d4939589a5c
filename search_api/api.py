"""The JSON API (`/api/...`), `/healthz`; flask-smorest validates parameters and writes the spec."""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import jsonify, send_file, url_for
from flask_smorest import Blueprint

from index.records import SearchFilters, SearchResponse, StoredDocument
from ingest.vntext import fold
from tts import article_text

from . import schemas, state
from .audio import stream_speech
from .errors import ServiceError
from .ids import require_valid
from .viewer import requester, scope

blp = Blueprint("api", __name__, url_prefix="/api", description="Search, read and listen")
meta_blp = Blueprint("meta", __name__, description="Service health")

EXCERPT_CHARS = 280
# Reading a whole regulation aloud is a legitimate request; this only bounds a runaway document.
MAX_AUDIO_CHARS = 200_000


def run_search(args: dict) -> SearchResponse:
    filters = SearchFilters(type=args.get("type"), year_from=args.get("year_from"),
                            year_to=args.get("year_to"), issuer=args.get("issuer"))
    return state.library().search(args["q"], top_k=args["top_k"], mode=args["mode"],
                                  filters=filters, page=args["page"], scope=scope())


def get_document(doc_id: str) -> StoredDocument:
    """The document, or 404 when there is none or this viewer may not see it (the same answer)."""
    doc = state.library().get(require_valid(doc_id), scope())
    if doc is None:
        raise ServiceError(404, "not_found", f"no document with id {doc_id!r}")
    return doc


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip(" ,;:.") + "…"


def speech_text(doc: StoredDocument) -> str:
    return article_text(doc.title, doc.text)[:MAX_AUDIO_CHARS]


def content_disposition(filename: str) -> str:
    """RFC 6266 with an RFC 5987 UTF-8 name, and an ASCII fallback for old clients."""
    name = unicodedata.normalize("NFC", re.split(r"[/\\]", filename)[-1]) or "van-ban"
    # Folding keeps "Quyết định" readable as "Quyet dinh" where a plain ASCII cut would drop "đ".
    fallback = re.sub(r"[^A-Za-z0-9._ ()-]", "_", fold(name)).strip() or "van-ban"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def document_json(doc: StoredDocument) -> dict:
    data = doc.to_json()
    data.pop("file", None)  # the library's internal storage names
    data.pop("original", None)
    data["file_url"] = url_for("api.document_file", doc_id=doc.doc_id) if doc.file else None
    data["original_url"] = url_for("api.document_original", doc_id=doc.doc_id) if doc.original else None
    data["audio_url"] = url_for("api.document_audio", doc_id=doc.doc_id)
    return data


def news_json(doc: StoredDocument) -> dict:
    return {
        "doc_id": doc.doc_id,
        "title": doc.title,
        "meta": doc.meta,
        "added_at": doc.added_at,
        "excerpt": excerpt(doc.text),
        "url": url_for("pages.document", doc_id=doc.doc_id),
        "audio_url": url_for("api.document_audio", doc_id=doc.doc_id),
    }


@blp.route("/search")
@blp.arguments(schemas.SearchArgs, location="query")
@blp.response(200, schemas.SearchResponseSchema)
@blp.doc(security=schemas.OPTIONAL_BEARER)
@blp.alt_response(401, schema=schemas.ErrorSchema, description=schemas.BAD_TOKEN)
def search(args):
    """Search documents: one result per document, best first, with the matching passage."""
    return jsonify(run_search(args).to_json())


@blp.route("/documents/<doc_id:doc_id>")
@blp.response(200, schemas.DocumentSchema)
@blp.doc(security=schemas.OPTIONAL_BEARER)
@blp.alt_response(401, schema=schemas.ErrorSchema, description=schemas.BAD_TOKEN)
def document(doc_id):
    """A document's metadata and full text."""
    return jsonify(document_json(get_document(doc_id)))


@blp.route("/documents/<doc_id:doc_id>/file")
@blp.doc(security=schemas.OPTIONAL_BEARER)
@blp.alt_response(401, schema=schemas.ErrorSchema, description=schemas.BAD_TOKEN)
@blp.doc(responses={"200": {"description": "The file as uploaded, in its own type (application/pdf, DOCX, "
                                           "text/html, text/plain, text/markdown...); for a scan or photo, the "
                                           "PDF made from it with a searchable, copyable text layer",
                            "content": {"*/*": {}}}})
def document_file(doc_id):
    """The document's file (PDF, DOCX, ...) with its Vietnamese file name."""
    get_document(doc_id)
    found = state.library().original_file(doc_id, scope())
    if found is None:
        raise ServiceError(404, "not_found", f"document {doc_id!r} has no original file")
    return _send(*found)


@blp.route("/documents/<doc_id:doc_id>/original")
@blp.doc(security=schemas.OPTIONAL_BEARER)
@blp.alt_response(401, schema=schemas.ErrorSchema, description=schemas.BAD_TOKEN)
@blp.doc(responses={"200": {"description": "A scan or photo exactly as it was uploaded (image/jpeg, "
                                           "image/tiff, application/pdf...)",
                            "content": {"*/*": {}}}})
def document_original(doc_id):
    """A scanned or photographed document exactly as it was received (404 for other documents:
    their file is the upload itself)."""
    get_document(doc_id)
    found = state.library().received_file(doc_id, scope())
    if found is None:
        raise ServiceError(404, "not_found", f"document {doc_id!r} was not scanned: its file is the upload itself")
    return _send(*found)


def _send(path, filename: str, content_type: str):
    response = send_file(path, mimetype=content_type, conditional=True, max_age=3600)
    # send_file appends a charset to text types even when the type names one already.
    response.headers["Content-Type"] = content_type
    response.headers["Content-Disposition"] = content_disposition(filename)
    return response


@blp.route("/documents/<doc_id:doc_id>/audio")
@blp.arguments(schemas.AudioArgs, location="query")
@blp.doc(security=schemas.OPTIONAL_BEARER)
@blp.alt_response(401, schema=schemas.ErrorSchema, description=schemas.BAD_TOKEN)
@blp.alt_response(503, schema=schemas.ErrorSchema, description=schemas.SPEECH_UNAVAILABLE)
@blp.doc(responses={"200": {"description": "MP3, streamed while it is synthesized",
                            "content": {"audio/mpeg": {}}}})
def document_audio(args, doc_id):
    """The document (title, then text) read aloud."""
    return stream_speech(speech_text(get_document(doc_id)), args.get("engine"))


@blp.route("/news")
@blp.arguments(schemas.NewsArgs, location="query")
@blp.response(200, schemas.NewsSchema)
@blp.doc(security=schemas.OPTIONAL_BEARER)
@blp.alt_response(401, schema=schemas.ErrorSchema, description=schemas.BAD_TOKEN)
def news(args):
    """News articles, newest first; only those of `topic` when given."""
    items = state.library().news(args["limit"], scope(), topic=args.get("topic"))
    return jsonify({"results": [news_json(doc) for doc in items]})


@blp.route("/tts", methods=["POST"])
@blp.arguments(schemas.TtsBody, location="json")
@blp.doc(security=schemas.OPTIONAL_BEARER)
@blp.alt_response(401, schema=schemas.ErrorSchema, description=schemas.BAD_TOKEN)
@blp.alt_response(503, schema=schemas.ErrorSchema, description=schemas.SPEECH_UNAVAILABLE)
@blp.doc(responses={"200": {"description": "MP3, streamed", "content": {"audio/mpeg": {}}}})
def speak(body):
    """Any Vietnamese text read aloud."""
    requester()  # reads no document, but a bad token is refused here as on every other route
    return stream_speech(body["text"], body.get("engine"))


@meta_blp.route("/healthz")
@meta_blp.response(200, schemas.HealthSchema)
@meta_blp.doc(security=schemas.OPTIONAL_BEARER)
@meta_blp.alt_response(401, schema=schemas.ErrorSchema, description=schemas.BAD_TOKEN)
def healthz():
    """Liveness, the size of the library this viewer may see, and the embedding model."""
    stats = state.library().stats(scope())
    return jsonify({"status": "ok", **stats})
