"""Search as a member meets it, on a handful of real-looking Vietnamese documents.

`library` is embedded by the real model: the tests that rank by the dense side (hybrid and dense
modes) use it and are slow. `fake_library` holds the same documents embedded by the fake hashing
embedder (tests/fakes.py), for the rules that do not depend on what the model understands:
keyword mode, number lookup, filters, paging, snippets.
"""
import json

import pytest

from index.records import SearchFilters
from index.search import search
from ingest.vntext import fold

DOCS = [
    {"_id": "qd-27", "title": "Quyết định số 27-QĐ/TW về công tác cán bộ", "type": "quyết định",
     "number": "27-QĐ/TW", "date": "2021-09-20", "issuer": "Ban Chấp hành Trung ương",
     "text": "Bộ Chính trị quyết định ban hành quy chế về công tác đánh giá, xếp loại cán bộ. "
             "Cán bộ phải được đánh giá hằng năm theo kết quả thực hiện nhiệm vụ."},
    {"_id": "nq-chuyen-doi-so", "title": "Nghị quyết về chuyển đổi số", "type": "nghị quyết",
     "number": "05-NQ/TU", "date": "2022-03-01", "issuer": "Thành ủy Hà Nội",
     "text": "Thực hiện Nghị quyết Đại hội XIII của Đảng, thành phố đẩy mạnh chuyển đổi số, "
             "xây dựng chính quyền số, kinh tế số và xã hội số đến năm 2025."},
    {"_id": "kh-ubnd", "title": "Kế hoạch phòng chống thiên tai", "type": "kế hoạch",
     "number": "12-KH/UBND", "date": "2020-06-15", "issuer": "Ủy ban nhân dân quận Ba Đình",
     "text": "Ủy ban nhân dân quận chủ động phòng chống thiên tai, bão lũ, bảo đảm an toàn cho nhân dân."},
    {"_id": "tin-marathon", "title": "Bà mẹ đơn thân chạy marathon để thoát khỏi trầm cảm", "type": "tin tức",
     "date": "2023-01-05", "issuer": "Báo Sức khỏe",
     "text": "Sau cú sốc đổ vỡ hôn nhân, chị bị trầm cảm nặng. Chị bắt đầu chạy bộ mỗi sáng và "
             "hoàn thành cuộc thi marathon đầu tiên sau một năm tập luyện."},
    {"_id": "nq-dang-vien", "title": "Nghị quyết về phát triển đảng viên", "type": "nghị quyết",
     "number": "21-NQ/TW", "date": "2022-06-16", "issuer": "Ban Chấp hành Trung ương",
     "text": "Tăng cường củng cố tổ chức cơ sở đảng và nâng cao chất lượng đội ngũ đảng viên, "
             "kết nạp đảng viên mới trong giai đoạn mới."},
    {"_id": "nq-moi-truong", "title": "Nghị quyết về bảo vệ môi trường", "type": "nghị quyết",
     "number": "24-NQ/TW", "date": "2013-06-03", "issuer": "Ban Chấp hành Trung ương",
     "text": "Chủ động ứng phó với biến đổi khí hậu, tăng cường quản lý tài nguyên và bảo vệ môi trường."},
]


def _build(tmp_path_factory, embedder, sotay_home):
    from index.store import Library
    from settings import Settings

    folder = tmp_path_factory.mktemp("search")
    path = folder / "docs.jsonl"
    path.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in DOCS), encoding="utf-8")
    library = Library(Settings(index_dir=folder / "index", home=sotay_home, threads=1), embedder=embedder)
    report = library.ingest([path])
    assert not report.failed
    return library


@pytest.fixture(scope="module")
def library(tmp_path_factory, embedder, sotay_home):
    return _build(tmp_path_factory, embedder, sotay_home)


@pytest.fixture(scope="module")
def fake_library(tmp_path_factory, fake_embedder, sotay_home):
    return _build(tmp_path_factory, fake_embedder, sotay_home)


def run(library, query, **kwargs):
    return search(library.generation(), library.embedder, query, **kwargs)


def ids(response):
    return [hit.doc_id for hit in response.results]


