"""Merging segments: which ones (a size-tiered policy), and the merged segment itself.

Every commit adds a segment, and a search visits every segment, so segments are merged as they
accumulate, as Lucene's tiered policy does: segments of about the same size (the same power of
`MERGE_FACTOR` passages) are merged once there are `MERGE_FACTOR` of them, so a library of N
passages has at most about MERGE_FACTOR x log(N) segments, and a passage is copied about
log(N) times in its life, not once per commit. A segment whose rows are mostly deleted is merged
too, to give their space back.

A merge copies rows: documents, passages, vectors and term counts of the live documents, never
tokenizing or embedding again, and streams them into the new segment's files: it holds a few
tables of row numbers, never the merged segment (a merge of a million passages held 22 GB when
it did). Deleted rows are left behind.
"""
from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .backends import keyword_backend, vector_backend
from .manifest import Manifest
from .segment import (
    CHUNK_DOCS_FILE,
    CHUNKS_FILE,
    DOCS_FILE,
    DOCUMENT_KEYWORD_DIR,
    HEADS_FILE,
    KEYWORD_DIR,
    Segment,
    finish,
    live_copies,
)
from .stored import write_lines, write_rows

MERGE_FACTOR = 10
# Segments below this many passages all count as the smallest tier.
FLOOR_PASSAGES = 1_000
# A segment with this share of its documents deleted is rewritten with its tier's next merge, or
# alone.
EXPUNGE_SHARE = 0.5
# Vectors copied at a time (float16: 25 MB of dim 384).
VECTOR_BLOCK = 32_768


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


def write_merged(directory: Path, segments: list[Segment], deleted: Mapping[str, frozenset[str]]) -> set[str]:
    """Write one segment of the live documents of `segments` (each one's latest copy) into
    `directory` (new), streaming: stored rows are copied as the files hold them, vectors and
    term counts a block at a time, so a merge holds the merged segment's tables (document ids,
    row numbers) but never its texts, vectors or postings. The merged documents' ids."""
    owner = live_copies(segments, deleted)
    merged_ids = sorted(owner)
    position = {doc_id: i for i, doc_id in enumerate(merged_ids)}
    # Each segment's documents and passages renumbered into the merged segment (-1: left behind);
    # passages keep their order, segment after segment.
    doc_maps, chunk_maps, kept_rows, chunks = [], [], [], 0
    for segment in segments:
        doc_map = np.array([position[d] if owner.get(d) is segment else -1 for d in segment.doc_ids], np.int64)
        rows = segment.rows_of(doc_map >= 0)
        chunk_map = np.full(len(segment), -1, np.int64)
        chunk_map[rows] = np.arange(chunks, chunks + len(rows))
        chunks += len(rows)
        doc_maps.append(doc_map)
        chunk_maps.append(chunk_map)
        kept_rows.append(rows)
    # Merged document j is row `source_row[j]` of segment `source[j]`.
    source = np.zeros(len(merged_ids), np.int64)
    source_row = np.zeros(len(merged_ids), np.int64)
    for number, doc_map in enumerate(doc_maps):
        kept = np.flatnonzero(doc_map >= 0)
        source[doc_map[kept]] = number
        source_row[doc_map[kept]] = kept

    directory.mkdir(parents=True)
    write_lines(directory / DOCS_FILE, (segments[s].document_line(int(r)) for s, r in zip(source, source_row,
                                                                                          strict=True)))
    write_rows(directory / HEADS_FILE, (asdict(segments[s].heads[d]) for s, d in zip(source, merged_ids, strict=True)))
    write_lines(directory / CHUNKS_FILE,
                (segment.chunk_line(int(i)) for segment, rows in zip(segments, kept_rows, strict=True) for i in rows))
    chunk_doc = [doc_map[segment.chunk_doc[rows]]
                 for segment, doc_map, rows in zip(segments, doc_maps, kept_rows, strict=True)]
    np.save(directory / CHUNK_DOCS_FILE, np.concatenate([np.zeros(0, np.int64), *chunk_doc]).astype(np.int32))
    # Segments merged together were written by the same backends (the manifest names them).
    vectors_by = segments[0].vector_backend if segments else vector_backend(None)
    keywords_by = segments[0].keyword_backend if segments else keyword_backend(None)
    dim = segments[0].vectors.dim if segments else 384
    vectors_by.write(directory, _vector_blocks(segments, kept_rows), chunks, dim)
    keywords_by.write_merged(directory / KEYWORD_DIR, [(s.keyword, m) for s, m in zip(segments, chunk_maps,
                                                                                      strict=True)], chunks)
    keywords_by.write_merged(directory / DOCUMENT_KEYWORD_DIR,
                             [(s.doc_keyword, m) for s, m in zip(segments, doc_maps, strict=True)], len(merged_ids))
    finish(directory, len(merged_ids), chunks, dim, vectors_by, keywords_by)
    return set(merged_ids)


def _vector_blocks(segments: list[Segment], kept_rows: list[np.ndarray]) -> Iterator[np.ndarray]:
    for segment, rows in zip(segments, kept_rows, strict=True):
        matrix = segment.vectors.vectors
        for start in range(0, len(rows), VECTOR_BLOCK):
            yield np.asarray(matrix[rows[start:start + VECTOR_BLOCK]])
