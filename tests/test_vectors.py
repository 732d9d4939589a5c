"""The dense index on disk: float16 vectors and codes, memory-mapped on load, old float32 segments
still readable, filtered searches that return k allowed rows (real FAISS, no mocks)."""
from __future__ import annotations

import faiss
import numpy as np
import pytest

from index.vectors import INDEX_FILE, MATRIX_FILE, VectorIndex, VectorView


def _unit(n: int, dim: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _exact(vectors: np.ndarray, query: np.ndarray, k: int, allowed: np.ndarray | None = None):
    scores = np.asarray(vectors, dtype=np.float32) @ query
    if allowed is not None:
        scores = np.where(allowed, scores, -np.inf)
    order = np.argsort(-scores, kind="stable")[:k]
    return order, scores[order]


def _rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_a_saved_index_loads_float16_and_finds_what_exact_float32_search_finds(tmp_path):
    vectors = _unit(800, 48, seed=1)
    VectorIndex.build(vectors).save(tmp_path)
    assert np.load(tmp_path / MATRIX_FILE).dtype == np.float16
    loaded = VectorIndex.load(tmp_path)
    assert len(loaded) == 800 and loaded.dim == 48
    assert isinstance(loaded.index, faiss.IndexScalarQuantizer)
    assert loaded.vectors.dtype == np.float16 and isinstance(loaded.vectors, np.memmap)
    assert np.abs(np.asarray(loaded.vectors, np.float32) - vectors).max() < 1e-3
    for query in _unit(20, 48, seed=2):
        ids, scores = loaded.search(query, 10)
        exact_ids, exact_scores = _exact(vectors, query, 10)
        assert len(ids) == 10 and ids[0] == exact_ids[0]
        assert np.allclose(scores, exact_scores, atol=1e-3)
        assert len(set(ids) & set(exact_ids)) >= 9


def test_build_takes_float16_rows_as_a_merge_copies_them(tmp_path):
    vectors = _unit(300, 32, seed=3)
    VectorIndex.build(vectors).save(tmp_path)
    rows = np.arange(0, 300, 2)
    copied = np.asarray(VectorIndex.load(tmp_path).vectors)[rows]
    merged = VectorIndex.build(copied)
    assert merged.vectors.dtype == np.float16 and np.array_equal(merged.vectors, copied)
    ids, _ = merged.search(vectors[rows[7]], 1)
    assert ids[0] == 7


def test_loading_maps_the_codes_instead_of_copying_them_into_the_heap(tmp_path):
    vectors = _unit(40_000, 128, seed=4)  # 10 MB of float16 codes
    VectorIndex.build(vectors).save(tmp_path)
    del vectors
    before = _rss_kb()
    loaded = VectorIndex.load(tmp_path)
    grew_kb = _rss_kb() - before
    assert grew_kb < 4_000, grew_kb  # a read into the heap would add ~10,000 kB
    faiss_file = str((tmp_path / INDEX_FILE).resolve())
    with open("/proc/self/maps") as maps:
        assert faiss_file in maps.read()
    query = np.asarray(loaded.vectors[123], dtype=np.float32)
    assert loaded.search(query, 1)[0][0] == 123


def _save_the_old_way(directory, vectors: np.ndarray, index: faiss.Index) -> None:
    """What index/vectors.py wrote before float16: a float32 matrix and a float32 FAISS index."""
    index.add(vectors)
    np.save(directory / MATRIX_FILE, vectors)
    faiss.write_index(index, str(directory / INDEX_FILE))


@pytest.mark.parametrize("shape", ["flat", "ivf"])
def test_an_old_float32_segment_still_loads_and_searches(tmp_path, shape):
    vectors = _unit(2_000, 32, seed=5)
    if shape == "flat":
        index = faiss.IndexFlatIP(32)
    else:
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(32), 32, 16, faiss.METRIC_INNER_PRODUCT)
        index.train(vectors)
        index.nprobe = 16  # every cell: exact
    _save_the_old_way(tmp_path, vectors, index)
    loaded = VectorIndex.load(tmp_path)
    assert type(loaded.index) is type(index) and loaded.vectors.dtype == np.float32
    allowed = np.arange(2_000) % 5 == 1
    for query in _unit(5, 32, seed=6):
        for mask in (None, allowed):
            ids, scores = loaded.search(query, 10, mask)
            exact_ids, exact_scores = _exact(vectors, query, 10, mask)
            assert list(ids) == list(exact_ids)
            assert np.allclose(scores, exact_scores, atol=1e-5)


