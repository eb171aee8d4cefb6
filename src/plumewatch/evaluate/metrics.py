"""Detection and retrieval scores against known truth, on plain arrays (no files).

ROC AUC is the Mann-Whitney statistic: the probability that a random plume pixel
scores above a random background pixel, ties counting half (Hanley & McNeil 1982,
Radiology 143:29), computed from average ranks.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy.stats import rankdata

log = logging.getLogger(__name__)


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve (0-1) of ``scores`` for boolean ``labels``; NaN without both classes."""
    scores, labels = _finite(scores, labels)
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(scores)
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def threshold_at_false_alarm_rate(background_scores: np.ndarray, false_alarm_rate: float) -> float:
    """The score that only ``false_alarm_rate`` of background pixels exceed."""
    background = np.asarray(background_scores, dtype=float)
    background = background[np.isfinite(background)]
    if background.size == 0:
        return float("nan")
    return float(np.quantile(background, 1.0 - false_alarm_rate, method="higher"))


def detection_probability(
    scores: np.ndarray, labels: np.ndarray, false_alarm_rate: float
) -> dict[str, float]:
    """Probability of detection of plume pixels at the threshold giving ``false_alarm_rate`` on background."""
    scores, labels = _finite(scores, labels)
    threshold = threshold_at_false_alarm_rate(scores[~labels], false_alarm_rate)
    positives = scores[labels]
    pd = float((positives > threshold).mean()) if positives.size and np.isfinite(threshold) else float("nan")
    achieved = float((scores[~labels] > threshold).mean()) if (~labels).any() else float("nan")
    return {
        "false_alarm_rate": false_alarm_rate,
        "achieved_false_alarm_rate": achieved,
        "threshold": threshold,
        "probability_of_detection": pd,
    }


def detection_limit(
    truth_ppmm: np.ndarray,
    detected: np.ndarray,
    *,
    fraction: float = 0.9,
    bins_per_decade: int = 5,
    min_pixels: int = 10,
) -> dict[str, object]:
    """Smallest true column (ppm·m) from which every higher bin is detected at least ``fraction`` of the time.

    Pixels are binned by true column on a log scale; the limit is the lower edge of
    the lowest bin from which detection stays >= ``fraction`` (None if never).
    Returns the limit and the per-bin table (lower edge, pixels, detected fraction).
    """
    truth_ppmm = np.asarray(truth_ppmm, dtype=float)
    detected = np.asarray(detected, dtype=bool)
    keep = np.isfinite(truth_ppmm) & (truth_ppmm > 0)
    truth_ppmm, detected = truth_ppmm[keep], detected[keep]
    if truth_ppmm.size == 0:
        return {"limit_ppmm": None, "bins": []}
    lo, hi = (
        np.floor(np.log10(truth_ppmm.min()) * bins_per_decade),
        np.ceil(np.log10(truth_ppmm.max()) * bins_per_decade),
    )
    edges = 10 ** (np.arange(lo, hi + 1) / bins_per_decade)
    which = np.clip(np.searchsorted(edges, truth_ppmm, side="right") - 1, 0, len(edges) - 2)
    table = []
    for b in range(len(edges) - 1):
        in_bin = which == b
        n = int(in_bin.sum())
        if n >= min_pixels:
            table.append(
                {
                    "lower_ppmm": float(edges[b]),
                    "pixels": n,
                    "detected_fraction": float(detected[in_bin].mean()),
                }
            )
    limit = None
    for row in reversed(table):
        if row["detected_fraction"] < fraction:
            break
        limit = row["lower_ppmm"]
    return {"limit_ppmm": limit, "fraction": fraction, "bins": table}


def bias_rmse(retrieved: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """Mean error (bias), RMSE and pixel count of retrieved vs true values where both are finite."""
    retrieved, truth = np.asarray(retrieved, dtype=float), np.asarray(truth, dtype=float)
    ok = np.isfinite(retrieved) & np.isfinite(truth)
    if not ok.any():
        return {"pixels": 0, "bias": float("nan"), "rmse": float("nan")}
    error = retrieved[ok] - truth[ok]
    return {"pixels": int(ok.sum()), "bias": float(error.mean()), "rmse": float(np.sqrt((error**2).mean()))}


def precision_recall(true_positives: int, false_positives: int, false_negatives: int) -> dict[str, float]:
    """Precision, recall and F1 from match counts (NaN where undefined)."""
    found = true_positives + false_positives
    actual = true_positives + false_negatives
    precision = true_positives / found if found else float("nan")
    recall = true_positives / actual if actual else float("nan")
    f1 = (
        2 * precision * recall / (precision + recall)
        if found and actual and (precision + recall)
        else float("nan")
    )
    return {"precision": precision, "recall": recall, "f1": f1}


def _finite(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scores = np.asarray(scores, dtype=float).ravel()
    labels = np.asarray(labels, dtype=bool).ravel()
    ok = np.isfinite(scores)
    return scores[ok], labels[ok]
