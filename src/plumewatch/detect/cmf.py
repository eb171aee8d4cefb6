"""Clutter matched filter with per-column background statistics.

For each column group with background mean mu and covariance C, and the gas's
unit absorption k (optical depth per ppm·m of path, per band), the target
signature of a thin plume is t = -mu * k * AMF (the radiance change per ppm·m of
vertical column). The maximum-likelihood enhancement of a pixel x is

    alpha = (x - mu)^T C^-1 t / (t^T C^-1 t)     [ppm·m]

with 1-sigma uncertainty 1 / sqrt(t^T C^-1 t) under the Gaussian background
model (Thompson et al. 2015, AMT 8:4383; Foote et al. 2020, IEEE TGRS 58:6480).
C^-1 t is found by a Cholesky solve, never an explicit inverse.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import scipy.linalg

from plumewatch.detect.background import ColumnStats, shrink_covariance

log = logging.getLogger(__name__)

# Relative ridge added to the diagonal when a covariance is singular (constant
# bands, too few pixels): small enough not to bias, large enough for Cholesky.
RIDGE_FRACTION = 1e-6


@dataclass
class ColumnFilter:
    """A fitted matched filter: per-column mean, weights and uncertainty for one gas."""

    mean: np.ndarray  # (samples, bands)
    weights: np.ndarray  # (samples, bands): C^-1 t / (t^T C^-1 t)
    sigma_ppmm: np.ndarray  # (samples,)
    shrinkage: np.ndarray  # (groups,)
    usable_columns: np.ndarray  # (samples,) bool

    def apply(self, block: np.ndarray) -> np.ndarray:
        """Enhancement (lines, samples) in ppm·m for a (lines, samples, bands) block."""
        return np.einsum("lsb,sb->ls", block - self.mean[None], self.weights, optimize=True)


def fit_column_filter(stats: ColumnStats, unit_absorption_per_ppmm: np.ndarray, air_mass_factor: float) -> ColumnFilter:
    """Fit per-group matched-filter weights from accumulated background sums."""
    mean_g, cov_g = stats.mean_and_covariance()
    bands = mean_g.shape[1]
    weights_g = np.zeros_like(mean_g)
    sigma_g = np.full(stats.groups, np.nan)
    shrinkage = np.full(stats.groups, np.nan)
    usable_g = stats.count > bands // 4 + 2
    for g in np.flatnonzero(usable_g):
        cov, shrinkage[g] = shrink_covariance(cov_g[g], stats.count[g])
        target = -mean_g[g] * unit_absorption_per_ppmm * air_mass_factor
        solved = _cholesky_solve(cov, target)
        energy = float(target @ solved)
        if not np.isfinite(energy) or energy <= 0:
            usable_g[g] = False
            continue
        weights_g[g] = solved / energy
        sigma_g[g] = 1.0 / np.sqrt(energy)
    col_group = stats.group_of_column
    return ColumnFilter(
        mean=mean_g[col_group],
        weights=weights_g[col_group],
        sigma_ppmm=sigma_g[col_group],
        shrinkage=shrinkage,
        usable_columns=usable_g[col_group],
    )


def _cholesky_solve(cov: np.ndarray, target: np.ndarray) -> np.ndarray:
    """C^-1 t by Cholesky, adding a growing ridge until C is positive definite."""
    scale = float(np.trace(cov)) / len(cov) or 1.0
    ridge = 0.0
    for _ in range(8):
        try:
            factor = scipy.linalg.cho_factor(cov + ridge * np.eye(len(cov)), lower=True, check_finite=False)
            return scipy.linalg.cho_solve(factor, target, check_finite=False)
        except np.linalg.LinAlgError:
            ridge = scale * RIDGE_FRACTION if ridge == 0 else ridge * 100
    return np.full_like(target, np.nan)
