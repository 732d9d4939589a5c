import math

import pytest

from index.evaluate import load_qrels, ndcg, recall, reciprocal_rank, score_run

REL = {"d2": 1, "d5": 1}


def test_reciprocal_rank():
    assert reciprocal_rank(["d1", "d2", "d5"], REL) == 0.5
    assert reciprocal_rank(["d5"], REL) == 1.0
    assert reciprocal_rank(["d1"] * 10 + ["d2"], REL) == 0.0  # rank 11 is past the cut
    assert reciprocal_rank([], REL) == 0.0


def test_ndcg_by_hand():
    # relevant at ranks 2 and 3: DCG = 1/log2(3) + 1/log2(4); ideal = 1/log2(2) + 1/log2(3)
    expected = (1 / math.log2(3) + 1 / 2) / (1 + 1 / math.log2(3))
    assert ndcg(["d1", "d2", "d5"], REL) == pytest.approx(expected)
    assert ndcg(["d2", "d5"], REL) == pytest.approx(1.0)
    assert ndcg(["d1"], REL) == 0.0


def test_ndcg_uses_graded_gains():
    graded = {"a": 2, "b": 1}
    expected = (1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3))
    assert ndcg(["b", "a"], graded) == pytest.approx(expected)


def test_recall():
    assert recall(["d1", "d2"], REL, 1) == 0.0
    assert recall(["d1", "d2"], REL, 5) == 0.5
    assert recall(["d5", "d2"], REL, 5) == 1.0


def test_score_run_averages_over_queries():
    qrels = {"q1": {"a": 1}, "q2": {"b": 1}}
    metrics = score_run({"q1": ["a", "b"], "q2": ["a", "c", "x", "y", "b"]}, qrels)
    assert metrics["MRR@10"] == pytest.approx((1 + 1 / 5) / 2)
    assert metrics["Recall@1"] == 0.5
    assert metrics["Recall@5"] == 1.0


def test_load_qrels_skips_header_and_zero_scores(tmp_path):
    path = tmp_path / "qrels.tsv"
    path.write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t0\nq2\tLuật X@3\t2\n", encoding="utf-8")
    # corpus ids become document ids the way the JSONL reader makes them
    assert load_qrels(path) == {"q1": {"d1": 1}, "q2": {"Luật-X-3": 2}}
