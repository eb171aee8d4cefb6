"""Gas identification by per-pixel model selection."""

import numpy as np

from plumewatch.detect.identify import identify_gases
from plumewatch.detect.retrieval import Retrieval


def _retrieval(gas, significance):
    sigma = np.ones_like(significance, dtype=np.float32)
    return Retrieval(
        "s", gas, "cmf", significance.astype(np.float32), sigma, np.ones(significance.shape, bool)
    )


def test_most_significant_gas_wins_with_a_confidence():
    sf6 = np.array([[12.0, 0.5, 6.0, -9.0]])
    nh3 = np.array([[3.0, 0.2, 5.8, -1.0]])
    index, confidence, names = identify_gases({"sf6": _retrieval("sf6", sf6), "nh3": _retrieval("nh3", nh3)})
    assert names == ["sf6", "nh3"]
    assert index.tolist() == [[1, 0, 1, 0]]
    assert confidence[0, 0] > 0.99  # 12 sigma against 3 sigma: no doubt
    assert 0.5 < confidence[0, 2] < 0.9  # 6.0 against 5.8 sigma: a lean, not a certainty
    assert confidence[0, 1] == 0 and confidence[0, 3] == 0  # nothing detected; negative columns never count
