"""Fusing keyword and dense evidence into one document score.

Scores, not only ranks: BM25 knows when it has an exact, rare match (a score far above the rest),
and reciprocal-rank fusion throws that away, which is why equal-weight RRF added nothing over
BM25 on the dev sets. Each side is scaled to [0, 1] over the query's candidates and the two are
mixed with a weight chosen on the dev data (docs/quality.md).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FusionParams:
    # Share of the keyword side in the mix; the rest is dense. The two dev sets disagree (alqac
    # peaks lower, vinewsqa, where e5-small is weak, at 0.8-0.85); 0.8 is the one weight that
    # beats both sides alone on both sets, accented and stripped (docs/quality.md). No per-query
    # signal (keyword or dense score gaps, query length) predicted the better weight on both.
    keyword_weight: float = 0.8
    # The same for a query typed without diacritics, whose dense side sees the restored text.
    keyword_weight_unaccented: float = 0.8


PARAMS = FusionParams()

# The keyword side itself has two views of a document: BM25 over the whole document (which
# rewards a document that covers every word of the query somewhere) and its best passage (which
# rewards the words standing together). News questions gain from the first, legal statements from
# the second; an even mix of the two, each scaled, did better than either on both sets
# (docs/quality.md).
PASSAGE_SHARE = 0.5


def keyword_evidence(passage: np.ndarray, document: np.ndarray, passage_share: float = PASSAGE_SHARE) -> np.ndarray:
    """One keyword score per document from its best passage's and its whole-document BM25."""
    mixed = passage_share * scale(passage) + (1 - passage_share) * scale(document)
    return np.where(np.isnan(passage) & np.isnan(document), np.nan, mixed)


def scale(scores: np.ndarray) -> np.ndarray:
    """Map the candidates' scores (NaN = not a candidate) onto [0, 1]: best 1, worst 0."""
    out = np.zeros_like(scores, dtype=np.float32)
    present = ~np.isnan(scores)
    if not present.any():
        return out
    values = scores[present]
    low, high = float(values.min()), float(values.max())
    out[present] = (values - low) / (high - low) if high > low else 1.0
    return out


def fuse(keyword: np.ndarray, dense: np.ndarray, keyword_weight: float) -> np.ndarray:
    """Weighted sum of the scaled scores; NaN where neither side has the document."""
    fused = keyword_weight * scale(keyword) + (1 - keyword_weight) * scale(dense)
    return np.where(np.isnan(keyword) & np.isnan(dense), np.nan, fused)


def reciprocal_rank(keyword: np.ndarray, dense: np.ndarray, keyword_weight: float, k: int = 60) -> np.ndarray:
    """Weighted reciprocal-rank fusion over the same inputs as `fuse`, for comparison."""
    fused = np.zeros_like(keyword, dtype=np.float32)
    for scores, weight in ((keyword, keyword_weight), (dense, 1 - keyword_weight)):
        present = np.flatnonzero(~np.isnan(scores))
        order = present[np.argsort(-scores[present], kind="stable")]
        fused[order] += weight / (k + 1 + np.arange(len(order)))
    return np.where(np.isnan(keyword) & np.isnan(dense), np.nan, fused)
