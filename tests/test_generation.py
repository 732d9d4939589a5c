"""A generation over segments: which copy of a document is live, and each document's best passage,
found two ways: a scattered maximum over any layout of rows, and one reduction over runs when a
document's passages are consecutive rows (what commits and merges write). Both must pick the
same passage, the lowest row of equal scores, and skip what scored 0."""
from __future__ import annotations

import numpy as np

from index.search import _best_per_doc, _best_per_run


def test_the_run_reduction_picks_what_the_scattered_maximum_picks():
    rng = np.random.default_rng(7)
    lengths = rng.integers(1, 6, size=400)
    doc_of = np.repeat(rng.permutation(400), lengths)  # runs, documents in no particular order
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    # Few distinct values, so ties are common; a third of the rows score nothing.
    scores = rng.integers(0, 4, size=len(doc_of)).astype(np.float32)
    expected = (np.full(400, np.nan, np.float32), np.full(400, -1, np.int64))
    _best_per_doc(np.flatnonzero(scores > 0), scores, doc_of, *expected)
    got = (np.full(400, np.nan, np.float32), np.full(400, -1, np.int64))
    _best_per_run(scores, (starts, np.repeat(np.arange(400), lengths)), doc_of, *got)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])
    assert np.isnan(got[0]).any() and (got[1] == -1).any()  # documents whose rows all scored 0
    assert not np.isin(got[1], np.flatnonzero(scores == 0)).any()


def test_a_library_of_commits_and_merges_keeps_each_documents_passages_together(make_library, tmp_path):
    from tests.test_segments import add, article

    library = make_library(merges="off")
    add(library, tmp_path / "up", {f"bai-{i}.txt": article(i) * 3 for i in range(3)})
    add(library, tmp_path / "up", {"bai-1.txt": article(1, version=2) * 3, "moi.txt": article(7) * 3})
    assert library.generation().chunk_runs is not None
    library.merge(force=True)
    generation = library.generation()
    starts, run_of = generation.chunk_runs
    assert len(starts) == len(generation.doc_id_list) and len(run_of) == len(generation.chunks)
    assert np.bincount(run_of).max() > 1


def _segment(name: str, texts: dict[str, str]):
    from index.records import Chunk, StoredDocument
    from index.segment import Segment

    docs = {d: StoredDocument(d, d, t, {}, f"h-{d}-{name}") for d, t in texts.items()}
    chunks = [Chunk(d, t) for d, t in texts.items()]
    vectors = np.eye(len(chunks), 8, dtype=np.float32)
    return Segment.build(name, docs, chunks, vectors)


def test_a_manifest_that_forgot_to_mark_an_old_copy_still_shows_each_document_once():
    """Writers mark a replaced copy deleted; a generation read from a manifest that did not (a bug,
    a hand edit) still serves the latest copy alone, and never a deleted latest copy's elder."""
    from index.generation import Generation

    old = _segment("seg-1", {"a": "bản cũ", "b": "văn bản b", "c": "văn bản c"})
    new = _segment("seg-2", {"a": "bản mới", "c": "bản mới của c"})
    generation = Generation("g", [old, new], {"seg-2": {"c"}})
    assert generation.doc_id_list == ["b", "a"]
    assert generation.docs["a"].text == "bản mới" and "c" not in generation.docs
    consistent = Generation("g", [old, new], {"seg-1": {"a", "c"}, "seg-2": {"c"}})
    assert consistent.doc_id_list == ["b", "a"] and consistent.docs["a"].text == "bản mới"
    assert [c.doc_id for c in consistent.chunks] == ["b", "a"]


