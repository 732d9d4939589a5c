"""Merging segments: which ones (a size-tiered policy), and the merged segment itself.

Every commit adds a segment, and a search visits every segment, so segments are merged as they
accumulate, as Lucene's tiered policy does: segments of about the same size (the same power of
`MERGE_FACTOR` passages) are merged once there are `MERGE_FACTOR` of them, so a library of N
passages has at most about MERGE_FACTOR x log(N) segments, and a passage is copied about
log(N) times in its life, not once per commit. A segment whose rows are mostly deleted is merged
too, to give their space back.

A merge copies rows: documents, passages, vectors and term counts of the live documents, never
tokenizing or embedding again. Deleted rows are left behind.
"""
from __future__ import annotations

import math

import numpy as np

from .backends import keyword_backend, vector_backend
from .manifest import Manifest
from .records import Chunk, StoredDocument
from .segment import Segment, live_copies

MERGE_FACTOR = 10
# Segments below this many passages all count as the smallest tier.
FLOOR_PASSAGES = 1_000
# A segment with this share of its documents deleted is rewritten with its tier's next merge, or
# alone.
EXPUNGE_SHARE = 0.5


def tier(passages: int) -> int:
    return int(math.log(max(passages, FLOOR_PASSAGES) / FLOOR_PASSAGES, MERGE_FACTOR))


def choose(manifest: Manifest, sizes: dict[str, tuple[int, int]]) -> list[str]:
    """The segments to merge next, or [] when none need it. `sizes` gives each segment's
    (passages, documents); the manifest, the documents of each deleted."""
    live: dict[str, int] = {}
    mostly_deleted = []
    for entry in manifest.segments:
        passages, documents = sizes[entry.name]
        share = len(entry.deleted) / documents if documents else 0.0
        live[entry.name] = round(passages * (1 - share))
        if share >= EXPUNGE_SHARE:
            mostly_deleted.append(entry.name)
    tiers: dict[int, list[str]] = {}
    for name, passages in live.items():
        tiers.setdefault(tier(passages), []).append(name)
    for level in sorted(tiers):
        names = tiers[level]
        if len(names) >= MERGE_FACTOR:
            names.sort(key=lambda n: live[n])
            return _in_manifest_order(manifest, names[:MERGE_FACTOR])
    if mostly_deleted:
        return _in_manifest_order(manifest, mostly_deleted[:MERGE_FACTOR])
    return []


def _in_manifest_order(manifest: Manifest, names: list[str]) -> list[str]:
    wanted = set(names)
    return [n for n in manifest.segment_names() if n in wanted]


def merge_segments(name: str, segments: list[Segment], deleted: dict[str, frozenset[str]]) -> Segment:
    """One segment of the live documents of `segments` (each one's latest copy)."""
    owner = live_copies(segments, deleted)
    docs: dict[str, StoredDocument] = {}
    chunks: list[Chunk] = []
    vector_blocks = []
    keyword_parts = []
    doc_keyword_parts = []
    for segment in segments:
        keep = np.array([owner.get(d) is segment for d in segment.doc_ids], dtype=bool)
        if not keep.any():
            continue
        rows = segment.rows_of(keep)
        for d in segment.doc_ids:
            if owner.get(d) is segment:
                docs[d] = segment.docs[d]
        chunks.extend(segment.chunks[i] for i in rows)
        vector_blocks.append(np.asarray(segment.vectors.vectors)[rows])
        keyword_parts.append((segment.keyword, rows))
        doc_keyword_parts.append((segment.doc_keyword, np.flatnonzero(keep)))
    dim = segments[0].vectors.dim if segments else 384
    vectors = np.concatenate(vector_blocks) if vector_blocks else np.zeros((0, dim), np.float32)
    # Segments merged together were written by the same backends (the manifest names them).
    keywords_by = segments[0].keyword_backend if segments else keyword_backend(None)
    vectors_by = segments[0].vector_backend if segments else vector_backend(None)
    keyword = keywords_by.concatenate(keyword_parts) if keyword_parts else keywords_by.build([])
    # The document rows, segment after segment, reordered into the merged segment's id order.
    merged_ids = [d for segment in segments for d in segment.doc_ids if owner.get(d) is segment]
    position = {d: i for i, d in enumerate(merged_ids)}
    order = [position[d] for d in sorted(merged_ids)]
    doc_keyword = (keywords_by.concatenate(doc_keyword_parts, order=order) if doc_keyword_parts
                   else keywords_by.build([]))
    return Segment.build(name, docs, chunks, vectors, keyword, doc_keyword, vectors_by, keywords_by)
