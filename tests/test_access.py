"""Visibility in the index: a viewer's `Scope` is a mask applied before any ranking or cut.

Libraries here are embedded by the fake hashing embedder; what is tested is who sees what, in
every answer the library gives (search results, totals, pages, facets, news, documents, files,
stats), and that a search still fills `top_k` from what the viewer may see.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from index import ANONYMOUS, EVERYTHING, AccessDefaults, Scope
from index.records import StoredDocument

HA_NOI = frozenset({"thanh-uy-ha-noi"})
HOANG_MAI = frozenset({"quan-uy-hoang-mai", "thanh-uy-ha-noi"})  # the org and its ancestors
MEMBER_HN = Scope(signed_in=True, orgs=HA_NOI)
MEMBER_HM = Scope(signed_in=True, orgs=HOANG_MAI)
SIGNED_IN = Scope(signed_in=True, orgs=frozenset({"chi-bo-khac"}))

TOPIC = "chuyển đổi số trong sinh hoạt chi bộ"


def line(doc_id: str, text: str, **meta) -> str:
    return json.dumps({"_id": doc_id, "text": text, **meta}, ensure_ascii=False)


@pytest.fixture
def library(make_library, tmp_path):
    """Public documents that match the topic weakly, hidden ones that match it strongly."""
    rows = []
    for i in range(12):
        rows.append(line(f"cong-khai/{i}", f"Văn bản công khai số {i} nói về chi bộ và sinh hoạt.",
                         type="kế hoạch", issuer="Ban Tuyên giáo"))
    for i in range(15):
        rows.append(line(f"noi-bo-hm/{i}", f"{TOPIC}. {TOPIC} của quận ủy, tài liệu số {i}.",
                         type="chỉ thị", issuer="Quận ủy Hoàng Mai bí mật",
                         visibility="internal", org="quan-uy-hoang-mai"))
    for i in range(3):
        rows.append(line(f"dang-vien/{i}", f"{TOPIC} dành cho đảng viên, số {i}.", type="hướng dẫn",
                         issuer="Văn phòng Thành ủy", visibility="members"))
    rows.append(line("noi-bo-hn/0", f"{TOPIC} của thành ủy.", type="thông báo", issuer="Thành ủy",
                     visibility="internal", org="thanh-uy-ha-noi"))
    rows.append(line("tin/cong-khai", "Tin tức công khai về chi bộ.", type="news", date="2024-01-02"))
    rows.append(line("tin/noi-bo", f"Tin nội bộ về {TOPIC}.", type="news", date="2024-05-02",
                     visibility="internal", org="quan-uy-hoang-mai"))
    path = tmp_path / "thu-vien.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    lib = make_library()
    report = lib.ingest([path])
    assert report.exit_code == 0, report.to_json()
    return lib


def ids(response) -> list[str]:
    return [hit.doc_id for hit in response.results]


@pytest.mark.parametrize("mode", ["hybrid", "dense", "keyword"])
def test_a_search_fills_top_k_from_what_the_viewer_may_see(library, mode):
    # The 19 hidden documents match the query better than any public one; a filter applied after
    # the cut would leave the anonymous viewer with almost nothing.
    anonymous = library.search(TOPIC, top_k=10, mode=mode)
    assert len(anonymous.results) == 10
    assert all(d.startswith(("cong-khai/", "tin/cong-khai")) for d in ids(anonymous))
    assert anonymous.total == 13 if mode != "dense" else anonymous.total >= 10
    second = library.search(TOPIC, top_k=10, mode=mode, page=2)
    assert set(ids(second)).isdisjoint(ids(anonymous))
    assert all(d.startswith(("cong-khai/", "tin/cong-khai")) for d in ids(second))


def test_each_viewer_sees_its_own_documents_and_no_others(library):
    def seen(scope):
        return set(ids(library.search(TOPIC, top_k=100, mode="keyword", scope=scope)))

    public = {f"cong-khai/{i}" for i in range(12)} | {"tin/cong-khai"}
    members = {f"dang-vien/{i}" for i in range(3)}
    hoang_mai = {f"noi-bo-hm/{i}" for i in range(15)} | {"tin/noi-bo"}
    assert seen(ANONYMOUS) == public
    assert seen(SIGNED_IN) == public | members
    # A member of the parent (Thành ủy) sees its own internal document, not the district's.
    assert seen(MEMBER_HN) == public | members | {"noi-bo-hn/0"}
    # A member of the district sees the district's and the city's (an ancestor's) internal ones.
    assert seen(MEMBER_HM) == public | members | hoang_mai | {"noi-bo-hn/0"}
    assert seen(EVERYTHING) == public | members | hoang_mai | {"noi-bo-hn/0"}
    total = library.search(TOPIC, top_k=5, mode="keyword", scope=MEMBER_HM).total
    assert total == len(public | members | hoang_mai) + 1


def test_an_anonymous_query_for_a_hidden_word_finds_nothing(library):
    response = library.search("bí mật quận ủy", top_k=10, mode="keyword")
    assert all("bí mật" not in hit.snippet and "bí mật" not in json.dumps(hit.meta, ensure_ascii=False)
               for hit in response.results)
    assert "noi-bo-hm/0" in ids(library.search("bí mật quận ủy", top_k=30, mode="keyword", scope=MEMBER_HM))


def test_documents_files_news_facets_and_stats_follow_the_scope(library):
    assert library.get("noi-bo-hm/3") is None
    assert library.get("noi-bo-hm/3", MEMBER_HN) is None
    assert library.get("noi-bo-hm/3", MEMBER_HM).meta["org"] == "quan-uy-hoang-mai"
    assert library.get("dang-vien/0") is None and library.get("dang-vien/0", SIGNED_IN) is not None
    assert library.original_file("noi-bo-hm/3") is None

    assert [d.doc_id for d in library.news(10)] == ["tin/cong-khai"]
    assert [d.doc_id for d in library.news(10, MEMBER_HM)] == ["tin/noi-bo", "tin/cong-khai"]

    facets = library.facets()
    assert "Quận ủy Hoàng Mai bí mật" not in facets["issuers"] and "chỉ thị" not in facets["types"]
    assert "Quận ủy Hoàng Mai bí mật" in library.facets(MEMBER_HM)["issuers"]

    stats = library.stats()
    assert stats["documents"] == 13
    assert library.stats(EVERYTHING)["documents"] == 33
    assert stats["chunks"] < library.stats(EVERYTHING)["chunks"]


def test_visibility_changes_with_the_next_ingest(library, tmp_path):
    path = tmp_path / "doi.jsonl"
    path.write_text(line("noi-bo-hm/0", f"{TOPIC}. {TOPIC} của quận ủy, tài liệu số 0.",
                         type="chỉ thị", issuer="Quận ủy Hoàng Mai bí mật") + "\n", encoding="utf-8")
    report = library.ingest([path])
    assert report.updated == ["noi-bo-hm/0"]
    assert library.get("noi-bo-hm/0").meta["visibility"] == "public"
    assert "noi-bo-hm/0" in ids(library.search(TOPIC, top_k=20, mode="keyword"))


def test_ingest_says_when_documents_default_to_public(make_library, tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(line("a", "Văn bản không ghi phạm vi.") + "\n" + line("b", "Văn bản nội bộ.",
                    visibility="members") + "\n", encoding="utf-8")
    library = make_library()
    report = library.ingest([path])
    assert report.exit_code == 0
    assert library.get("a").meta["visibility"] == "public"
    assert any("1 document(s) loaded without a visibility are public" in note for note in report.notes)
    again = library.ingest([path])
    assert sorted(again.unchanged) == ["a", "b"] and not again.notes


@pytest.mark.parametrize(("meta", "message"), [
    ({"visibility": "secret"}, "field 'visibility' must be one of public, members, internal"),
    ({"visibility": "internal"}, "field 'org' must name the organisation"),
    ({"visibility": "internal", "org": "Quận ủy!"}, "field 'org' must be an organisation slug"),
])
def test_bad_visibility_is_refused_naming_the_field(make_library, tmp_path, meta, message):
    path = tmp_path / "a.jsonl"
    path.write_text(line("a", "Văn bản.", **meta) + "\n" + line("b", "Văn bản khác.") + "\n", encoding="utf-8")
    library = make_library()
    report = library.ingest([path])
    assert report.exit_code == 1 and report.added == ["b"]
    assert message in report.failed[0].reason and report.failed[0].path.endswith("a.jsonl:1")


def test_ingest_defaults_and_the_callers_rule(make_library, tmp_path):
    folder = tmp_path / "tai-lieu"
    folder.mkdir()
    (folder / "mot.txt").write_text("Tài liệu một của chi bộ.", encoding="utf-8")
    (folder / "hai.txt").write_text("Tài liệu hai của chi bộ.", encoding="utf-8")
    (folder / "hai.txt.meta.json").write_text(json.dumps({"visibility": "Internal", "org": "chi-bo-khac"}),
                                              encoding="utf-8")
    seen = []

    def admit(doc_id, meta, existing):
        seen.append((doc_id, meta.get("org"), existing))
        return None if meta.get("org") == "chi-bo-7" else f"field 'org': {meta.get('org')!r} is not yours"

    library = make_library()
    report = library.ingest([folder], access=AccessDefaults("internal", "chi-bo-7", admit))
    assert report.added == ["mot"] and "is not yours" in report.failed[0].reason
    assert library.get("mot", Scope(True, frozenset({"chi-bo-7"}))).meta["org"] == "chi-bo-7"
    assert library.get("mot") is None
    assert sorted(seen, key=str) == [("hai", "chi-bo-khac", None), ("mot", "chi-bo-7", None)]


def test_a_visibility_the_index_does_not_know_is_shown_to_nobody():
    from index.access import DocumentAccess

    doc = StoredDocument("x", "", "", {"visibility": "top-secret"}, "")
    assert not MEMBER_HM.may_see(doc) and EVERYTHING.may_see(doc)
    access = DocumentAccess(["x", "y"], {"x": doc, "y": StoredDocument("y", "", "", {}, "")})
    assert access.doc_mask(MEMBER_HM).tolist() == [False, True]
    assert access.doc_mask(EVERYTHING) is None


def test_an_all_public_library_needs_no_mask():
    from index.access import DocumentAccess

    docs = {d: StoredDocument(d, "", "", {}, "") for d in "abc"}
    assert DocumentAccess(list(docs), docs).doc_mask(ANONYMOUS) is None
    assert np.array_equal(DocumentAccess(["a"], {"a": StoredDocument("a", "", "", {"visibility": "members"}, "")})
                          .doc_mask(ANONYMOUS), [False])
