"""Gas identification: Bayes factors against no gas choose the label; its confidence is calibrated."""

import numpy as np
import pytest
from scipy.stats import norm

from plumewatch.detect.identify import identification_evidence, identify_gases, label_confidence
from plumewatch.detect.retrieval import Retrieval

PRIORS = {"sf6": 20.0, "nh3": 1000.0}


def _retrieval(gas, significance, sigma):
    sigma = np.full(np.shape(significance), sigma, dtype=np.float32)
    column = (np.asarray(significance) * sigma).astype(np.float32)
    return Retrieval("s", gas, "exact", column, sigma, np.isfinite(column))


def test_most_significant_gas_wins_with_a_confidence():
    sf6 = np.array([[12.0, 0.5, 6.0, -9.0, np.nan]])
    nh3 = np.array([[3.0, 0.2, 5.8, -1.0, np.nan]])
    retrievals = {"sf6": _retrieval("sf6", sf6, 0.2), "nh3": _retrieval("nh3", nh3, 10.0)}
    index, confidence, names = identify_gases(retrievals, PRIORS)
    assert names == ["sf6", "nh3"] and index.dtype == np.uint8 and confidence.dtype == np.float32
    assert index.tolist() == [[1, 0, 1, 0, 0]]
    assert 0.0 < confidence[0, 2] < confidence[0, 0] < 1.0  # a near tie is less sure than a clear win
    assert confidence[0, 1] == 0 and confidence[0, 3] == 0 and confidence[0, 4] == 0


def test_label_follows_the_bayes_factors():
    # one gas, sigma = prior / 50: ln K = z^2/2 - ln 50 + ln 2 + ln Phi(z), prior odds 1 % : 99 %
    z = np.array([[3.0, 4.0, 5.0]])
    index, margin, rival, _ = identification_evidence({"nh3": _retrieval("nh3", z, 20.0)}, {"nh3": 1000.0})
    log_k = 0.5 * z**2 - np.log(50.0) + np.log(2.0) + np.log(norm.cdf(z))
    log_odds = log_k + np.log(0.01 / 0.99)
    # labelled where the gas is the more probable hypothesis: not at 3 sigma, at 4 and 5 sigma
    assert index.tolist() == [[0, 1, 1]] and log_odds[0, 0] < 0 < log_odds[0, 1]
    # no other gas: nothing rivals the label
    assert np.all(np.isinf(margin[0, 1:])) and np.all(rival == 0) and margin[0, 0] == 0


def test_rival_is_the_runner_up_odds_against_none():
    strong = _retrieval("sf6", np.array([[9.0, 9.0]]), 1.0)
    second = _retrieval("nh3", np.array([[8.0, 1.0]]), 20.0)
    _, margin, rival, _ = identification_evidence({"sf6": strong, "nh3": second}, PRIORS)
    runner = 32.0 + np.log(20 / 1000) + np.log(2.0) + np.log(norm.cdf(8.0)) + np.log(0.005 / 0.99)
    assert rival[0, 0] == pytest.approx(runner, rel=1e-6) and rival[0, 1] == 0  # a weak runner-up: 0
    _, confidence, _ = identify_gases({"sf6": strong, "nh3": second}, PRIORS)
    assert confidence[0, 0] < confidence[0, 1]  # another gas explaining the pixel too makes it less sure


def test_margin_is_the_log_bayes_factor_over_the_runner_up():
    a = _retrieval("sf6", np.array([[8.0]]), 1.0)
    b = _retrieval("nh3", np.array([[7.0]]), 50.0)
    index, margin, _, _ = identification_evidence({"sf6": a, "nh3": b}, PRIORS)
    sf6 = 32.0 + np.log(1 / 20) + np.log(norm.cdf(8.0))
    expected = sf6 - (24.5 + np.log(50 / 1000) + np.log(norm.cdf(7.0)))
    assert index[0, 0] == 1 and margin[0, 0] == pytest.approx(expected, rel=1e-6)


def test_confidence_grows_with_the_margin_and_a_tie_is_no_better_than_a_coin():
    margin = np.array([0.0, 1.0, 5.0, 30.0, 1e9])
    confidence = label_confidence(margin, np.full(5, 1.0))  # a runner-up at odds e against none
    assert np.all(np.diff(confidence) >= 0) and confidence[-1] > confidence[0]
    assert np.all((confidence > 0) & (confidence < 1)) and confidence[0] <= 0.5
    # the same margin is less sure when the runner-up explains the pixel well too
    assert label_confidence(np.array(5.0), np.array(50.0)) < label_confidence(np.array(5.0), np.array(0.0))
