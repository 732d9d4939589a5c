"""The reading pages: search (works without JavaScript), a document, news, and the editor page."""
from __future__ import annotations

import math
import re
from urllib.parse import urlencode

import marshmallow as ma
from flask import Blueprint, redirect, render_template, request, url_for

from ingest.topics import TOPIC_NAMES, TOPICS
from ingest.vntext import fold

from . import state
from .api import excerpt, get_document, run_search
from .errors import ServiceError
from .highlight import mark_spans
from .schemas import MAX_QUERY, SearchArgs
from .viewer import members, scope, session_member

bp = Blueprint("pages", __name__)

PAGE_SIZE = 10
TYPE_LABELS = {"news": "Tin tức"}
FIELD_ERRORS = {
    "q": f"Từ khóa tìm kiếm dài quá {MAX_QUERY} ký tự; hãy rút gọn lại.",
    "year_from": "Năm từ phải là một năm, ví dụ 2021.",
    "year_to": "Năm đến phải là một năm, ví dụ 2024, và không sớm hơn năm từ.",
    "page": "Số trang không hợp lệ.",
    "type": "Loại văn bản không hợp lệ.",
    "issuer": "Tên cơ quan ban hành quá dài.",
    "mode": "Cách tìm không hợp lệ.",
    "top_k": "Số kết quả mỗi trang không hợp lệ.",
}
META_LABELS = (("type", "Loại văn bản"), ("number", "Số hiệu"), ("date", "Ngày ban hành"),
               ("issuer", "Cơ quan ban hành"), ("source", "Nguồn"), ("author", "Tác giả"))
# Lines that open a part of a party document; shown as headings so a long text can be scanned.
HEADING = re.compile(r"^(PHẦN|Phần|CHƯƠNG|Chương|MỤC|Mục|Điều|[IVXLC]+\.)\s", re.UNICODE)

@bp.app_template_filter("vn_date")
def vn_date(value: str) -> str:
    """2021-08-10 -> 10/08/2021, the way dates are written in Vietnamese documents."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value or "")
    return f"{match[3]}/{match[2]}/{match[1]}" if match else (value or "")


@bp.app_template_filter("type_label")
def type_label(value: str) -> str:
    """The library stores types in lower case ("nghị quyết"); a label starts with a capital."""
    value = value or ""
    return TYPE_LABELS.get(value) or value[:1].upper() + value[1:]


@bp.app_template_filter("type_key")
def type_key(value: str) -> str:
    """What the library's type filter compares: case and diacritics do not matter."""
    return fold(value or "").lower()


bp.add_app_template_filter(mark_spans, "mark_spans")


def facets() -> dict:
    """Types and issuers of the documents this viewer may see, for the filter boxes."""
    return state.library().facets(scope())


def page_url(args: dict, page: int) -> str:
    kept = {k: v for k, v in args.items() if k != "page" and v not in (None, "")}
    return url_for("pages.search") + "?" + urlencode({**kept, "page": page})


@bp.route("/")
def search():
    form = {k: request.args.get(k, "") for k in ("q", "type", "year_from", "year_to", "issuer")}
    context = {"form": form, "facets": facets(), "errors": [], "response": None, "page_size": PAGE_SIZE}
    if not form["q"].strip():
        return render_template("search.html", **context)
    try:
        # The form submits every filter box; an empty one means "not set".
        filled = {k: v for k, v in request.args.items() if v.strip()}
        args = SearchArgs().load({**filled, "top_k": str(PAGE_SIZE)})
    except ma.ValidationError as exc:
        context["errors"] = [FIELD_ERRORS.get(name, "Thông tin tìm kiếm không hợp lệ.")
                             for name in exc.messages]
        return render_template("search.html", **context), 422
    response = run_search(args)
    pages = max(1, math.ceil(response.total / PAGE_SIZE))
    context.update(
        response=response,
        pages=pages,
        prev_url=page_url(form, response.page - 1) if response.page > 1 else None,
        next_url=page_url(form, response.page + 1) if response.page < pages else None,
    )
    return render_template("search.html", **context)


@bp.route("/doc/<doc_id:doc_id>")
def document(doc_id):
    doc = get_document(doc_id)
    paragraphs = [(bool(HEADING.match(line)), line) for line in
                  (line.strip() for line in doc.text.splitlines()) if line]
    meta = [(label, vn_date(doc.meta[key]) if key == "date" else type_label(doc.meta[key]))
            for key, label in META_LABELS if doc.meta.get(key)]
    has_file = state.library().original_file(doc_id, scope()) is not None
    has_original = state.library().received_file(doc_id, scope()) is not None
    return render_template("document.html", doc=doc, paragraphs=paragraphs, meta=meta, has_file=has_file,
                           has_original=has_original)


@bp.route("/news")
def news():
    # One chip per topic; `?topic=` keeps only that topic's news. An empty one means all.
    topic = request.args.get("topic", "").strip() or None
    chips = [(t.slug, t.name) for t in TOPICS]
    if topic is not None and topic not in TOPIC_NAMES:
        return render_template("news.html", items=[], chips=chips, topic=None, topic_names=TOPIC_NAMES, followed=[],
                               error="Chủ đề không có trong danh sách; hãy chọn một chủ đề bên dưới."), 422
    docs = state.library().news(30, scope(), topic=topic)
    member = session_member()
    followed = members().followed_topics(member.member_id) if member is not None else []
    if followed and topic is None:
        # A member's followed topics first: their news, newest first, then the rest (stable sort).
        docs.sort(key=lambda d: not set(d.meta.get("topics") or ()) & set(followed))
    items = [(doc, excerpt(doc.text)) for doc in docs]
    return render_template("news.html", items=items, chips=chips, topic=topic, error=None,
                           topic_names=TOPIC_NAMES, followed=followed)


@bp.route("/news/theo-doi", methods=["POST"])
def follow_topic():
    """Follow (`action=follow`) or stop following a topic; a form post with the CSRF token."""
    member = session_member()
    topic = (request.form.get("topic") or "").strip()
    if member is None:
        return redirect(url_for("accounts.sign_in", next=url_for("pages.news", topic=topic or None)), 303)
    if topic not in TOPIC_NAMES:
        raise ServiceError(422, "invalid_parameter", f"invalid parameter topic: {topic!r} is not a topic")
    if request.form.get("action") == "unfollow":
        members().unfollow_topic(member.member_id, topic)
    else:
        members().follow_topic(member.member_id, topic)
    return redirect(url_for("pages.news", topic=topic), 303)


@bp.route("/editor")
def editor():
    settings = state.settings()
    # Editors' own tokens work whether or not the server has an automation token.
    return render_template("editor.html", enabled=bool(settings.editor_token), types=facets()["types"],
                           max_upload_mb=settings.max_upload_mb)
