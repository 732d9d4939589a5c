"""Editor writes: upload files (multipart, zip, JSONL) and delete documents, behind a bearer token."""
from __future__ import annotations

from flask import jsonify, request
from flask_smorest import Blueprint

from index.store import AccessDefaults, LibraryBusy
from ingest.visibility import INTERNAL, VISIBILITIES, is_slug

from . import schemas, state
from .errors import ServiceError
from .ids import require_valid
from .viewer import BEARER_CHALLENGE, Requester, requester

blp = Blueprint("editor", __name__, url_prefix="/api", description="Editors: load and delete documents")

JSONL_TYPES = {"application/x-ndjson", "application/jsonl", "application/x-jsonlines",
               "application/jsonlines", "application/json-lines"}


def require_editor() -> Requester:
    """The editor, administrator or automation token behind this write; 401 / 403 otherwise."""
    if request.headers.get("Authorization") is None:
        raise ServiceError(401, "unauthorized", "an editor's token is required: send 'Authorization: Bearer "
                           "<token>' (from `sotay user token`, or SOTAY_EDITOR_TOKEN)",
                           {"WWW-Authenticate": BEARER_CHALLENGE})
    try:
        who = requester()
    except ServiceError as exc:
        if exc.status == 401 and not state.settings().editor_token:
            raise ServiceError(403, "editing_disabled",
                               "this server takes no SOTAY_EDITOR_TOKEN (set it and restart to enable it); "
                               "an editor's own token from `sotay user token` works") from None
        raise
    if not who.may_write:
        raise ServiceError(403, "forbidden", f"{who.member.username if who.member else 'this viewer'} is not an "
                           "editor: only editors and administrators load and remove documents")
    return who


def upload_access(who: Requester) -> AccessDefaults:
    """The visibility and organisation of an upload (form or query fields `visibility`, `org`),
    and the rule that an editor publishes only to their organisation or one below it."""
    fields = {}
    for name in ("visibility", "org"):
        given = [v.strip().lower() for v in request.form.getlist(name) + request.args.getlist(name) if v.strip()]
        if len(given) > 1:
            raise ServiceError(422, "invalid_parameter", f"invalid parameter {name}: give it once, for every file")
        fields[name] = given[0] if given else None
    visibility, org = fields["visibility"], fields["org"]
    if visibility is not None and visibility not in VISIBILITIES:
        raise ServiceError(422, "invalid_parameter", f"invalid parameter visibility: must be one of "
                           f"{', '.join(VISIBILITIES)}")
    if org is not None and not is_slug(org):
        raise ServiceError(422, "invalid_parameter", "invalid parameter org: an organisation slug, e.g. "
                           "'quan-uy-hoang-mai'")
    member = who.member
    if org is None and member is not None and not member.is_admin:
        org = member.org  # an editor's documents belong to their organisation unless they say
    if visibility == INTERNAL and org is None:
        raise ServiceError(422, "invalid_parameter", "invalid parameter org: an internal document needs the "
                           "organisation it is internal to")
    if org is not None and not who.may_publish_to(org):
        raise ServiceError(422, "invalid_parameter", f"invalid parameter org: {org!r} is not {member.org!r} "
                           "or an organisation below it; an editor publishes only there" if member else
                           f"invalid parameter org: {org!r}")
    known: dict[str, bool] = {}

    def admit(doc_id, meta, existing):
        target = meta.get("org")
        if target and target not in known:
            from .viewer import members

            known[target] = members().org_exists(target)
        if target and not known[target]:
            return f"field 'org': no organisation {target!r}"
        if not who.may_publish_to(target):
            return (f"field 'org': {target!r} is outside {member.org!r} and the organisations below it"
                    if member else f"field 'org': {target!r}")
        if existing is not None and not who.may_publish_to(existing.meta.get("org")):
            return f"document id {doc_id!r} cannot be replaced by this account; give the document another id"
        return None

    return AccessDefaults(visibility=visibility, org=org, admit=admit)


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
                 # Multipart fields are text whatever a client meant: any value of these two is read
                 # as its text (an unknown organisation is refused in the report, per document).
                 "type": {"description": "type for documents that name none"},
                 "visibility": {"type": "string", "enum": list(VISIBILITIES),
                                "description": "for documents that name none (default public)"},
                 "org": {"description": "organisation slug: the documents' owner, and "
                         "their audience when internal; an editor's own organisation or one below it"}}}},
             "application/x-ndjson": {"schema": {"type": "string",
                                                 "description": 'lines of {"_id", "title", "text", ...}'}}}})
@blp.response(200, schemas.IngestReportSchema)
@blp.alt_response(503, schema=schemas.ErrorSchema, description=schemas.LIBRARY_BUSY)
@blp.alt_response(429, schema=schemas.ErrorSchema, description=schemas.TOO_MANY_WRITES)
def upload():
    """Load PDF, DOCX, HTML, TXT/MD, JSONL or zip files; searchable as soon as this returns."""
    who = require_editor()
    files = uploaded_files()
    if not any(data for _, data in files):
        raise ServiceError(422, "invalid_parameter", "invalid parameter files: no file was sent")
    given = request.form.getlist("type") + request.args.getlist("type")
    if len(given) > 1:
        raise ServiceError(422, "invalid_parameter", "invalid parameter type: give it once, for every file")
    doc_type = (given[0] if given else "").strip() or None
    try:
        report = state.library().ingest_uploads(files, doc_type=doc_type, access=upload_access(who))
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
    who = require_editor()
    doc = state.library().get(require_valid(doc_id), who.scope)
    if doc is None:
        raise ServiceError(404, "not_found", f"no document with id {doc_id!r}")
    if not who.may_publish_to(doc.meta.get("org")):
        raise ServiceError(403, "forbidden", f"document {doc_id!r} belongs to "
                           f"{doc.meta.get('org') or 'no organisation'}; only its editors and administrators "
                           "remove it")
    try:
        deleted = state.library().delete(doc_id)
    except LibraryBusy as exc:
        raise ServiceError(503, "busy", str(exc), {"Retry-After": "10"}) from None
    if not deleted:
        raise ServiceError(404, "not_found", f"no document with id {doc_id!r}")
    return jsonify({"deleted": doc_id})
