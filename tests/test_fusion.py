import math

import numpy as np
import pytest

from index.fusion import fuse, reciprocal_rank, scale

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


def test_a_strong_exact_match_survives_fusion_where_rrf_loses_it():
    # Document 0 is far ahead on keywords and second on dense; document 1 leads dense narrowly.
    keyword = np.array([30.0, 3.0, 2.5], np.float32)
    dense = np.array([0.80, 0.81, 0.70], np.float32)
    assert np.argmax(fuse(keyword, dense, 0.5)) == 0
    rrf = reciprocal_rank(keyword, dense, 0.5)
    assert rrf[0] == pytest.approx(0.5 / 61 + 0.5 / 62)
