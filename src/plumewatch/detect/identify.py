"""Which gas best explains each pixel: per-pixel model selection over per-gas matched filters.

For each gas g the matched filter's significance z_g = alpha_g / sigma_g is the
square root of the log-likelihood gain (x2) of the one-parameter model "x =
background + alpha_g t_g" over the background alone; all models have one
parameter, so comparing z_g^2 is comparing likelihoods (equal BIC penalties).
With equal prior odds for "no gas" and each gas, the posterior probability of
gas g is exp(z_g^2/2) / (1 + sum_h exp(z_h^2/2)) over gases with a positive
column; the pixel is labelled with the most probable gas where its
significance reaches ``min_sigma``, and that probability is the confidence.
"""

from __future__ import annotations

import numpy as np

from plumewatch.detect.retrieval import Retrieval

MIN_SIGMA = 4.0


def identify_gases(
    retrievals: dict[str, Retrieval], *, min_sigma: float = MIN_SIGMA
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(1-based gas index or 0 (lines, samples) uint8, confidence 0-1 float32, gas names in index order)."""
    names = list(retrievals)
    z = np.stack([np.nan_to_num(retrievals[g].significance, nan=0.0) for g in names])  # (gases, L, S)
    half_z2 = np.where(z > 0, 0.5 * z * z, -np.inf)
    top = np.max(half_z2, axis=0)
    reference = np.maximum(top, 0.0)  # log-sum-exp shift, including the null model's 0
    with np.errstate(over="ignore", invalid="ignore"):
        weights = np.exp(half_z2 - reference[None])
        total = weights.sum(axis=0) + np.exp(-reference)
        confidence = np.max(weights, axis=0) / total
    best = np.argmax(half_z2, axis=0)
    detected = np.sqrt(np.maximum(top, 0.0) * 2.0) >= min_sigma
    index = np.where(detected, best + 1, 0).astype(np.uint8)
    return index, np.where(detected, confidence, 0.0).astype(np.float32), names
