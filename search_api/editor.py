"""Editor writes: upload files (multipart, zip, JSONL) and delete documents, behind a bearer token."""
from __future__ import annotations

import time

from flask import current_app, jsonify, request, url_for
from flask_smorest import Blueprint

from index.store import AccessDefaults, LibraryBusy
from ingest.visibility import INTERNAL, VISIBILITIES, is_slug

from . import schemas, state
from .errors import ServiceError
from .ids import require_valid
from .jobs import DONE, FAILED, Job, JobQueue
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


def upload_params(who: Requester) -> tuple[str | None, str | None]:
    """The visibility and organisation of an upload (form or query fields `visibility`, `org`),
    checked now, so a bad one is refused before anything is queued (422)."""
    fields = {}
    for name in ("visibility", "org"):
        given = request.form.getlist(name) + request.args.getlist(name)
        if len(given) > 1:
            raise ServiceError(422, "invalid_parameter", f"invalid parameter {name}: give it once, for every file")
        fields[name] = given[0] if given else None
    # As the API's schema says: one of the three words exactly ("Public", "" are refused, not guessed).
    visibility, org = fields["visibility"], (fields["org"] or "").strip().lower() or None
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
    return visibility, org


def upload_access(who: Requester, visibility: str | None, org: str | None) -> AccessDefaults:
    """The upload's access defaults, and the rule that an editor publishes only to their
    organisation or one below it, applied to each document as it is loaded."""
    member = who.member
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
@blp.arguments(schemas.UploadArgs, location="query")
@blp.response(202, schemas.JobSchema, description="Queued: follow it at `status_url` (GET /api/jobs/<job_id>)")
@blp.alt_response(200, schema=schemas.UploadDoneSchema,
                  description="Loaded within `wait` seconds: the ingest report, and the job's id")
@blp.alt_response(500, schema=schemas.ErrorSchema, description="The job failed; `message` says why")
@blp.alt_response(429, schema=schemas.ErrorSchema, description=schemas.TOO_MANY_WRITES)
def upload(args):
    """Load PDF (text or scanned), DOCX, DOC, RTF, ODT, HTML, TXT/MD, JSONL, JPG/PNG/TIFF or zip
    files, as a job: answered at once with its id (202), or with the report when it finishes
    within `wait` seconds (200). Its documents are searchable when the job is done."""
    who = require_editor()
    files = uploaded_files()
    if not any(data for _, data in files):
        raise ServiceError(422, "invalid_parameter", "invalid parameter files: no file was sent")
    given = request.form.getlist("type") + request.args.getlist("type")
    if len(given) > 1:
        raise ServiceError(422, "invalid_parameter", "invalid parameter type: give it once, for every file")
    doc_type = (given[0] if given else "").strip() or None
    visibility, org = upload_params(who)
    queue = jobs_of_app()
    job = queue.submit(files, owner_of(who), {"doc_type": doc_type, "visibility": visibility, "org": org})
    if args["wait"]:
        job = queue.wait(job.job_id, args["wait"]) or job
    if job.status == DONE:
        return jsonify({**(job.report or {}), "job_id": job.job_id})
    if job.status == FAILED:
        raise ServiceError(500, "job_failed", f"loading the upload failed: {job.error}")
    return jsonify(job_json(job)), 202


@blp.route("/jobs/<job_id>")
@blp.doc(security=[{"bearer": []}])
@blp.response(200, schemas.JobSchema)
def job_status(job_id):
    """An upload's job: queued, running (with its progress: the file and page being recognised,
    the passages embedded), done (with the ingest report) or failed (with the reason). Only its
    uploader and administrators see it; for anyone else it does not exist (404)."""
    who = require_editor()
    job = jobs_of_app().get(job_id)
    if job is None or not _may_follow(who, job):
        raise ServiceError(404, "not_found", f"no upload job {job_id!r}")
    return jsonify(job_json(job))


def job_json(job: Job) -> dict:
    return {**job.to_json(), "status_url": url_for("editor.job_status", job_id=job.job_id)}


def _may_follow(who: Requester, job: Job) -> bool:
    if who.automation or (who.member is not None and who.member.is_admin):
        return True
    return who.member is not None and job.owner.get("member_id") == who.member.member_id


def owner_of(who: Requester) -> dict:
    if who.automation:
        return {"automation": True}
    assert who.member is not None
    return {"member_id": who.member.member_id, "epoch": who.member.session_epoch, "username": who.member.username}


def jobs_of_app() -> JobQueue:
    return current_app.extensions["sotay"]["jobs"]


# When another process holds the library's write lock (a `sotay ingest` at the console), a job
# waits for it rather than failing: this often, for at most this long.
BUSY_RETRY_S = 5.0
BUSY_GIVE_UP_S = 600.0


def run_upload(app, job: Job, files: list[tuple[str, bytes]], progress) -> dict:
    """What the job worker runs: the upload loaded with its uploader's rights as they are now."""
    with app.app_context():
        who = _owner_now(job.owner)
        if who is None or not who.may_write:
            raise RuntimeError("the account that uploaded these files may no longer load documents (its password "
                               "or role changed, or the server's editor token did): upload them again")
        params = job.params
        if params.get("org") is not None and not who.may_publish_to(params["org"]):
            raise RuntimeError(f"{params['org']!r} is no longer an organisation this account publishes to")
        access = upload_access(who, params.get("visibility"), params.get("org"))
        started = time.monotonic()
        while True:
            try:
                report = state.library().ingest_uploads(files, doc_type=params.get("doc_type"), progress=progress,
                                                        access=access)
                return report.to_json()
            except LibraryBusy:
                if time.monotonic() - started > BUSY_GIVE_UP_S:
                    raise
                progress(0, 0, "waiting for another load of the library to finish")
                time.sleep(BUSY_RETRY_S)


def _owner_now(owner: dict) -> Requester | None:
    if owner.get("automation"):
        return Requester(automation=True) if state.settings().editor_token else None
    from .viewer import members

    member = members().viewer(int(owner["member_id"]), int(owner["epoch"]))
    return Requester(member=member) if member is not None else None


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
