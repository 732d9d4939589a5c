"""Editor writes: upload files (multipart, zip, JSONL) and delete documents, behind a bearer token."""
from __future__ import annotations

import hmac

from flask import jsonify, request
from flask_smorest import Blueprint

from index.store import LibraryBusy

from . import schemas, state
from .errors import ServiceError
from .ids import require_valid

blp = Blueprint("editor", __name__, url_prefix="/api", description="Editors: load and delete documents")

JSONL_TYPES = {"application/x-ndjson", "application/jsonl", "application/x-jsonlines",
               "application/jsonlines", "application/json-lines"}
BEARER_CHALLENGE = 'Bearer realm="sotay"'


def require_editor() -> None:
    expected = state.settings().editor_token
    if not expected:
        raise ServiceError(403, "editing_disabled",
                           "editing is disabled on this server: set SOTAY_EDITOR_TOKEN and restart it")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise ServiceError(401, "unauthorized", "editor token required: send 'Authorization: Bearer <token>'",
                           {"WWW-Authenticate": BEARER_CHALLENGE})
    # Constant-time comparison, so response timing does not leak how much of a guess was right.
    if not hmac.compare_digest(given.strip().encode("utf-8"), expected.encode("utf-8")):
        raise ServiceError(401, "unauthorized", "wrong editor token",
                           {"WWW-Authenticate": BEARER_CHALLENGE + ', error="invalid_token"'})


def uploaded_files() -> list[tuple[str, bytes]]:
    if request.mimetype == "multipart/form-data":
        return [(storage.filename or key, storage.read())
                for key in request.files for storage in request.files.getlist(key)]
    if request.mimetype in JSONL_TYPES:
        return [("upload.jsonl", request.get_data())]
    raise ServiceError(415, "unsupported_media_type",
                       "send files as multipart/form-data (field 'files'), or JSON lines as "
                       "application/x-ndjson")


@blp.route("/documents", methods=["POST"])
@blp.doc(security=[{"bearer": []}],
         requestBody={"content": {
             "multipart/form-data": {"schema": {"type": "object", "properties": {
                 "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                 "type": {"type": "string", "description": "type for documents that name none"}}}},
             "application/x-ndjson": {"schema": {"type": "string",
                                                 "description": 'lines of {"_id", "title", "text", ...}'}}}})
@blp.response(200, schemas.IngestReportSchema)
@blp.alt_response(503, schema=schemas.ErrorSchema, description=schemas.LIBRARY_BUSY)
@blp.alt_response(429, schema=schemas.ErrorSchema, description=schemas.TOO_MANY_WRITES)
def upload():
    """Load PDF, DOCX, HTML, TXT/MD, JSONL or zip files; searchable as soon as this returns."""
    require_editor()
    files = uploaded_files()
    if not any(data for _, data in files):
        raise ServiceError(422, "invalid_parameter", "invalid parameter files: no file was sent")
    given = request.form.getlist("type") + request.args.getlist("type")
    if len(given) > 1:
        raise ServiceError(422, "invalid_parameter", "invalid parameter type: give it once, for every file")
    doc_type = (given[0] if given else "").strip() or None
    try:
        report = state.library().ingest_uploads(files, doc_type=doc_type)
    except LibraryBusy as exc:
        raise ServiceError(503, "busy", str(exc), {"Retry-After": "10"}) from None
    return jsonify(report.to_json())


@blp.route("/documents/<doc_id:doc_id>", methods=["DELETE"])
@blp.doc(security=[{"bearer": []}])
@blp.response(200, schemas.DeletedSchema)
@blp.alt_response(503, schema=schemas.ErrorSchema, description=schemas.LIBRARY_BUSY)
@blp.alt_response(429, schema=schemas.ErrorSchema, description=schemas.TOO_MANY_WRITES)
def delete(doc_id):
    """Remove a document from the library."""
    require_editor()
    require_valid(doc_id)
    try:
        deleted = state.library().delete(doc_id)
    except LibraryBusy as exc:
        raise ServiceError(503, "busy", str(exc), {"Retry-After": "10"}) from None
    if not deleted:
        raise ServiceError(404, "not_found", f"no document with id {doc_id!r}")
    return jsonify({"deleted": doc_id})
