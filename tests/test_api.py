"""The web service through Flask's test client, over a real small library (real index, embedded by
the fake hashing embedder of tests/fakes.py: these tests are about the HTTP contract; what the real
model finds is tested in test_search_quality.py and test_corpus_search.py)."""
from __future__ import annotations

import io
import json
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest

from search_api import create_app
from search_api.api import content_disposition
from search_api.highlight import mark_spans
from search_api.ids import is_valid_doc_id
from tests.fakes import FAKE_MODEL_NAME
from tests.helpers_api import EDITOR_TOKEN, UPLOAD_NAME, UPLOAD_TEXT, Server, build_library, make_settings

AUTH = {"Authorization": f"Bearer {EDITOR_TOKEN}"}
CT_ID = "Chỉ-thị-12-phòng-chống-tham-nhũng"


@pytest.fixture(scope="module")
def library(tmp_path_factory, fake_embedder, sotay_home):
    settings = make_settings(tmp_path_factory.mktemp("api") / "index", sotay_home)
    return build_library(settings, fake_embedder)


@pytest.fixture(scope="module")
def app(library):
    app = create_app(library.settings, library)
    app.testing = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def writable(tmp_path, fake_embedder, sotay_home):
    """A library of its own for tests that change it, with a 1 MB upload limit."""
    settings = make_settings(tmp_path / "index", sotay_home, max_upload_mb=1)
    text = "QUY ĐỊNH về sinh hoạt chi bộ.\n\nChi bộ sinh hoạt định kỳ mỗi tháng một lần."
    library = build_library(settings, fake_embedder, files=[("qd-sinh-hoat-chi-bo.txt", text.encode())])
    app = create_app(settings, library)
    app.testing = True
    return app


def error_of(response):
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"])
    return body["error"]


# -- search -------------------------------------------------------------------------------------

def test_search_returns_documents_in_the_contract_shape(client):
    response = client.get("/api/search", query_string={"q": "chuyển đổi số quốc gia"})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert {"query", "took_ms", "total", "page", "results"} <= set(body)
    assert body["query"] == "chuyển đổi số quốc gia" and body["page"] == 1
    assert body["results"][0]["doc_id"] == "nq-57-2024"
    for hit in body["results"]:
        assert {"doc_id", "title", "score", "snippet", "meta", "highlights"} <= set(hit)
    assert len({hit["doc_id"] for hit in body["results"]}) == len(body["results"])
    # Readable UTF-8, not \\u escapes.
    assert "chuyển đổi số".encode() in response.data


def test_search_without_diacritics_finds_the_same_document(client):
    body = client.get("/api/search?q=chuyen+doi+so+quoc+gia").get_json()
    assert body["results"][0]["doc_id"] == "nq-57-2024"


@pytest.mark.parametrize("mode", ["hybrid", "dense", "keyword"])
def test_every_mode_answers(client, mode):
    body = client.get("/api/search", query_string={"q": "phòng chống tham nhũng", "mode": mode}).get_json()
    assert body["results"][0]["doc_id"] == CT_ID


def test_filters_narrow_the_results(client):
    body = client.get("/api/search", query_string={"q": "đảng viên", "type": "Nghị quyết"}).get_json()
    assert [hit["doc_id"] for hit in body["results"]] == ["nq-57-2024"]
    body = client.get("/api/search", query_string={"q": "đảng viên", "issuer": "bộ chính trị",
                                                   "year_from": 2024, "year_to": 2024}).get_json()
    assert [hit["doc_id"] for hit in body["results"]] == ["nq-57-2024"]
    body = client.get("/api/search", query_string={"q": "đảng viên", "year_to": 2000}).get_json()
    assert body["results"] == [] and body["total"] == 0


def test_paging(client):
    first = client.get("/api/search?q=đảng+viên&top_k=2").get_json()
    second = client.get("/api/search?q=đảng+viên&top_k=2&page=2").get_json()
    assert len(first["results"]) == 2 and second["page"] == 2
    assert not {h["doc_id"] for h in first["results"]} & {h["doc_id"] for h in second["results"]}


@pytest.mark.parametrize("query", ["...", "!!!", "<script>", "🙂🙂", "Đ", "a" * 500, "27/QĐ-TW",
                                   "'; DROP TABLE documents; --", "%", "\u0000x"])
def test_odd_queries_are_answered(client, query):
    for mode in ("hybrid", "keyword"):
        response = client.get("/api/search", query_string={"q": query, "mode": mode})
        assert response.status_code == 200, (query, mode, response.data[:300])
        assert client.get("/", query_string={"q": query}).status_code == 200


