import numpy as np

from index.keyword import KeywordIndex
from index.query import analyze

TEXTS = [
    "Nghị quyết Đại hội XIII của Đảng về chuyển đổi số quốc gia",
    "Quyết định số 27-QĐ/TW của Bộ Chính trị về công tác cán bộ",
    "Ủy ban nhân dân thành phố Hà Nội ban hành kế hoạch phòng chống dịch",
    "Bà mẹ đơn thân chạy marathon để thoát khỏi trầm cảm",
    "Chỉ thị về tăng cường công tác hoà giải ở cơ sở",
]


def index() -> KeywordIndex:
    return KeywordIndex.build(TEXTS)


def ranked(keyword: KeywordIndex, query: str, k: int, allowed: np.ndarray | None = None):
    """The `k` best chunks with a positive score, as index/search.py scores them: the analyzed
    query's term weights, `allowed` applied before the cut."""
    scores = keyword.scores(analyze(query, keyword).term_weights())
    if allowed is not None:
        scores = np.where(allowed, scores, 0)
    order = [i for i in np.argsort(-scores, kind="stable") if scores[i] > 0][:k]
    return np.asarray(order, np.int64), scores[order]


def test_accented_query_finds_document():
    ids, scores = ranked(index(), "chuyển đổi số", k=3)
    assert ids[0] == 0
    assert list(scores) == sorted(scores, reverse=True)


def test_unaccented_query_matches_accented_text():
    ids, _ = ranked(index(), "tram cam marathon", k=3)
    assert ids[0] == 3
    ids, _ = ranked(index(), "de nghi dai hoi", k=3)
    assert ids[0] == 0


def test_tone_placement_is_canonical_on_both_sides():
    ids, _ = ranked(index(), "hòa giải", k=1)
    assert list(ids) == [4]


def test_roman_and_arabic_numerals_match():
    ids, _ = ranked(index(), "đại hội 13", k=1)
    assert list(ids) == [0]


def test_abbreviation_matches_expansion_and_back():
    ids, _ = ranked(index(), "UBND Hà Nội", k=1)
    assert list(ids) == [2]
    ids, _ = ranked(KeywordIndex.build(["Báo cáo của UBND quận", "Báo cáo của Đảng ủy"]), "ủy ban nhân dân", k=1)
    assert list(ids) == [0]


def test_allowed_mask_applies_before_the_cut():
    allowed = np.array([False, True, True, True, True])
    ids, _ = ranked(index(), "đại hội chuyển đổi số công tác", k=1, allowed=allowed)
    assert list(ids) == [1] or list(ids) == [4]
    assert 0 not in ids


def test_only_matching_chunks_are_returned():
    ids, _ = ranked(index(), "marathon", k=10)
    assert list(ids) == [3]
    ids, _ = ranked(index(), "zzzz", k=10)
    assert len(ids) == 0


def test_save_and_load_round_trip(tmp_path):
    built = index()
    built.save(tmp_path)
    loaded = KeywordIndex.load(tmp_path)
    assert len(loaded) == len(built) == 5
    for query in ("27/QĐ-TW", "tram cam", "hòa giải"):
        a, sa = ranked(built, query, k=5)
        b, sb = ranked(loaded, query, k=5)
        assert list(a) == list(b)
        np.testing.assert_allclose(sa, sb)


def test_empty_index():
    empty = KeywordIndex.build([])
    assert len(empty) == 0
    ids, scores = ranked(empty, "anything", k=5)
    assert len(ids) == len(scores) == 0


def test_derived_index_equals_one_built_from_scratch():
    """A new generation reuses unchanged chunks' counts; it must score exactly like a rebuild."""
    texts = [
        "Nghị quyết Đại hội XIII về chuyển đổi số trong công tác xây dựng Đảng",
        "Quy định về kết nạp đảng viên mới của chi bộ",
        "UBND TP. Hà Nội triển khai dịch vụ công trực tuyến",
        "Hướng dẫn sinh hoạt chi bộ định kỳ hằng tháng",
    ]
    previous = KeywordIndex.build(texts)
    new = ["Kế hoạch 121-KH/TU về phần mềm Sổ tay đảng viên điện tử"]
    keep = [3, 0, 2]  # chunk 1 was replaced or deleted; order changes too
    derived = KeywordIndex.derive(previous, keep, new)
    rebuilt = KeywordIndex.build([texts[i] for i in keep] + new)
    assert sorted(derived.terms) == sorted(rebuilt.terms)  # "kết nạp" and friends are gone
    for query in ("chi bộ", "kết nạp đảng viên", "so tay dang vien", "ha noi", "chuyển đổi số"):
        terms = {t: 1.0 for t in rebuilt.terms if t in derived.term_ids and any(w in t for w in query.split())}
        assert np.allclose(derived.scores(terms), rebuilt.scores(terms), atol=1e-6), query
    assert np.allclose(derived.lengths, rebuilt.lengths)