def test_visibility_combined_from_segments_equals_one_pass_over_the_live_documents():
    """Each segment builds its documents' visibility arrays once; a generation joins its segments'
    live rows. Whatever segments, deletions and organisations, every scope sees what a pass over
    the generation's own documents says it may."""
    from index.access import ANONYMOUS, EVERYTHING, DocumentAccess, Scope
    from index.generation import Generation
    from index.records import Chunk, StoredDocument
    from index.segment import Segment

    def segment(name, rows):
        docs = {d: StoredDocument(d, d, f"văn bản {d}", meta, f"h-{d}-{name}") for d, meta in rows.items()}
        return Segment.build(name, docs, [Chunk(d, docs[d].text) for d in docs], np.eye(len(docs), 8, dtype=np.float32))

    internal = {"visibility": "internal"}
    first = segment("seg-1", {"a": {}, "b": {**internal, "org": "phuong-1"}, "c": {"visibility": "members"},
                              "d": {**internal, "org": "phuong-2"}})
    second = segment("seg-2", {"b": {**internal, "org": "phuong-3"}, "e": {**internal, "org": "phuong-2"},
                               "f": {"visibility": "members"}})
    third = segment("seg-3", {"g": {**internal, "org": "phuong-1"}})
    generation = Generation("g", [first, second, third], {"seg-1": {"b", "d"}, "seg-3": {"g"}})
    assert generation.doc_id_list == ["a", "c", "b", "e", "f"]
    one_pass = DocumentAccess(generation.doc_id_list, generation.heads)
    scopes = [ANONYMOUS, EVERYTHING, Scope(signed_in=True), Scope(signed_in=True, orgs=frozenset({"phuong-1"})),
              Scope(signed_in=True, orgs=frozenset({"phuong-2", "phuong-3"})),
              Scope(signed_in=True, orgs=frozenset({"khong-co"}))]
    for scope in scopes:
        combined, expected = generation.access.doc_mask(scope), one_pass.doc_mask(scope)
        assert (combined is None) == (expected is None), scope
        if expected is not None:
            np.testing.assert_array_equal(combined, expected, err_msg=str(scope))
            visible = {d for d, ok in zip(generation.doc_id_list, combined, strict=True) if ok}
            assert visible == {d for d in generation.doc_id_list if scope.may_see(generation.heads[d])}, scope


def test_documents_found_by_number_across_segments_and_deletions():
    from index.generation import Generation
    from index.records import Chunk, StoredDocument
    from index.segment import Segment

    def segment(name, numbers):
        docs = {d: StoredDocument(d, d, f"văn bản {d}", {"number": n} if n else {}, f"h-{d}-{name}")
                for d, n in numbers.items()}
        return Segment.build(name, docs, [Chunk(d, docs[d].text) for d in docs], np.eye(len(docs), 8, dtype=np.float32))

    first = segment("seg-1", {"a": "27-QĐ/TW", "b": "05-CT/TW", "c": "", "d": "27-QĐ/TW"})
    second = segment("seg-2", {"b": "27-QĐ/TW", "e": "05-CT/TW"})
    generation = Generation("g", [first, second], {"seg-1": {"b", "d"}})
    assert generation.doc_id_list == ["a", "c", "b", "e"]
    from ingest.doc_numbers import number_keys

    found = generation.docs_numbered(number_keys("27-QĐ/TW"))
    assert [d for d, hit in zip(generation.doc_id_list, found, strict=True) if hit] == ["a", "b"]
    found = generation.docs_numbered(number_keys("05-CT/TW"))
    assert [d for d, hit in zip(generation.doc_id_list, found, strict=True) if hit] == ["e"]
    assert not generation.docs_numbered(number_keys("99-NQ/TW")).any()


def test_ids_heads_rows_and_copies_agree_with_one_pass_over_the_segments():
    """A generation reads its documents from the segments' own tables instead of building its
    own each commit; whatever copies, shadows and deletions, what it serves is what one pass
    over the segments (the latest copy of each document, unless marked deleted) says."""
    from index.generation import Generation
    from index.segment import live_copies

    rng = np.random.default_rng(3)
    ids = [f"d{i:02d}" for i in range(30)]
    segments = [_segment(f"seg-{k}", {d: f"văn bản {d} bản {k}" for d in rng.choice(ids, 8, replace=False)})
                for k in range(5)]
    deleted = {s.name: set(rng.choice(s.doc_ids, 2, replace=False)) for s in segments[::2]}
    generation = Generation("g", segments, deleted)
    owners = live_copies(segments, deleted)
    expected = [d for s in segments for d in s.doc_ids if owners.get(d) is s]
    assert list(generation.doc_id_list) == expected and generation.doc_id_list == expected
    assert [generation.doc_id_list[i] for i in range(-len(expected), len(expected))] == expected * 2
    assert list(generation.heads.values()) == [owners[d].heads[d] for d in expected]
    assert set(generation.docs) == set(owners) and len(generation.docs) == len(owners)
    for doc_id in ids:
        assert generation.locate(doc_id) is owners.get(doc_id)
        assert generation.row_of(doc_id) == (expected.index(doc_id) if doc_id in owners else None)
        assert (doc_id in generation.heads) == (doc_id in owners) == (doc_id in generation.docs)
        if doc_id in owners:
            assert generation.docs[doc_id].text == owners[doc_id].docs[doc_id].text
    rows = [generation.row_of(c.doc_id) for c in generation.chunks]
    assert rows == generation.chunk_doc_index.tolist()
    picked = generation.doc_mask_where(lambda head: head.doc_id.endswith(("1", "7")))
    assert [c.doc_id for c, hit in zip(generation.chunks, picked, strict=True) if hit] == \
        [c.doc_id for c in generation.chunks if c.doc_id.endswith(("1", "7"))]
