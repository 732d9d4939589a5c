import math

import numpy as np
import pytest

from index.fusion import PARAMS, fuse, reciprocal_rank, scale

nan = math.nan


def test_scale_maps_candidates_to_unit_range():
    out = scale(np.array([2.0, nan, 4.0, 3.0], np.float32))
    np.testing.assert_allclose(out, [0.0, 0.0, 1.0, 0.5])
    np.testing.assert_allclose(scale(np.array([5.0, nan], np.float32)), [1.0, 0.0])
    np.testing.assert_allclose(scale(np.array([nan, nan], np.float32)), [0.0, 0.0])


def test_fuse_weights_each_side():
    keyword = np.array([10.0, 0.0, nan, 5.0], np.float32)
    dense = np.array([0.5, 0.9, 0.7, nan], np.float32)
    fused = fuse(keyword, dense, 0.6)
    np.testing.assert_allclose(fused, [0.6 * 1 + 0.4 * 0, 0.6 * 0 + 0.4 * 1, 0.4 * 0.5, 0.6 * 0.5], rtol=1e-6)


def test_fuse_keeps_documents_neither_side_found_out():
    fused = fuse(np.array([1.0, nan], np.float32), np.array([nan, nan], np.float32), 0.5)
    assert fused[0] == pytest.approx(0.5) and math.isnan(fused[1])


@pytest.mark.parametrize("keyword_weight", [0.5, PARAMS.keyword_weight])
def test_a_strong_exact_match_survives_fusion_where_rrf_loses_it(keyword_weight):
    # Document 0 is the only strong keyword match (BM25 30 against 3 and below) and a close
    # third on dense (0.800 against 0.810 and 0.805); document 1 is a weak keyword match that
    # leads dense by a hair. Ranks alone say document 1: first + second beats first + third.
    keyword = np.array([30.0, 3.0, 2.8, 2.5], np.float32)
    dense = np.array([0.800, 0.810, 0.805, 0.700], np.float32)
    rrf = reciprocal_rank(keyword, dense, 0.5)
    assert rrf[1] == pytest.approx(0.5 / 62 + 0.5 / 61) and rrf[0] == pytest.approx(0.5 / 61 + 0.5 / 63)
    assert np.argmax(rrf) == 1  # equal-weight RRF puts the wrong document first
    fused = fuse(keyword, dense, keyword_weight)
    assert np.argmax(fused) == 0  # the scores keep the exact match on top
    assert fused[0] - fused[1] > 0.25  # by a wide margin, not a tie broken by order
