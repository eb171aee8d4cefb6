"""Which gas best explains each pixel: Bayesian model choice over the per-gas retrievals.

Every gas g of a thermal scene is retrieved over the same bands and background, so the
log-likelihood gain of "gas g at its best column" over "no gas" is half the reduction of
the pixel's whitened residual energy, z_g^2 / 2 with z_g = c_g / sigma_g. Comparing gases
by it alone would favour a gas free to fit anything; the Bayes factor of g against no
gas, with a half-normal prior of width s_g on its column (``GasModel.prior_column_ppmm``,
optical depth 1 in the gas's strongest band), charges each gas for the columns its prior
allowed but the data rule out (Laplace's approximation around the posterior c_g, sigma_g):

    ln K_g = z_g^2 / 2 + ln(sigma_g / s_g) + ln 2 + ln Phi(z_g)

With prior probability ``PLUME_FRACTION`` that a pixel holds a plume, shared equally by the
gases, the posterior probability of each gas (and of none) is the softmax of ln K_g plus the
log prior. A pixel is labelled with its most probable hypothesis, 0 when that is "no gas",
and the label's probability is its confidence.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy.special import log_ndtr

from plumewatch.detect.retrieval import Retrieval
from plumewatch.scene import Scene

log = logging.getLogger(__name__)

# Prior probability that a pixel holds a plume of some gas: plumes cover a few pixels per thousand.
PLUME_FRACTION = 0.01


def identify_gases(
    retrievals: dict[str, Retrieval],
    prior_ppmm: dict[str, float],
    *,
    plume_fraction: float = PLUME_FRACTION,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(1-based gas index, 0 = none, (lines, samples) uint8; confidence 0-1 float32; gas names in order).

    ``prior_ppmm`` maps each gas to the 1-sigma of its column prior (ppm·m).
    """
    names = list(retrievals)
    log_odds = np.stack([_log_bayes_factor(retrievals[g], prior_ppmm[g]) for g in names])  # (G, L, S)
    log_odds += np.log(plume_fraction / len(names)) - np.log1p(-plume_fraction)
    top = np.max(log_odds, axis=0)
    reference = np.maximum(top, 0.0)  # the log-sum-exp shift, "no gas" (0) included
    weights = np.exp(log_odds - reference[None])
    total = weights.sum(axis=0) + np.exp(-reference)
    detected = top > 0.0
    index = np.where(detected, np.argmax(log_odds, axis=0) + 1, 0).astype(np.uint8)
    confidence = np.where(detected, np.max(weights, axis=0) / total, 0.0)
    return index, confidence.astype(np.float32), names


def identify_scene(
    scene: Scene, retrievals: dict[str, Retrieval]
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``identify_gases`` with each gas's column prior for ``scene`` (its bands and view geometry)."""
    from plumewatch.detect.plan import column_prior_ppmm

    return identify_gases(retrievals, {g: column_prior_ppmm(scene, g) for g in retrievals})


def _log_bayes_factor(retrieval: Retrieval, prior_ppmm: float) -> np.ndarray:
    """(lines, samples) ln K of the gas against no gas; -inf where the pixel is masked."""
    column = np.asarray(retrieval.enhancement_ppmm, dtype=np.float64)
    sigma = np.asarray(retrieval.uncertainty_ppmm, dtype=np.float64)
    usable = np.isfinite(column) & np.isfinite(sigma) & (sigma > 0)
    sigma = np.where(usable, sigma, 1.0)
    z = np.where(usable, column, 0.0) / sigma
    value = 0.5 * z * z + np.log(sigma / prior_ppmm) + np.log(2.0) + log_ndtr(z)
    return np.where(usable, value, -np.inf)