@pytest.mark.parametrize("query, field", [
    ("", "q"),
    ("q=", "q"),
    ("q=%20%20", "q"),
    ("q=" + "a" * 501, "q"),
    ("q=x&top_k=0", "top_k"),
    ("q=x&top_k=101", "top_k"),
    ("q=x&top_k=ten", "top_k"),
    ("q=x&page=0", "page"),
    ("q=x&page=100000", "page"),
    ("q=x&mode=fuzzy", "mode"),
    ("q=x&year_from=abc", "year_from"),
    ("q=x&year_from=2024&year_to=2020", "year_to"),
])
def test_invalid_parameters_get_422_naming_the_field(client, query, field):
    response = client.get("/api/search?" + query)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid_parameter"
    assert field in error["message"]


# -- documents, files, news ---------------------------------------------------------------------

def test_document_with_metadata_and_text(client):
    body = client.get("/api/documents/nq-57-2024").get_json()
    assert body["doc_id"] == "nq-57-2024"
    assert body["meta"]["number"] == "57-NQ/TW"
    assert "Sổ tay đảng viên điện tử" in body["text"]
    assert body["file_url"] == "/api/documents/nq-57-2024/file"
    assert body["audio_url"] == "/api/documents/nq-57-2024/audio"


def test_document_ids_with_slashes(client):
    body = client.get("/api/documents/tin-tuc/hien-mau-tinh-nguyen").get_json()
    assert body["title"] == "Đoàn viên thanh niên tham gia hiến máu tình nguyện"


def test_unknown_document_is_404_json(client):
    for url in ("/api/documents/khong-co", "/api/documents/khong-co/file", "/api/documents/van-ban/khong/audio"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert error_of(response)["code"] == "not_found"


def test_original_file_download_with_vietnamese_name(client, library):
    response = client.get(f"/api/documents/{urllib.parse.quote(CT_ID)}/file")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.data.decode("utf-8").startswith("CHỈ THỊ số 12-CT/TW")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="Chi thi 12 phong chong tham nhung.txt"' in disposition
    utf8_name = urllib.parse.quote("Chỉ thị 12 phòng chống tham nhũng.txt", safe="")
    assert "filename*=UTF-8''" + utf8_name in disposition


def test_document_without_original_file_is_404(client):
    response = client.get("/api/documents/tin-tuc/hien-mau-tinh-nguyen/file")
    assert response.status_code == 404
    assert client.get("/api/documents/tin-tuc/hien-mau-tinh-nguyen").get_json()["file_url"] is None


def test_news_newest_first(client):
    body = client.get("/api/news?limit=2").get_json()
    assert [item["doc_id"] for item in body["results"]] == ["tin-tuc/hoi-nghi-chuyen-doi-so",
                                                            "tin-tuc/hien-mau-tinh-nguyen"]
    item = body["results"][0]
    assert item["audio_url"] == "/api/documents/tin-tuc/hoi-nghi-chuyen-doi-so/audio"
    assert item["excerpt"].startswith("Ngày 20/5/2024")
    assert client.get("/api/news?limit=0").status_code == 422
    assert client.get("/api/news?limit=1000").status_code == 422


# -- audio --------------------------------------------------------------------------------------

def is_mp3(data: bytes) -> bool:
    return data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0)


def test_document_audio_is_streamed_mp3(client):
    response = client.get("/api/documents/tin-tuc/hien-mau-tinh-nguyen/audio?engine=offline")
    assert response.status_code == 200
    assert response.mimetype == "audio/mpeg"
    assert response.is_streamed and "Content-Length" not in response.headers
    data = response.get_data()
    assert is_mp3(data) and len(data) > 2000


def test_audio_engine_is_validated(client):
    response = client.get("/api/documents/tin-tuc/hien-mau-tinh-nguyen/audio?engine=siri")
    assert response.status_code == 422 and "engine" in error_of(response)["message"]


def test_tts_reads_text_aloud(client):
    response = client.post("/api/tts", json={"text": "Xin chào các đồng chí đảng viên."})
    assert response.status_code == 200 and response.mimetype == "audio/mpeg"
    assert is_mp3(response.get_data())


@pytest.mark.parametrize("payload", [{}, {"text": ""}, {"text": "   "}, {"text": "..."}, {"text": 5},
                                     {"text": "x" * 20_001}, {"text": "xin chào", "engine": "siri"}])
def test_tts_rejects_bad_bodies(client, payload):
    response = client.post("/api/tts", json=payload)
    assert response.status_code == 422
    assert error_of(response)["code"] == "invalid_parameter"


