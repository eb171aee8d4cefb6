"""Clutter matched filter with per-column background statistics.

For each column group with background mean mu and covariance C, and a target
signature t (radiance change per ppm·m of vertical column: t = -mu * k * AMF
in reflected sunlight, see :mod:`plumewatch.detect.targets`), the
maximum-likelihood enhancement of a pixel x is

    alpha = (x - mu)^T C^-1 t / (t^T C^-1 t)     [ppm·m]

with 1-sigma uncertainty 1 / sqrt(t^T C^-1 t) under the Gaussian background
model (Thompson et al. 2015, AMT 8:4383; Foote et al. 2020, IEEE TGRS 58:6480).
C^-1 t is found by triangular solves on the Cholesky factor, never an explicit
inverse. Every filter here is a fitted object (statistics computed once, like
Spectral Python's ``MatchedFilter``) whose ``apply`` maps a (lines, samples,
bands) block to per-pixel outputs with one batched GEMM per block.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from plumewatch.detect.background import Background, ColumnStats
from plumewatch.detect.targets import GasModel, target_signature

# The per-pixel variance correction from the sensor noise model may lower the
# background variance for dark pixels, but never below this fraction of it.
MIN_VARIANCE_FRACTION = 0.1


@dataclass
class FilterOutput:
    """Per-pixel outputs of a filter on one block, each (lines, samples) float32.

    Optional, for the spectral-shape test of :mod:`plumewatch.detect.robust`: ``gas_explained``, the
    squared whitened length of the pixel's deviation that the gas model accounts for, and
    ``excess_residual``, the squared Mahalanobis distance left over minus its expectation (about
    0 +- sqrt(2p) for a pixel like its background).
    """

    enhancement_ppmm: np.ndarray
    uncertainty_ppmm: np.ndarray
    albedo: np.ndarray
    excess_residual: np.ndarray | None = None
    gas_explained: np.ndarray | None = None


def batched_dot(block: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(lines, samples, m) = per-column block (lines, samples, bands) @ weights (samples, bands, m)."""
    return np.matmul(block.transpose(1, 0, 2), weights).transpose(1, 0, 2)


def embed(per_group: np.ndarray, background: Background, gas: GasModel, union_bands: int) -> np.ndarray:
    """Per-group vectors (groups, b, m) on the gas's bands -> per-column float32 (samples, union_bands, m)."""
    groups, bands = per_group.shape[:2]
    one_per_column = np.array_equal(background.group_of_column, np.arange(groups))
    if one_per_column and bands == union_bands and np.array_equal(gas.local_index, np.arange(bands)):
        return per_group.astype(np.float32)  # already per column, on every band: one cast, no scatter
    out = np.zeros((per_group.shape[0], union_bands, per_group.shape[2]), dtype=np.float32)
    out[:, gas.local_index, :] = per_group
    return out[background.group_of_column]


def albedo_vector(background: Background) -> np.ndarray:
    """(groups, b): mu / (mu . mu), so that x . it is the pixel's brightness relative to its column."""
    mu = background.mean
    return mu / np.maximum(np.sum(mu * mu, axis=1, keepdims=True), 1e-300)


@dataclass
class LinearFilter:
    """Plain per-column clutter matched filter for one gas (no albedo correction)."""

    gas: str
    weights: np.ndarray  # (samples, union_bands, 2 or 3): [C^-1 t / E, albedo vector, noise weights]
    offset: np.ndarray  # (samples, 3): x-independent parts of each output column
    sigma_ppmm: np.ndarray  # (samples,) background 1-sigma
    usable_columns: np.ndarray  # (samples,) bool

    @classmethod
    def fit(
        cls, background: Background, gas: GasModel, union_bands: int, noise_slope: np.ndarray | None = None
    ) -> LinearFilter:
        """Weights from a background and the gas's target; ``noise_slope``: d(noise var)/d(radiance)."""
        target = target_signature(background, gas)
        solved = background.solve(target[:, :, None])[:, :, 0]
        energy = np.sum(target * solved, axis=1)
        ok = background.usable & np.isfinite(energy) & (energy > 0)
        energy = np.where(ok, energy, 1.0)
        w = np.where(ok[:, None], solved / energy[:, None], 0.0)
        columns = [w, albedo_vector(background)]
        if noise_slope is not None:
            columns.append(w * w * noise_slope[None, gas.local_index])
        per_group = np.stack(columns, axis=2)
        offset = np.einsum("gb,gbm->gm", background.mean, per_group)
        g = background.group_of_column
        return cls(
            gas=gas.gas,
            weights=embed(per_group, background, gas, union_bands),
            offset=offset[g],
            sigma_ppmm=np.where(ok, 1.0 / np.sqrt(energy), np.nan)[g],
            usable_columns=ok[g],
        )

    def apply(self, block: np.ndarray) -> FilterOutput:
        """Enhancement, uncertainty and albedo for a (lines, samples, union_bands) float32 block."""
        out = batched_dot(block, self.weights) - self.offset[None].astype(np.float32)
        variance = noise_adjusted_variance(
            self.sigma_ppmm, out[..., 2] if out.shape[2] > 2 else None, len(block)
        )
        return FilterOutput(out[..., 0], np.sqrt(variance).astype(np.float32), out[..., 1] + 1.0)


def noise_adjusted_variance(sigma_ppmm: np.ndarray, noise_delta: np.ndarray | None, lines: int) -> np.ndarray:
    """Per-pixel variance (ppm·m)^2: the column's background variance plus the sensor-noise difference."""
    base = (sigma_ppmm**2)[None, :].astype(np.float32)
    if noise_delta is None:
        return np.broadcast_to(base, (lines, base.shape[1]))
    return np.maximum(base + noise_delta, MIN_VARIANCE_FRACTION * base)


def matched_filter(
    cube: np.ndarray, gas: GasModel, *, group_size: int = 1, shrinkage: str = "loo"
) -> FilterOutput:
    """One-call clutter matched filter on an in-memory (lines, samples, bands) cube of the gas's bands."""
    block = np.array(cube, dtype=np.float32)
    usable = np.isfinite(block).all(axis=2)
    stats = ColumnStats.from_block(block.copy(), usable).grouped(np.arange(block.shape[1]) // group_size)
    local = dataclasses.replace(gas, local_index=np.arange(block.shape[2]))
    background = Background.fit(stats, local.local_index, shrinkage=shrinkage)
    filt = LinearFilter.fit(background, local, block.shape[2])
    return filt.apply(np.where(usable[..., None], block, 0.0).astype(np.float32))