def test_a_filtered_search_returns_k_allowed_rows_best_first(tmp_path):
    vectors = _unit(1_000, 32, seed=7)
    VectorIndex.build(vectors).save(tmp_path)
    loaded = VectorIndex.load(tmp_path)
    allowed = np.zeros(1_000, dtype=bool)
    allowed[np.random.default_rng(8).choice(1_000, 40, replace=False)] = True
    query = _unit(1, 32, seed=9)[0]
    ids, scores = loaded.search(query, 10, allowed)
    exact_ids, exact_scores = _exact(vectors, query, 10, allowed)
    assert len(ids) == 10 and allowed[ids].all()
    assert ids[0] == exact_ids[0] and np.allclose(scores, exact_scores, atol=1e-3)
    assert len(loaded.search(query, 100, allowed)[0]) == 40  # no more than the allowed rows
    assert len(loaded.search(query, 10, np.zeros(1_000, dtype=bool))[0]) == 0


def test_the_ivf_shape_above_a_small_threshold_filters_and_survives_a_round_trip(tmp_path):
    vectors = _unit(3_000, 32, seed=10)
    built = VectorIndex.build(vectors.astype(np.float16), ivf_threshold=1_000)
    assert isinstance(built.index, faiss.IndexIVFScalarQuantizer)
    assert built.index.nlist == min(int(4 * np.sqrt(3_000)), 3_000 // 39)
    built.save(tmp_path)
    loaded = VectorIndex.load(tmp_path)
    assert isinstance(loaded.index, faiss.IndexIVFScalarQuantizer)
    assert loaded.index.nprobe == built.index.nprobe and len(loaded) == 3_000
    # a row's own vector finds itself
    for row in (0, 1_234, 2_999):
        assert loaded.search(vectors[row], 1)[0][0] == row
    # a wide filter and a narrow one, scattered over every cell: k allowed rows each time
    wide = np.arange(3_000) % 2 == 0
    narrow = np.zeros(3_000, dtype=bool)
    narrow[np.random.default_rng(11).choice(3_000, 12, replace=False)] = True
    query = _unit(1, 32, seed=12)[0]
    for mask in (wide, narrow):
        ids, scores = loaded.search(query, 10, mask)
        assert len(ids) == 10 and mask[ids].all()
        assert np.all(np.diff(scores) <= 1e-6)
    # the narrow filter probes every cell: its answer is exact
    exact_ids, exact_scores = _exact(vectors, query, 10, narrow)
    ids, scores = loaded.search(query, 10, narrow)
    assert list(ids) == list(exact_ids) and np.allclose(scores, exact_scores, atol=1e-3)


def test_a_view_over_float16_and_old_float32_segments_reads_float32_rows(tmp_path):
    new_dir, old_dir = tmp_path / "new", tmp_path / "old"
    new_dir.mkdir()
    old_dir.mkdir()
    new_vectors, old_vectors = _unit(50, 16, seed=13), _unit(30, 16, seed=14)
    VectorIndex.build(new_vectors).save(new_dir)
    _save_the_old_way(old_dir, old_vectors, faiss.IndexFlatIP(16))
    live = np.arange(0, 30, 3)
    view = VectorView([(VectorIndex.load(new_dir), None), (VectorIndex.load(old_dir), live)], 16)
    rows = view.vectors
    assert rows.dtype == np.float32 and rows.shape == (60, 16)
    assert np.allclose(rows[:50], new_vectors, atol=1e-3) and np.array_equal(rows[50:], old_vectors[live])
    ids, scores = view.search(old_vectors[live[4]], 3)
    assert ids[0] == 54 and np.allclose(scores, _exact(rows, old_vectors[live[4]], 3)[1], atol=1e-5)


@pytest.mark.parametrize("rows", [0, 500, 3_000])
def test_an_index_written_block_by_block_equals_one_built_whole(tmp_path, rows):
    """What a merge writes without holding the matrix: the same rows, the same FAISS shape and
    answers as `build` + `save` (3,000 rows with a threshold of 1,000 take the IVF shape)."""
    vectors = _unit(rows, 32, seed=rows)
    (tmp_path / "streamed").mkdir()
    VectorIndex.write(tmp_path / "streamed", (vectors[i:i + 700] for i in range(0, rows, 700)), rows, 32,
                      ivf_threshold=1_000)
    built = VectorIndex.build(vectors, ivf_threshold=1_000)
    streamed = VectorIndex.load(tmp_path / "streamed")
    np.testing.assert_array_equal(np.asarray(streamed.vectors), built.vectors)
    assert type(streamed.index) is type(built.index) and len(streamed) == rows
    if rows:
        query = vectors[7]
        np.testing.assert_array_equal(streamed.search(query, 5)[0], built.search(query, 5)[0])
    with pytest.raises(ValueError, match="expected"):
        VectorIndex.write(tmp_path / "streamed", iter([vectors[:10]]), rows + 1, 32)
