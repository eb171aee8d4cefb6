"""Scores on hand-made cases: a perfect detector, a random one, a known bias."""

import numpy as np
import pytest

from plumewatch.evaluate.metrics import (
    bias_rmse,
    detection_limit,
    detection_probability,
    precision_recall,
    roc_auc,
)


def test_perfect_detector_has_auc_one_and_full_detection():
    labels = np.r_[np.zeros(5000, bool), np.ones(100, bool)]
    scores = np.r_[np.random.default_rng(0).normal(0, 1, 5000), np.full(100, 10.0)]
    assert roc_auc(scores, labels) == 1.0
    assert detection_probability(scores, labels, 1e-3)["probability_of_detection"] == 1.0


def test_random_detector_has_auc_near_one_half():
    rng = np.random.default_rng(1)
    labels = rng.uniform(size=20000) < 0.1
    assert roc_auc(rng.normal(size=20000), labels) == pytest.approx(0.5, abs=0.02)


def test_inverted_detector_has_auc_zero_and_ties_count_half():
    labels = np.array([True, True, False, False])
    assert roc_auc(np.array([0.0, 0.0, 1.0, 1.0]), labels) == 0.0
    assert roc_auc(np.zeros(4), labels) == 0.5


def test_auc_matches_pairwise_definition():
    rng = np.random.default_rng(2)
    scores = np.round(rng.normal(size=300), 1)
    labels = rng.uniform(size=300) < 0.3
    pos, neg = scores[labels], scores[~labels]
    pairwise = ((pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])).mean()
    assert roc_auc(scores, labels) == pytest.approx(pairwise)


def test_auc_is_nan_without_both_classes():
    assert np.isnan(roc_auc(np.arange(5.0), np.zeros(5, bool)))


def test_false_alarm_rate_is_respected():
    rng = np.random.default_rng(3)
    labels = np.r_[np.zeros(100_000, bool), np.ones(1000, bool)]
    scores = np.r_[rng.normal(size=100_000), rng.normal(3.09, 1, 1000)]
    result = detection_probability(scores, labels, 1e-3)
    assert result["achieved_false_alarm_rate"] <= 1e-3
    # Threshold ~3.09 (the 99.9th percentile of N(0,1)), so signals centred there are found half the time.
    assert result["threshold"] == pytest.approx(3.09, abs=0.1)
    assert result["probability_of_detection"] == pytest.approx(0.5, abs=0.06)


def test_detection_limit_is_where_detection_stays_above_ninety_percent():
    truth = np.geomspace(10, 10_000, 20_000)
    detected = truth > 500
    result = detection_limit(truth, detected, fraction=0.9, bins_per_decade=10)
    assert 500 <= result["limit_ppmm"] <= 500 * 10**0.1
    assert detection_limit(truth, np.zeros_like(detected))["limit_ppmm"] is None


def test_bias_and_rmse_of_a_known_offset():
    truth = np.linspace(0, 1000, 101)
    result = bias_rmse(truth + 50.0, truth)
    assert result["bias"] == pytest.approx(50.0)
    assert result["rmse"] == pytest.approx(50.0)
    noisy = bias_rmse(np.r_[truth + 30, np.nan], np.r_[truth - 0, 5.0])
    assert noisy["pixels"] == 101


def test_precision_recall_counts():
    assert precision_recall(3, 1, 0) == pytest.approx({"precision": 0.75, "recall": 1.0, "f1": 6 / 7})
    assert np.isnan(precision_recall(0, 0, 2)["precision"])
