"""Backends: the engines behind a segment's vector and keyword indexes are chosen by settings,
recorded in every segment and manifest, and one library is never indexed by two of them.

Libraries here are embedded by the fake hashing embedder (tests/fakes.py).
"""
from __future__ import annotations

import json

import pytest

from index import backends
from index.backends import FaissVectors
from index.manifest import SEGMENTS_DIR
from index.segment import SEGMENT_FILE
from tests.test_segments import add, article, live_manifest


class RenamedFaiss(FaissVectors):
    """The real FAISS backend under another name: what a second engine looks like to the library."""

    name = "faiss-renamed"


def test_the_backends_are_recorded_in_each_segment_and_the_manifest(make_library, tmp_path):
    library = make_library(merges="off")
    add(library, tmp_path / "up", {"a.txt": article(0), "b.txt": article(1)})
    manifest = live_manifest(library)
    assert (manifest["vector_backend"], manifest["keyword_backend"]) == ("faiss", "bm25")
    (folder,) = (library.root / SEGMENTS_DIR).iterdir()
    info = json.loads((folder / SEGMENT_FILE).read_text())
    assert (info["vector_backend"], info["keyword_backend"]) == ("faiss", "bm25")


def test_an_unknown_backend_is_refused_by_its_setting_with_the_ones_there_are(make_library):
    with pytest.raises(ValueError, match="SOTAY_VECTOR_BACKEND.*'annoy'.*faiss"):
        make_library(vector_backend="annoy")
    with pytest.raises(ValueError, match="SOTAY_KEYWORD_BACKEND.*'elastic'.*bm25"):
        make_library(keyword_backend="elastic")


def test_a_segment_written_by_a_backend_this_version_lacks_does_not_open(make_library, tmp_path):
    library = make_library(merges="off")
    add(library, tmp_path / "up", {"a.txt": article(0)})
    (folder,) = (library.root / SEGMENTS_DIR).iterdir()
    info = json.loads((folder / SEGMENT_FILE).read_text())
    (folder / SEGMENT_FILE).write_text(json.dumps({**info, "vector_backend": "milvus"}))
    with pytest.raises(ValueError, match="no vector backend 'milvus'"):
        make_library(merges="off").generation()


def test_changing_the_backend_indexes_the_library_again_whole(make_library, tmp_path, monkeypatch):
    monkeypatch.setitem(backends.VECTOR_BACKENDS, RenamedFaiss.name, RenamedFaiss())
    first = make_library(merges="off", vector_backend=RenamedFaiss.name)
    add(first, tmp_path / "up", {f"bai-{i}.txt": article(i) for i in range(4)})
    add(first, tmp_path / "up", {"bai-9.txt": article(9)})
    assert len(first.generation().segments) == 2
    assert {s.vector_backend.name for s in first.generation().segments} == {RenamedFaiss.name}
    query = "trồng rau an toàn ở Đông Anh"
    before = [h.doc_id for h in first.search(query, top_k=3).results]

    again = make_library(merges="off")  # the default backend again
    assert [h.doc_id for h in again.search(query, top_k=3).results] == before  # read by what wrote it
    add(again, tmp_path / "up", {"bai-10.txt": article(10)})
    generation = again.generation()
    assert [s.vector_backend.name for s in generation.segments] == ["faiss"]  # one segment, rewritten
    assert live_manifest(again)["vector_backend"] == "faiss"
    assert len(generation.docs) == 6
    assert [h.doc_id for h in again.search(query, top_k=3).results] == before
