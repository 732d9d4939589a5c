import json
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from index.keyword import KeywordIndex, KeywordView, document_terms, term_key, term_keys
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


QUERIES = ("27/QĐ-TW", "tram cam", "hòa giải", "chuyển đổi số", "cong tac can bo", "UBND Hà Nội")


def assert_scores_equal(a: KeywordIndex, b: KeywordIndex, queries=QUERIES):
    for query in queries:
        weights = analyze(query, b).term_weights()
        np.testing.assert_array_equal(a.scores(weights), b.scores(weights), err_msg=query)


def test_save_and_load_round_trip(tmp_path):
    built = index()
    built.save(tmp_path)
    loaded = KeywordIndex.load(tmp_path)
    assert len(loaded) == len(built) == 5
    assert json.loads((tmp_path / "keyword.json").read_text(encoding="utf-8"))["format"] == 4
    for query in ("27/QĐ-TW", "tram cam", "hòa giải"):
        a, sa = ranked(built, query, k=5)
        b, sb = ranked(loaded, query, k=5)
        assert list(a) == list(b)
        np.testing.assert_allclose(sa, sb)
    assert_scores_equal(loaded, built)
    assert loaded.document_frequency("công tác") == built.document_frequency("công tác") == 2


def test_loaded_postings_are_mapped_not_read(tmp_path):
    """A serving process maps the postings: they hold no memory of their own, and no list or
    table of the terms is built at load."""
    index().save(tmp_path)
    loaded = KeywordIndex.load(tmp_path)
    for array in (loaded.keys, loaded.indptr, loaded.rows, loaded.counts):
        assert isinstance(array.base, np.memmap) and not array.flags.owndata and not array.flags.writeable
    assert not hasattr(loaded, "terms") and not hasattr(loaded, "term_ids")
    assert np.all(np.diff(loaded.keys.astype(np.float64)) > 0)  # sorted: a term is a binary search away
    rows, counts = loaded.column("công tác")
    assert list(rows) == [1, 4] and list(counts) == [1, 1]


def test_term_keys_are_stable_across_processes():
    """The key is a hash every process and version computes alike (Python's hash is salted)."""
    assert term_key("nghị quyết") == 0x81E499CDEDFB2F74
    assert list(term_keys(["nghị quyết", "~nghi quyet"])) == [term_key("nghị quyết"), term_key("~nghi quyet")]


def save_format_3(keyword_terms: list[str], tf: sp.csc_matrix, lengths: np.ndarray, directory: Path) -> None:
    """The layout earlier versions wrote: keyword.npz (CSC arrays) and keyword.json (the terms)."""
    directory.mkdir(parents=True, exist_ok=True)
    np.savez(directory / "keyword.npz", data=tf.data, indices=tf.indices, indptr=tf.indptr,
             shape=np.asarray(tf.shape), lengths=lengths)
    (directory / "keyword.json").write_text(
        json.dumps({"format": 3, "params": {"k1": 1.2, "b": 0.75}, "terms": keyword_terms}, ensure_ascii=False),
        encoding="utf-8")


def old_layout(texts: list[str]) -> tuple[list[str], sp.csc_matrix, np.ndarray]:
    """What the previous code held: terms in order of first use, float32 counts by columns."""
    vocabulary: dict[str, int] = {}
    rows, cols, data, lengths = [], [], [], []
    for row, text in enumerate(texts):
        counts, length = document_terms(text)
        lengths.append(length)
        for term, count in counts.items():
            rows.append(row)
            cols.append(vocabulary.setdefault(term, len(vocabulary)))
            data.append(count)
    tf = sp.csc_matrix((np.asarray(data, np.float32), (rows, cols)), shape=(len(texts), len(vocabulary)))
    return list(vocabulary), tf, np.asarray(lengths, np.float32)


def test_an_index_written_by_an_earlier_version_loads_and_scores_the_same(tmp_path):
    save_format_3(*old_layout(TEXTS), tmp_path / "old")
    old = KeywordIndex.load(tmp_path / "old")
    assert len(old) == 5
    assert_scores_equal(old, index())
    assert old.accented_forms("hoa") == index().accented_forms("hoa")
    ids, _ = ranked(old, "tram cam marathon", k=3)
    assert ids[0] == 3
    old.save(tmp_path / "new")  # rewritten, it is format 4
    assert_scores_equal(KeywordIndex.load(tmp_path / "new"), index())
    assert not (tmp_path / "new" / "keyword.npz").exists()


def test_accented_forms_on_a_loaded_index(tmp_path):
    built = KeywordIndex.build(["Hòa bình", "hoà giải", "Hoa hồng", "hoa sen", "họa sĩ"])
    built.save(tmp_path)
    loaded = KeywordIndex.load(tmp_path)
    assert loaded.accented_forms("hoa") == built.accented_forms("hoa") == [("hoa", 2), ("hòa", 2), ("họa", 1)]
    assert loaded.accented_forms("zzz") == []
    assert analyze("hoa binh", loaded).text == analyze("hoa binh", built).text


