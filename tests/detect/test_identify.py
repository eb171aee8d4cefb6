"""Gas identification: Bayes factors of each gas against none, with an Occam charge for its prior."""

import numpy as np
import pytest
from scipy.stats import norm

from plumewatch.detect.identify import identify_gases
from plumewatch.detect.retrieval import Retrieval

PRIORS = {"sf6": 20.0, "nh3": 1000.0}


def _retrieval(gas, significance, sigma):
    sigma = np.full(significance.shape, sigma, dtype=np.float32)
    column = (np.asarray(significance) * sigma).astype(np.float32)
    return Retrieval("s", gas, "exact", column, sigma, np.isfinite(column))


def test_most_significant_gas_wins_with_a_confidence():
    sf6 = np.array([[12.0, 0.5, 6.0, -9.0, np.nan]])
    nh3 = np.array([[3.0, 0.2, 5.8, -1.0, np.nan]])
    retrievals = {"sf6": _retrieval("sf6", sf6, 0.2), "nh3": _retrieval("nh3", nh3, 10.0)}
    index, confidence, names = identify_gases(retrievals, PRIORS)
    assert names == ["sf6", "nh3"] and index.dtype == np.uint8
    assert index.tolist() == [[1, 0, 1, 0, 0]]
    assert confidence[0, 0] > 0.99  # 12 sigma against 3 sigma: no doubt
    assert 0.4 < confidence[0, 2] < 0.9  # 6.0 against 5.8 sigma: a lean, not a certainty
    assert confidence[0, 1] == 0 and confidence[0, 3] == 0 and confidence[0, 4] == 0


def test_posterior_follows_the_bayes_factors():
    # one gas, sigma = prior / 50: ln K = z^2/2 - ln 50 + ln 2 + ln Phi(z), prior odds 1 % : 99 %
    z = np.array([[3.0, 4.0, 5.0]])
    index, confidence, _ = identify_gases({"nh3": _retrieval("nh3", z, 20.0)}, {"nh3": 1000.0})
    log_k = 0.5 * z**2 - np.log(50.0) + np.log(2.0) + np.log(norm.cdf(z))
    posterior = 1 / (1 + np.exp(-(log_k + np.log(0.01 / 0.99))))
    # labelled where the gas is the more probable hypothesis: not at 3 sigma, at 4 and 5 sigma
    assert index.tolist() == [[0, 1, 1]] and posterior[0, 0] < 0.5 < posterior[0, 1]
    assert confidence[0, 1:] == pytest.approx(posterior[0, 1:], rel=1e-5)
