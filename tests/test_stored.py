"""Stored fields: a serving library reads documents and passages from disk, row by row, through
memory maps, and holds only their heads; segments written before this layout still open.

Libraries here are embedded by the fake hashing embedder (tests/fakes.py).
"""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from index.manifest import SEGMENTS_DIR
from index.records import DocumentHead
from index.segment import CHUNK_DOCS_FILE, CHUNKS_FILE, DOCS_FILE, HEADS_FILE, SEGMENT_FILE, DocumentRows, Segment
from index.stored import StoredRows, offsets_path, write_rows
from tests.test_segments import add, article


def test_rows_are_read_one_at_a_time_from_a_memory_map(tmp_path):
    rows = [{"i": i, "text": f"Đoạn thứ {i}: chuyển đổi số\ncó xuống dòng"} for i in range(50)]
    write_rows(tmp_path / "rows.jsonl", rows)
    stored = StoredRows(tmp_path / "rows.jsonl", dict)
    assert len(stored) == 50
    assert stored[7] == rows[7] and stored[-1] == rows[-1] and stored[3:5] == rows[3:5]
    assert list(stored) == rows
    assert isinstance(stored.offsets, np.memmap)  # the offsets are mapped, not read in
    with pytest.raises(IndexError):
        stored[50]


def test_a_file_without_offsets_gets_them_from_its_line_ends(tmp_path):
    rows = [{"i": i, "text": "dòng\nkhác"} for i in range(5)]
    write_rows(tmp_path / "rows.jsonl", rows)
    offsets_path(tmp_path / "rows.jsonl").unlink()
    assert list(StoredRows(tmp_path / "rows.jsonl", dict)) == rows


def test_offsets_that_do_not_match_their_file_are_refused_by_name(tmp_path):
    write_rows(tmp_path / "rows.jsonl", [{"i": 1}, {"i": 2}])
    with open(tmp_path / "rows.jsonl", "ab") as f:
        f.write(b'{"i": 3}\n')  # appended behind the offsets' back
    with pytest.raises(RuntimeError, match="rows.jsonl.*damaged"):
        StoredRows(tmp_path / "rows.jsonl", dict)


def test_a_served_library_holds_heads_and_reads_texts_from_disk(make_library, tmp_path):
    library = make_library(merges="off")
    add(library, tmp_path / "up", {f"bai-{i:02d}.txt": article(i) for i in range(8)})
    generation = library.generation()
    (segment,) = generation.segments
    assert isinstance(segment.docs, DocumentRows)  # served from what was written, not the writer's copy
    assert isinstance(segment.chunks, StoredRows)
    assert all(isinstance(h, DocumentHead) and not hasattr(h, "text") for h in generation.heads.values())
    doc_id = generation.doc_id_list[3]
    assert library.get(doc_id).text == article(3).strip()
    hit = library.search("trồng rau an toàn Đông Anh", top_k=1).results[0]
    assert "rau" in hit.snippet and hit.meta == generation.heads[hit.doc_id].meta


def test_a_segment_of_the_first_layout_opens_and_answers_the_same(make_library, tmp_path):
    """Format 1 kept full documents and passages only: no heads, no offsets, no passage table."""
    library = make_library(merges="off")
    add(library, tmp_path / "up", {f"bai-{i:02d}.txt": article(i) for i in range(6)})
    query = "kết nạp đảng viên mới"
    before = [(h.doc_id, h.snippet) for h in library.search(query, top_k=5).results]
    (folder,) = [p for p in (library.root / SEGMENTS_DIR).iterdir() if p.is_dir()]
    for name in (HEADS_FILE, CHUNK_DOCS_FILE, offsets_path(folder / DOCS_FILE).name,
                 offsets_path(folder / CHUNKS_FILE).name):
        (folder / name).unlink()
    info = json.loads((folder / SEGMENT_FILE).read_text())
    (folder / SEGMENT_FILE).write_text(json.dumps({**info, "format": 1}))

    reopened = make_library(merges="off")
    assert [(h.doc_id, h.snippet) for h in reopened.search(query, top_k=5).results] == before
    segment = Segment.load(folder)
    assert sorted(segment.heads) == segment.doc_ids and len(segment.chunk_doc) == len(segment.chunks)
    # The next merge writes it in today's layout.
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    Segment.load(copy).save(tmp_path / "again")
    assert (tmp_path / "again" / HEADS_FILE).exists()
    assert [h.doc_id for h in Segment.load(tmp_path / "again").heads.values()] == segment.doc_ids


def test_an_array_written_a_block_at_a_time_loads_as_one(tmp_path):
    from index.stored import NpyWriter

    with NpyWriter(tmp_path / "a.npy", np.float16, (3,), most=10**12) as out:
        out.write(np.ones((2, 3)))
        out.write(np.arange(3).reshape(1, 3))
    loaded = np.load(tmp_path / "a.npy", mmap_mode="r")
    assert loaded.dtype == np.float16 and loaded.shape == (3, 3)
    np.testing.assert_array_equal(loaded[2], [0, 1, 2])
    with pytest.raises(ValueError, match="a.npy: rows of shape"), NpyWriter(tmp_path / "a.npy", np.int32, (3,)) as out:
        out.write(np.zeros((1, 4)))


def test_rows_copied_as_stored_read_back_the_same(tmp_path):
    from index.stored import write_lines

    write_rows(tmp_path / "a.jsonl", [{"n": 1, "text": "Nghị quyết"}, {"n": 2, "text": "Chỉ thị\nsố 05"}])
    source = StoredRows(tmp_path / "a.jsonl", lambda row: row)
    assert write_lines(tmp_path / "b.jsonl", (source.line(i) for i in (1, 0))) == 2
    copied = StoredRows(tmp_path / "b.jsonl", lambda row: row)
    assert list(copied) == [{"n": 2, "text": "Chỉ thị\nsố 05"}, {"n": 1, "text": "Nghị quyết"}]