def test_a_merge_of_loaded_indexes_equals_a_build(tmp_path):
    """Rows copied across segments by key (never tokenized again) score as a rebuild."""
    first, second = KeywordIndex.build(TEXTS[:3]), KeywordIndex.build(TEXTS[3:])
    first.save(tmp_path / "a")
    second.save(tmp_path / "b")
    parts = [(KeywordIndex.load(tmp_path / "a"), [0, 2]), (KeywordIndex.load(tmp_path / "b"), [0, 1])]
    merged = KeywordIndex.concatenate(parts, ["Hội nghị Trung ương 8 khóa XIII"], order=[4, 0, 1, 2, 3])
    rebuilt = KeywordIndex.build(["Hội nghị Trung ương 8 khóa XIII", TEXTS[0], TEXTS[2], TEXTS[3], TEXTS[4]])
    np.testing.assert_array_equal(merged.keys, rebuilt.keys)  # "Bộ Chính trị" and friends are gone
    assert merged.document_frequency("chính trị") == 0
    assert_scores_equal(merged, rebuilt, QUERIES + ("hội nghị trung ương", "khoa 13"))
    np.testing.assert_array_equal(merged.lengths, rebuilt.lengths)
    assert merged.accents == rebuilt.accents


def test_view_over_loaded_parts_scores_as_one_index_of_the_live_rows(tmp_path):
    first, second = KeywordIndex.build(TEXTS[:3]), KeywordIndex.build(TEXTS[3:])
    first.save(tmp_path / "a")
    second.save(tmp_path / "b")
    view = KeywordView([(KeywordIndex.load(tmp_path / "a"), np.array([0, 2])),
                        (KeywordIndex.load(tmp_path / "b"), None)])
    one = KeywordIndex.build([TEXTS[0], TEXTS[2], TEXTS[3], TEXTS[4]])
    for query in QUERIES:
        weights = analyze(query, one).term_weights()
        np.testing.assert_allclose(view.scores(weights), one.scores(weights), rtol=1e-6, err_msg=query)
    assert view.document_frequency("công tác") == 1 and view.term_count >= one.term_count


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
    np.testing.assert_array_equal(derived.keys, rebuilt.keys)  # "kết nạp" and friends are gone
    assert derived.document_frequency("kết nạp") == 0 and previous.document_frequency("kết nạp") == 1
    queries = ("chi bộ", "kết nạp đảng viên", "so tay dang vien", "ha noi", "chuyển đổi số")
    assert_scores_equal(derived, rebuilt, queries)
    assert np.allclose(derived.lengths, rebuilt.lengths)


def test_a_merge_streamed_into_files_equals_the_one_built_in_memory(tmp_path, monkeypatch):
    """A merge writes its counts a range of term keys at a time (here a few hundred postings a
    range, so there are many): the files hold what `concatenate` holds, and score as a rebuild."""
    import index.keyword as keyword

    monkeypatch.setattr(keyword, "MERGE_BLOCK_POSTINGS", 64)
    first, second = KeywordIndex.build(TEXTS[:3]), KeywordIndex.build(TEXTS[3:])
    first.save(tmp_path / "a")
    second.save(tmp_path / "b")
    parts = [KeywordIndex.load(tmp_path / "a"), KeywordIndex.load(tmp_path / "b")]
    # Rows 0 and 2 of the first and both of the second, in the merged order 2, 0, 3, 1.
    maps = [np.array([2, -1, 0]), np.array([3, 1])]
    keyword.write_merged(tmp_path / "merged", list(zip(parts, maps, strict=True)), 4)
    streamed = KeywordIndex.load(tmp_path / "merged")
    in_memory = KeywordIndex.concatenate([(parts[0], [0, 2]), (parts[1], [0, 1])], order=[1, 3, 0, 2])
    for name in ("keys", "indptr", "rows", "counts", "lengths"):
        np.testing.assert_array_equal(getattr(streamed, name), getattr(in_memory, name), err_msg=name)
    assert streamed.accents == in_memory.accents and streamed.accents
    assert streamed.document_frequency("chính trị") == 0  # only the left-behind row held it
    rebuilt = KeywordIndex.build([TEXTS[2], TEXTS[4], TEXTS[0], TEXTS[3]])
    assert_scores_equal(streamed, rebuilt, QUERIES)
    keyword.write_merged(tmp_path / "none", [(parts[0], np.array([-1, -1, -1]))], 0)
    assert len(KeywordIndex.load(tmp_path / "none")) == 0


def test_a_streamed_merge_of_parts_renumbered_in_order_equals_concatenate(tmp_path, monkeypatch):
    """A merge of passages keeps each part's rows in order, one part after the other: the rows of
    each term come out ascending by sorting on the key alone."""
    import index.keyword as keyword

    monkeypatch.setattr(keyword, "MERGE_BLOCK_POSTINGS", 64)
    parts = [KeywordIndex.build(TEXTS[:3]), KeywordIndex.build(TEXTS[3:]), KeywordIndex.build(TEXTS[1:4])]
    maps = [np.array([0, -1, 1]), np.array([2, 3]), np.array([-1, 4, 5])]
    assert keyword._renumbered_in_order(maps) and not keyword._renumbered_in_order(maps[::-1])
    keyword.write_merged(tmp_path / "merged", list(zip(parts, maps, strict=True)), 6)
    streamed = KeywordIndex.load(tmp_path / "merged")
    in_memory = KeywordIndex.concatenate([(parts[0], [0, 2]), (parts[1], [0, 1]), (parts[2], [1, 2])])
    for name in ("keys", "indptr", "rows", "counts", "lengths"):
        np.testing.assert_array_equal(getattr(streamed, name), getattr(in_memory, name), err_msg=name)
