"""The fake embedder the fast tests stand on: the real one's face, and vectors that mean something."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.fakes import DIM, FAKE_MODEL_NAME, FakeEmbedder


def test_fake_has_the_face_of_the_real_embedder():
    from index.embedder import Embedder

    real = Embedder(Path("/nonexistent/model"))  # loads nothing until asked to embed
    public = {n for n in set(dir(Embedder)) | set(vars(real)) if not n.startswith("_")}
    # The loaded sentence-transformers model, and the torch context its calls run in, are what the
    # fake replaces.
    public -= {"model", "arithmetic"}
    assert public <= set(dir(FakeEmbedder())), public - set(dir(FakeEmbedder()))


def test_vectors_are_normalized_float32_and_deterministic():
    texts = ["Nghị quyết Đại hội XIII của Đảng.", "Xin chào!", "...", ""]
    vectors = FakeEmbedder().embed_passages(texts)
    assert vectors.shape == (4, DIM) and vectors.dtype == np.float32 and vectors.flags["C_CONTIGUOUS"]
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    # Hashing with crc32, not hash(): the same in every process, whatever PYTHONHASHSEED says.
    assert np.array_equal(FakeEmbedder().embed_passages(texts), vectors)
    assert FakeEmbedder().embed_passages([]).shape == (0, DIM)
    query = FakeEmbedder().embed_query(texts[0])
    assert query.shape == (DIM,) and np.allclose(query, vectors[0])


def test_texts_sharing_words_are_closer_than_unrelated_ones():
    fake = FakeEmbedder()
    query = fake.embed_query("phần mềm sổ tay đảng viên")
    passages = fake.embed_passages([
        "Các cấp ủy xây dựng phần mềm Sổ tay đảng viên điện tử.",
        "so tay dang vien dien tu",  # no diacritics: the character trigrams still match
        "Giá lúa vụ mùa năm nay tăng nhẹ so với cùng kỳ.",
    ])
    scores = passages @ query
    assert scores[0] > scores[1] > scores[2] and scores[2] < 0.2, scores


def test_another_name_or_seed_is_another_vector_space():
    text = ["Chuyển đổi số trong công tác xây dựng Đảng."]
    assert FakeEmbedder().name == FAKE_MODEL_NAME
    other = FakeEmbedder(name="test-fake-other", seed=7)
    assert other.name == "test-fake-other"
    assert float(other.embed_passages(text)[0] @ FakeEmbedder().embed_passages(text)[0]) < 0.5