@pytest.mark.parametrize("mode", ["hybrid", "keyword"])
def test_unaccented_query_finds_accented_document(library, mode):
    assert ids(run(library, "me don than chay marathon tram cam", mode=mode))[0] == "tin-marathon"
    assert ids(run(library, "chuyen doi so", mode=mode))[0] == "nq-chuyen-doi-so"


@pytest.mark.parametrize("query", ["27/QĐ-TW", "QĐ 27", "quyet dinh so 27", "27-QĐ/TW"])
def test_number_query_puts_the_document_first(fake_library, query):
    assert ids(run(fake_library, query))[0] == "qd-27"


def test_roman_numeral_query_matches_arabic_and_back(fake_library):
    assert ids(run(fake_library, "đại hội 13", mode="keyword"))[0] == "nq-chuyen-doi-so"


def test_abbreviation_finds_the_spelled_out_name(fake_library):
    assert ids(run(fake_library, "UBND phòng chống thiên tai", mode="keyword"))[0] == "kh-ubnd"


def test_filters_apply_before_the_cut(fake_library):
    filters = SearchFilters(type="nghị quyết")
    # The best match for this query is a news article; the filter must still yield three resolutions.
    response = run(fake_library, "marathon trầm cảm", top_k=3, filters=filters)
    assert len(response.results) == 3
    assert {hit.meta["type"] for hit in response.results} == {"nghị quyết"}


def test_year_and_issuer_filters(fake_library):
    filters = SearchFilters(year_from=2021, year_to=2022, issuer="ban chap hanh trung uong")
    response = run(fake_library, "đảng viên cán bộ", top_k=10, filters=filters)
    assert set(ids(response)) == {"qd-27", "nq-dang-vien"}


def test_results_are_documents_with_paging(fake_library):
    first = run(fake_library, "nghị quyết", top_k=2, page=1)
    second = run(fake_library, "nghị quyết", top_k=2, page=2)
    assert len(set(ids(first))) == 2 and not set(ids(first)) & set(ids(second))
    assert first.total == second.total >= 4
    assert second.page == 2


def test_highlights_mark_query_words_in_the_snippet(library):
    hit = run(library, "tram cam marathon").results[0]
    assert hit.highlights
    marked = [hit.snippet[s:e] for s, e in hit.highlights]
    assert all(fold(m).lower() in ("tram cam", "marathon", "tram", "cam") for m in marked), marked
    assert "trầm cảm" in marked and "marathon" in marked


def test_snippet_is_trimmed_around_the_match(fake_library):
    hit = run(fake_library, "hoàn thành cuộc thi marathon", mode="keyword").results[0]
    assert len(hit.snippet) <= 310
    assert "marathon" in hit.snippet


@pytest.mark.parametrize("mode", ["hybrid", "dense", "keyword"])
def test_every_mode_returns_documents(library, mode):
    response = run(library, "bảo vệ môi trường biến đổi khí hậu", mode=mode, top_k=3)
    assert ids(response)[0] == "nq-moi-truong"
    assert len(ids(response)) == len(set(ids(response)))


def test_keyword_mode_needs_no_model(fake_library):
    response = search(fake_library.generation(), None, "chuyển đổi số", mode="keyword")
    assert ids(response)[0] == "nq-chuyen-doi-so"


def test_empty_query(fake_library):
    assert run(fake_library, "  ").results == []


def test_snippet_spans_by_hand():
    from index.highlight import matcher, snippet

    text, spans = snippet("Quyết định số 27-QĐ/TW của Bộ Chính trị về công tác cán bộ.",
                          matcher({"27", "qd", "tw", "cong", "tac", "cua", "chinh", "tri"}))
    # "của" alone is not marked; words joined by "-" or "/" are one mark
    assert [text[s:e] for s, e in spans] == ["27-QĐ/TW", "Chính trị", "công tác"]
    long = "Mở đầu văn bản. " * 40 + "Đẩy mạnh chuyển đổi số trong toàn Đảng. " + "Kết thúc. " * 40
    text, spans = snippet(long, matcher({"chuyen", "doi", "so"}))
    assert text.startswith("…") and text.endswith("…") and len(text) <= 302
    assert [text[s:e] for s, e in spans] == ["chuyển đổi số"]
