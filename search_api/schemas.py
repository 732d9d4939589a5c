"""Request parameters and response bodies: validation (422 naming the field) and the OpenAPI spec."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from index import MODES
from ingest.topics import TOPIC_SLUGS
from members import MAX_LISTENING_SECONDS
from tts import ENGINES

MAX_QUERY = 500
MAX_TOP_K = 100
# Deep pages cost top_k * page candidates; nobody reads page 200 of a library search.
MAX_PAGE = 100
MAX_TTS_TEXT = 20_000
MAX_NEWS = 100
TOO_MANY_WRITES = ("too_many_requests: more writes from this address than SOTAY_WRITE_RATE_LIMIT allows; "
                   "retry after the Retry-After seconds")
# Every route takes a member's token (or none: anonymous, public documents only).
OPTIONAL_BEARER = [{}, {"bearer": []}]
BAD_TOKEN = ("unauthorized: an Authorization header that is not 'Bearer <token>', or a token that is unknown or "
             "revoked (no header at all is an anonymous request)")
LIBRARY_BUSY = "busy: another ingest is writing to the library; retry after the Retry-After seconds"
SPEECH_UNAVAILABLE = ("tts_unavailable: the chosen speech engine cannot be reached (gTTS needs the network; "
                      "engine=offline always answers where espeak-ng is installed)")


class _Query(ma.Schema):
    class Meta:
        # Cache busters and tracking parameters must not turn a search into an error.
        unknown = ma.EXCLUDE

    @ma.pre_load
    def _strip(self, data, **_):
        return {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ma.ValidationError("must not be blank")


class SearchArgs(_Query):
    q = fields.String(required=True, validate=[validate.Length(min=1, max=MAX_QUERY), _not_blank],
                      metadata={"description": "Query, with or without diacritics"})
    top_k = fields.Integer(load_default=10, validate=validate.Range(min=1, max=MAX_TOP_K),
                           metadata={"description": "Results per page"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    mode = fields.String(load_default="hybrid", validate=validate.OneOf(MODES))
    type = fields.String(validate=validate.Length(max=100),
                         metadata={"description": "Document type, e.g. Nghị quyết"})
    year_from = fields.Integer(validate=validate.Range(min=1900, max=2100))
    year_to = fields.Integer(validate=validate.Range(min=1900, max=2100),
                             metadata={"description": "Not earlier than year_from (422 otherwise)"})
    issuer = fields.String(validate=validate.Length(max=200))

    @ma.validates_schema
    def _years_in_order(self, data, **_):
        if "year_from" in data and "year_to" in data and data["year_from"] > data["year_to"]:
            raise ma.ValidationError("must not be earlier than year_from", "year_to")


class NewsArgs(_Query):
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_NEWS))
    topic = fields.String(validate=validate.OneOf(TOPIC_SLUGS),
                          metadata={"description": "only news of this topic (a slug of the fixed list)"})


class AudioArgs(_Query):
    engine = fields.String(validate=validate.OneOf(ENGINES),
                           metadata={"description": "auto tries gTTS, then the offline espeak-ng voice"})


class TtsBody(ma.Schema):
    text = fields.String(required=True, validate=[validate.Length(min=1, max=MAX_TTS_TEXT), _not_blank])
    engine = fields.String(validate=validate.OneOf(ENGINES))


class ErrorDetailSchema(ma.Schema):
    code = fields.String(metadata={"description": "Stable machine code, e.g. invalid_parameter"})
    message = fields.String()
    fields_ = fields.Dict(data_key="fields", metadata={"description": "422 only: messages by parameter"})


class ErrorSchema(ma.Schema):
    error = fields.Nested(ErrorDetailSchema)


class HitSchema(ma.Schema):
    doc_id = fields.String()
    title = fields.String()
    score = fields.Float()
    snippet = fields.String()
    meta = fields.Dict()
    highlights = fields.List(fields.List(fields.Integer()),
                             metadata={"description": "[start, end) spans of snippet matching the query"})


class SearchResponseSchema(ma.Schema):
    query = fields.String()
    took_ms = fields.Float()
    total = fields.Integer(metadata={"description": "Matching documents over all pages"})
    page = fields.Integer()
    results = fields.List(fields.Nested(HitSchema))


class DocumentSchema(ma.Schema):
    doc_id = fields.String()
    title = fields.String()
    text = fields.String()
    meta = fields.Dict()
    content_hash = fields.String()
    added_at = fields.String()
    file_url = fields.String(allow_none=True, metadata={
        "description": "The file to download, if kept: the upload, or for a scan or photo its PDF with a "
                       "searchable text layer"})
    original_url = fields.String(allow_none=True, metadata={
        "description": "A scan or photo exactly as uploaded (null for other documents)"})
    audio_url = fields.String()


class NewsItemSchema(ma.Schema):
    doc_id = fields.String()
    title = fields.String()
    meta = fields.Dict()
    added_at = fields.String()
    excerpt = fields.String()
    url = fields.String()
    audio_url = fields.String()


class NewsSchema(ma.Schema):
    results = fields.List(fields.Nested(NewsItemSchema))


class FailureSchema(ma.Schema):
    path = fields.String()
    reason = fields.String()


class IngestReportSchema(ma.Schema):
    added = fields.List(fields.String(), metadata={"description": "Ids of new documents"})
    updated = fields.List(fields.String(), metadata={"description": "Ids whose content changed"})
    unchanged = fields.List(fields.String())
    deleted = fields.List(fields.String())
    failed = fields.List(fields.Nested(FailureSchema), metadata={"description": "Each refused file and why"})
    notes = fields.List(fields.String(), metadata={"description": "What was loaded but is worth a look"})
    chunks_indexed = fields.Integer()
    seconds = fields.Float()
    summary = fields.String()


class UploadDoneSchema(IngestReportSchema):
    job_id = fields.String(metadata={"description": "The upload's job (GET /api/jobs/<job_id>)"})


MAX_UPLOAD_WAIT_S = 300


class UploadArgs(_Query):
    wait = fields.Float(load_default=0.0, validate=validate.Range(min=0, max=MAX_UPLOAD_WAIT_S), metadata={
        "description": "seconds to wait for the job to finish and answer its report (200); 0, the default, "
                       "answers at once with the job (202)"})


class JobProgressSchema(ma.Schema):
    stage = fields.String(metadata={"description": "e.g. 'OCR quet.pdf' (pages) or 'embedding' (passages)"})
    done = fields.Integer()
    total = fields.Integer()


class JobSchema(ma.Schema):
    job_id = fields.String()
    status = fields.String(metadata={"description": "queued, running, done or failed"})
    status_url = fields.String()
    created_at = fields.String()
    started_at = fields.String(allow_none=True)
    finished_at = fields.String(allow_none=True)
    files = fields.List(fields.String(), metadata={"description": "The uploaded files' names"})
    progress = fields.Nested(JobProgressSchema)
    report = fields.Nested(IngestReportSchema, allow_none=True, metadata={"description": "When done"})
    error = fields.String(allow_none=True, metadata={"description": "When failed: why"})
    restarts = fields.Integer(metadata={"description": "Times a server restart took the job up again"})


class DeletedSchema(ma.Schema):
    deleted = fields.String()


class HealthSchema(ma.Schema):
    status = fields.String()
    documents = fields.Integer()
    chunks = fields.Integer()
    generation = fields.String(metadata={"description": "The live generation of the index"})
    model = fields.String()


class BookmarkBody(ma.Schema):
    doc_id = fields.String(required=True, validate=validate.Length(min=1, max=300),
                           metadata={"example": "van-ban/qd-27-2021"})


class BookmarkSchema(ma.Schema):
    doc_id = fields.String()
    title = fields.String()
    meta = fields.Dict()
    created_at = fields.String(metadata={"description": "When it was bookmarked (ISO 8601)"})
    url = fields.String()
    audio_url = fields.String()


class BookmarksSchema(ma.Schema):
    results = fields.List(fields.Nested(BookmarkSchema), metadata={"description": "Newest first; only documents "
                                                                                 "the member may still see"})


class JsonNumber(fields.Float):
    """A JSON number and nothing else: "12" and true are refused, not read as 12.0 and 1.0; NaN,
    Infinity and a number too large for a float are refused as well."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.make_error("invalid")
        try:
            float(value)
        except OverflowError:
            raise self.make_error("special") from None
        return super()._deserialize(value, attr, data, **kwargs)


class ListeningBody(ma.Schema):
    seconds = JsonNumber(required=True, validate=validate.Range(min=0, max=MAX_LISTENING_SECONDS),
                         metadata={"description": "Seconds from the start of the document read aloud, "
                                                  f"0 to {MAX_LISTENING_SECONDS:g}", "example": 155.5})


class ListeningSchema(ma.Schema):
    doc_id = fields.String()
    seconds = fields.Float(allow_none=True, metadata={"description": "Where the member stopped; null when "
                                                                     "nothing is remembered"})
    updated_at = fields.String(allow_none=True, metadata={"description": "When it was saved (ISO 8601)"})
