"""Which arithmetic the embedding model runs in, chosen from the CPU at run time.

On a CPU with bfloat16 dot-product instructions (AVX512-BF16, or AMX on newer Xeons) e5-small's
matrix products run ~2.5x faster in bfloat16 than in float32, and the vectors stay within cosine
0.99998 of float32's (docs/benchmarks.md); without those instructions bfloat16 is emulated and
slower than float32. The path is a property of a library's vectors: it is recorded in the manifest
next to the model, and a library embedded by another path is re-embedded whole (index/store.py).
"""
from __future__ import annotations

from settings import EMBED_PRECISIONS

BFLOAT16 = "bfloat16"
FLOAT32 = "float32"
# Any one of these flags in /proc/cpuinfo means the CPU multiplies bfloat16 natively.
BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})


def cpu_flags(cpuinfo: str | None = None) -> frozenset[str]:
    """The flags of the first processor in a /proc/cpuinfo text (this machine's when None)."""
    if cpuinfo is None:
        try:
            with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as file:
                cpuinfo = file.read()
        except OSError:  # not Linux: assume nothing, which chooses float32
            return frozenset()
    for line in cpuinfo.splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip() == "flags":
            return frozenset(value.split())
    return frozenset()


def detect_precision(flags: frozenset[str]) -> str:
    return BFLOAT16 if flags & BF16_FLAGS else FLOAT32


def resolve_precision(requested: str, flags: frozenset[str] | None = None) -> str:
    """The path to embed with: `requested` itself, or for "auto" the one the CPU's flags choose."""
    if requested not in EMBED_PRECISIONS:
        raise ValueError(f"embedding precision {requested!r} is not one of {', '.join(EMBED_PRECISIONS)}")
    if requested != "auto":
        return requested
    return detect_precision(cpu_flags() if flags is None else flags)


def embedded_precision(manifest: dict) -> str:
    """The path a library's vectors came from; libraries from before paths were recorded were
    all embedded in float32."""
    return manifest.get("precision") or FLOAT32
