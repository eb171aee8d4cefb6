"""Which gas best explains each pixel: Bayesian model choice over the per-gas retrievals, with a
confidence calibrated against simulated truth.

Every thermal gas is retrieved over the same bands (the whole 7.5-13 um window), the same
background and the same ground-contrast shapes, so the log-likelihood gain of "gas g at its
best column" over "no gas" is half the reduction of the pixel's whitened residual energy,
z_g^2 / 2 with z_g = c_g / sigma_g. The Bayes factor of g against no gas, with a half-normal
prior of width s_g on its column (``GasModel.prior_column_ppmm``, optical depth 1 in the gas's
strongest band), charges each gas for the columns its prior allowed but the data rule out
(Laplace's approximation around the posterior c_g, sigma_g):

    ln K_g = z_g^2 / 2 + ln(sigma_g / s_g) + ln 2 + ln Phi(z_g)

With prior probability ``PLUME_FRACTION`` that a pixel holds a plume, shared equally by the
gases, a pixel is labelled with its most probable hypothesis, 0 when that is "no gas".

The label's confidence is not that model's posterior. The single-gas fits are not the whole
story: acetone and chloroform share their only band HyTES sees (near 8.2 um), and on simulated
surveys a plume of one gas often raises another gas's fit above its own (SF6 plumes: MEK,
chloroform), so a posterior near 1 was right some 65 % of the time. The confidence is instead
the chance that the label is right, from the score a + b ln(1 + margin) + d ln(1 + rival) of two
gas-agnostic numbers: the margin ln K_label - ln K_runner-up (how much better the label explains
the pixel than the next gas) and the rival, the log posterior odds of the runner-up gas against
no gas where positive (how well another gas explains the pixel too). a, b, d (``CALIBRATION``) are
a logistic regression of "label right" on them, and the score is mapped to the share of right labels
by an isotonic fit (``CONFIDENCE_KNOTS``), both fitted on simulated HyTES surveys
(``benchmarks/detect_thermal.py --calibrate``, seeds ``CALIBRATION_SEEDS``), never on the seeds the
benchmark reports. They name no gas, so a gas the
simulator does not emit is not ruled out; the confidence is an average over the simulated
gases and scenes, not per gas.
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
# Fitted by ``benchmarks/detect_thermal.py --calibrate`` on CALIBRATION_SEEDS (2 passes of 200 x 120
# pixels, 2669 labelled pixels, 70 % right). (a, b, d) of the score a + b ln(1 + margin) + d ln(1 + rival);
# (score, share of right labels) knots of its isotonic calibration, interpolated, flat past the ends.
CALIBRATION = (-0.161, 0.703, -0.709)
CONFIDENCE_KNOTS = (
    (-1.201, 0.329),
    (-0.403, 0.434),
    (0.103, 0.505),
    (0.554, 0.529),
    (0.948, 0.591),
    (1.229, 0.643),
    (1.413, 0.751),
    (1.537, 0.826),
    (1.63, 0.915),
    (1.758, 0.938),
    (1.955, 0.956),
    (2.445, 0.97),
)
CALIBRATION_SEEDS = (4, 5, 6, 7, 8)


def identification_evidence(
    retrievals: dict[str, Retrieval],
    prior_ppmm: dict[str, float],
    *,
    plume_fraction: float = PLUME_FRACTION,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """(label index, 0 = none, uint8; margin of the label over the runner-up gas and the runner-up's
    odds against none (0 if below), both natural-log, float64; gas names in order), maps (lines, samples)."""
    names = list(retrievals)
    log_odds = np.stack([_log_bayes_factor(retrievals[g], prior_ppmm[g]) for g in names])  # (G, L, S)
    log_odds += np.log(plume_fraction / len(names)) - np.log1p(-plume_fraction)
    ranked = np.sort(log_odds, axis=0)
    top = ranked[-1]
    runner_up = ranked[-2] if len(names) > 1 else np.full(top.shape, -np.inf)
    detected = top > 0.0
    index = np.where(detected, np.argmax(log_odds, axis=0) + 1, 0).astype(np.uint8)
    margin = np.where(detected, top - np.where(detected, runner_up, 0.0), 0.0)
    rival = np.where(detected, np.clip(runner_up, 0.0, None), 0.0)
    return index, margin, rival, names


def label_confidence(margin: np.ndarray, rival: np.ndarray) -> np.ndarray:
    """Calibrated probability (0-1) that a label with this margin and rival (log odds) is right."""
    a, b, d = CALIBRATION
    margin = np.log1p(np.clip(np.nan_to_num(margin, posinf=1e6), 0.0, None))
    rival = np.log1p(np.clip(np.nan_to_num(rival, posinf=1e6), 0.0, None))
    score, share = np.array(CONFIDENCE_KNOTS).T
    return np.interp(a + b * margin + d * rival, score, share)


def identify_gases(
    retrievals: dict[str, Retrieval],
    prior_ppmm: dict[str, float],
    *,
    plume_fraction: float = PLUME_FRACTION,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(1-based gas index, 0 = none, (lines, samples) uint8; confidence 0-1 float32; gas names in order).

    ``prior_ppmm`` maps each gas to the 1-sigma of its column prior (ppm·m).
    """
    index, margin, rival, names = identification_evidence(
        retrievals, prior_ppmm, plume_fraction=plume_fraction
    )
    confidence = np.where(index > 0, label_confidence(margin, rival), 0.0)
    return index, confidence.astype(np.float32), names


def identify_scene(
    scene: Scene, retrievals: dict[str, Retrieval]
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``identify_gases`` with each gas's column prior for ``scene`` (its bands and view geometry)."""
    return identify_gases(retrievals, scene_priors_ppmm(scene, retrievals))


def scene_priors_ppmm(scene: Scene, retrievals: dict[str, Retrieval]) -> dict[str, float]:
    """1-sigma (ppm·m) of each retrieved gas's column prior over ``scene``'s bands and view."""
    from plumewatch.detect.plan import column_prior_ppmm

    return {g: column_prior_ppmm(scene, g) for g in retrievals}


def _log_bayes_factor(retrieval: Retrieval, prior_ppmm: float) -> np.ndarray:
    """(lines, samples) ln K of the gas against no gas; -inf where the pixel is masked."""
    column = np.asarray(retrieval.enhancement_ppmm, dtype=np.float64)
    sigma = np.asarray(retrieval.uncertainty_ppmm, dtype=np.float64)
    usable = np.isfinite(column) & np.isfinite(sigma) & (sigma > 0)
    sigma = np.where(usable, sigma, 1.0)
    z = np.where(usable, column, 0.0) / sigma
    value = 0.5 * z * z + np.log(sigma / prior_ppmm) + np.log(2.0) + log_ndtr(z)
    return np.where(usable, value, -np.inf)