def test_tts_rejects_a_body_that_is_not_json(client):
    response = client.post("/api/tts", data="text=xin chào", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 422


# -- health, spec, errors -----------------------------------------------------------------------

def test_healthz_reports_size_and_model(client, library):
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok"
    assert body["documents"] == 7 and body["chunks"] >= 7
    assert body["model"] == library.generation().manifest["model"] == FAKE_MODEL_NAME


def test_openapi_lists_the_routes(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["info"]["title"] == "Sổ tay"
    for path in ("/api/search", "/api/documents/{doc_id}", "/api/documents/{doc_id}/file",
                 "/api/documents/{doc_id}/audio", "/api/news", "/api/tts", "/api/documents", "/healthz"):
        assert path in spec["paths"], path
    params = {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert {"q", "top_k", "page", "mode", "type", "year_from", "year_to", "issuer"} <= params
    assert set(spec["components"]["schemas"]["Error"]["properties"]) == {"error"}


def test_unknown_api_route_and_method(client):
    assert error_of(client.get("/api/khong-co"))["code"] == "not_found"
    response = client.put("/api/search?q=x")
    assert response.status_code == 405 and error_of(response)["code"] == "method_not_allowed"


def test_unknown_page_is_a_vietnamese_html_page(client):
    response = client.get("/trang-khong-co")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "Không tìm thấy" in response.get_data(as_text=True)


def test_crashes_never_show_a_stack_trace(library, caplog):
    app = create_app(library.settings, library)

    @app.route("/api/boom")
    def boom_api():
        raise RuntimeError("bí mật nội bộ /etc/shadow")

    @app.route("/boom")
    def boom_page():
        raise RuntimeError("bí mật nội bộ /etc/shadow")

    client = app.test_client()
    response = client.get("/api/boom")
    assert response.status_code == 500 and error_of(response)["code"] == "internal_error"
    page = client.get("/boom")
    assert page.status_code == 500 and "Đã có lỗi xảy ra" in page.get_data(as_text=True)
    for body in (response.get_data(as_text=True), page.get_data(as_text=True)):
        assert "bí mật" not in body and "Traceback" not in body and "RuntimeError" not in body
    assert "bí mật nội bộ" in caplog.text  # the log keeps it


# -- safety -------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "/api/documents/../../etc/passwd",
    "/api/documents/%2e%2e/%2e%2e/etc/passwd",
    "/api/documents/%2e%2e%2f%2e%2e%2fetc%2fpasswd/file",
    "/api/documents/van-ban/..%2f..%2fCURRENT/file",
    "/api/documents/..%5c..%5cwindows%5cwin.ini",
    "/api/documents//etc/passwd",
    "/api/documents/nq-57-2024%00.md",
    "/api/documents/" + "a" * 400,
    "/doc/..%2f..%2fetc%2fpasswd",
])
def test_path_traversal_is_refused(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert b"root:" not in response.data and b"gen-" not in response.data


@pytest.mark.parametrize("doc_id, ok", [
    ("nq-57-2024", True), ("van-ban/qd-27-2021", True), ("tin-tuc/Hà-Nội_2024.1", True),
    ("../x", False), ("a/../b", False), ("/etc/passwd", False), ("a//b", False), ("a\\b", False),
    ("a b", False), (".", False), ("x\x00", False), ("", False), ("a" * 301, False),
])
def test_doc_id_rules(doc_id, ok):
    assert is_valid_doc_id(doc_id) is ok


def test_documents_with_markup_show_as_text(client):
    html = client.get("/?q=kiểm+thử+an+toàn").get_data(as_text=True)
    assert "thong-bao-an-toan" in html
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    html = client.get("/doc/thong-bao-an-toan").get_data(as_text=True)
    assert "<script>alert" not in html and "<b>thẻ HTML</b>" not in html
    assert "&lt;b&gt;thẻ HTML&lt;/b&gt;" in html


def test_queries_are_escaped_on_the_page(client):
    html = client.get("/", query_string={"q": '"><script>alert(1)</script>'}).get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_pages_forbid_inline_scripts(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_mark_spans_escapes_then_marks():
    assert mark_spans("a <b> c", [[3, 4]]) == "a &lt;<mark>b</mark>&gt; c"
    assert mark_spans("đảng viên", [[0, 4], [2, 9], [50, 60], [5, 5]]) == "<mark>đảng viên</mark>"
    assert mark_spans("x & y", []) == "x &amp; y"


def test_content_disposition_has_utf8_name_and_ascii_fallback():
    value = content_disposition("Quyết định số 27.pdf")
    assert 'filename="Quyet dinh so 27.pdf"' in value
    assert "filename*=UTF-8''Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh%20s%E1%BB%91%2027.pdf" in value
    assert content_disposition('a"b;c.txt').startswith('attachment; filename="a_b_c.txt"; ')
    assert 'filename="passwd"' in content_disposition("../../etc/passwd")


# -- pages --------------------------------------------------------------------------------------

def test_search_page_works_without_javascript(client):
    html = client.get("/?q=chuyen+doi+so+quoc+gia").get_data(as_text=True)
    assert 'href="/doc/nq-57-2024"' in html
    assert "Nghị quyết số 57-NQ/TW" in html
    assert "<mark>" in html
    assert "22/12/2024" in html and "Bộ Chính trị" in html


def test_search_page_shows_filters_and_keeps_them(client):
    html = client.get("/?q=đảng+viên&type=Nghị+quyết&year_from=2024").get_data(as_text=True)
    assert '<option value="nghị quyết" selected>Nghị quyết</option>' in html
    assert 'name="year_from" type="number" inputmode="numeric" min="1900" max="2100" value="2024"' in html
    assert "nq-57-2024" in html and CT_ID not in html


def test_search_page_explains_bad_input_in_vietnamese(client):
    response = client.get("/?q=x&year_from=năm+ngoái")
    assert response.status_code == 422
    assert "Năm từ phải là một năm" in response.get_data(as_text=True)


def test_search_page_says_when_nothing_matches(client):
    html = client.get("/?q=đảng+viên&year_to=1990").get_data(as_text=True)
    assert "Không tìm thấy văn bản nào" in html


def test_document_page(client):
    html = client.get("/doc/nq-57-2024").get_data(as_text=True)
    assert "<h1>Nghị quyết số 57-NQ/TW" in html
    assert "Tải văn bản gốc" in html and 'href="/api/documents/nq-57-2024/file"' in html
    assert '<audio id="audio-doc"' in html and 'src="/api/documents/nq-57-2024/audio"' in html
    assert "<dt>Số hiệu</dt><dd>57-NQ/TW</dd>" in html
    news = client.get("/doc/tin-tuc/hien-mau-tinh-nguyen").get_data(as_text=True)
    assert "Tải văn bản gốc" not in news and "Nghe" in news


def test_news_page_lists_newest_first_with_players(client):
    html = client.get("/news").get_data(as_text=True)
    first = html.index("Hà Nội đẩy mạnh chuyển đổi số")
    assert first < html.index("hiến máu tình nguyện") < html.index("gieo cấy vụ mới")
    assert html.count("<audio") == 3
    assert 'src="/api/documents/tin-tuc/hoi-nghi-chuyen-doi-so/audio"' in html


def test_editor_page(client):
    html = client.get("/editor").get_data(as_text=True)
    assert 'id="token" name="token" type="password"' in html and 'type="file" multiple' in html


# -- editors ------------------------------------------------------------------------------------

UPLOAD_BYTES = UPLOAD_TEXT.encode()


def upload(client, name=UPLOAD_NAME, data=UPLOAD_BYTES, headers=AUTH):
    return client.post("/api/documents?wait=60", data={"files": (io.BytesIO(data), name)},
                       headers=headers,
                       content_type="multipart/form-data")


def test_writes_need_the_token(writable):
    client = writable.test_client()
    for headers in ({}, {"Authorization": "Bearer sai-ma"}, {"Authorization": EDITOR_TOKEN},
                    {"Authorization": "Basic " + EDITOR_TOKEN}):
        response = upload(client, headers=headers)
        assert response.status_code == 401, headers
        assert error_of(response)["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert client.delete("/api/documents/qd-sinh-hoat-chi-bo", headers=headers).status_code == 401
    assert client.get("/api/documents/qd-sinh-hoat-chi-bo").status_code == 200


def test_writes_are_disabled_without_a_configured_token(library):
    app = create_app(library.settings.with_(editor_token=""), library)
    client = app.test_client()
    for response in (upload(client), client.delete("/api/documents/nq-57-2024", headers=AUTH)):
        assert response.status_code == 403
        error = error_of(response)
        assert error["code"] == "editing_disabled" and "SOTAY_EDITOR_TOKEN" in error["message"]
    # Editors' own tokens still work there: the page says so and keeps its button.
    assert "không dùng mã biên tập chung" in client.get("/editor").get_data(as_text=True)


def test_upload_is_searchable_at_once(writable):
    client = writable.test_client()
    assert client.get("/api/search?q=ngập lụt&mode=keyword").get_json()["results"] == []
    response = upload(client)
    assert response.status_code == 200
    report = response.get_json()
    assert report["added"] == ["ke-hoach-phong-chong-lut"] and report["failed"] == []
    for mode in ("keyword", "hybrid"):
        hits = client.get(f"/api/search?q=phong chong ngap lut&mode={mode}").get_json()["results"]
        assert hits[0]["doc_id"] == "ke-hoach-phong-chong-lut"
    assert upload(client).get_json()["unchanged"] == ["ke-hoach-phong-chong-lut"]


def test_upload_reports_each_file(writable):
    client = writable.test_client()
    data = {"files": [(io.BytesIO(UPLOAD_TEXT.encode()), UPLOAD_NAME),
                      (io.BytesIO(b"MZ\x90\x00"), "virus.exe"),
                      (io.BytesIO(b""), "rong.txt")]}
    report = client.post("/api/documents?wait=60", data=data, headers=AUTH,
                         content_type="multipart/form-data").get_json()
    assert report["added"] == ["ke-hoach-phong-chong-lut"]
    failed = {f["path"]: f["reason"] for f in report["failed"]}
    assert set(failed) == {"virus.exe", "rong.txt"}
    assert "unsupported" in failed["virus.exe"]


def test_upload_jsonl_body(writable):
    client = writable.test_client()
    lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"_id": "tin-tuc/bao-lut", "type": "news", "title": "Cảnh báo ngập lụt",
         "text": "Mưa lớn gây ngập lụt nhiều tuyến phố."},
        {"_id": "hong", "title": "Thiếu nội dung"},
    ])
    response = client.post("/api/documents?wait=60", data=lines.encode(), headers=AUTH,
                           content_type="application/x-ndjson")
    report = response.get_json()
    assert report["added"] == ["tin-tuc/bao-lut"] and len(report["failed"]) == 1
    assert client.get("/api/news").get_json()["results"][0]["doc_id"] == "tin-tuc/bao-lut"


def test_upload_without_files_or_with_a_wrong_type(writable):
    client = writable.test_client()
    response = client.post("/api/documents?wait=60", data={}, headers=AUTH, content_type="multipart/form-data")
    assert response.status_code == 422 and "files" in error_of(response)["message"]
    response = client.post("/api/documents", json={"x": 1}, headers=AUTH)
    assert response.status_code == 415


def test_upload_over_the_limit_is_413_json(writable):
    client = writable.test_client()
    response = upload(client, name="to.txt", data=b"x" * (1024 * 1024 + 10))
    assert response.status_code == 413
    error = error_of(response)
    assert error["code"] == "too_large" and "1 MB" in error["message"]


def test_delete(writable):
    client = writable.test_client()
    response = client.delete("/api/documents/qd-sinh-hoat-chi-bo", headers=AUTH)
    assert response.status_code == 200 and response.get_json() == {"deleted": "qd-sinh-hoat-chi-bo"}
    assert client.get("/api/documents/qd-sinh-hoat-chi-bo").status_code == 404
    assert client.delete("/api/documents/qd-sinh-hoat-chi-bo", headers=AUTH).status_code == 404


def test_searches_during_uploads_never_fail(writable):
    """Readers keep the old generation while a new one is built, over a real waitress server."""
    errors: list[str] = []
    done = threading.Event()
    statuses: list[int] = []

    def reader():
        while not done.is_set():
            for q in ("sinh hoạt chi bộ", "ngap lut", "đảng viên"):
                url = server.url + "/api/search?" + urllib.parse.urlencode({"q": q})
                try:
                    with urllib.request.urlopen(url, timeout=30) as response:
                        body = json.load(response)
                        statuses.append(response.status)
                        if "results" not in body:
                            errors.append(str(body))
                except (urllib.error.URLError, ValueError) as exc:
                    errors.append(repr(exc))

    with Server(writable) as server:
        threads = [threading.Thread(target=reader) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            client = writable.test_client()
            for i in range(3):
                text = f"KẾ HOẠCH số {i} về phòng, chống ngập lụt.\n\n" + UPLOAD_TEXT
                response = upload(client, name=f"ke-hoach-{i}.txt", data=text.encode())
                assert response.status_code == 200 and response.get_json()["added"] == [f"ke-hoach-{i}"]
        finally:
            done.set()
            for t in threads:
                t.join()
    assert errors == []
    assert len(statuses) >= 12 and set(statuses) == {200}
