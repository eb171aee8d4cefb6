"""Per-column background statistics, accumulated chunk by chunk, and the fitted background model.

Pushbroom detectors have their own response per cross-track column, so the
background mean and covariance are estimated per column (or per group of
neighbouring columns when a flight line is too short for one column alone).
Each chunk is centred on its own column means and reduced with one batched
GEMM (float32, the BLAS's fast path); chunks are then merged exactly in float64
with the pairwise update of Chan, Golub & LeVeque (1983), so memory stays flat
however long the flight line and no precision is lost to E[xx] - E[x]^2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

from plumewatch.detect.shrinkage import shrink_covariance

# A band whose variance is this small a fraction of the median band's is dead
# (constant): it carries no information and would make the covariance singular.
DEAD_BAND_FRACTION = 1e-8
# Relative ridge added to the diagonal when a shrunk covariance still fails Cholesky.
RIDGE_FRACTION = 1e-6


@dataclass
class ColumnStats:
    """Per-column pixel count, mean and scatter (sum of outer products of deviations), float64."""

    count: np.ndarray  # (samples,)
    mean: np.ndarray  # (samples, bands)
    scatter: np.ndarray  # (samples, bands, bands)

    @classmethod
    def from_block(
        cls, block: np.ndarray, usable: np.ndarray | None = None, column_sum: np.ndarray | None = None
    ) -> ColumnStats:
        """Statistics of a (lines, samples, bands) float32 block; centres ``block`` in place.

        ``usable`` (lines, samples) picks the pixels; the others (NaN or masked) are ignored.
        ``column_sum`` (samples, bands), if given, is the sum over lines with unusable pixels already zeroed.
        """
        partial = usable is not None and not usable.all()
        count = (
            usable.sum(axis=0).astype(np.float64)
            if partial
            else np.full(block.shape[1], float(block.shape[0]))
        )
        if column_sum is None:
            if partial:
                block[~usable] = 0.0
            column_sum = block.sum(axis=0, dtype=np.float64)
        mean32 = (column_sum / np.maximum(count, 1.0)[:, None]).astype(np.float32)
        block -= mean32[None]
        if partial:
            block[~usable] = 0.0
        # (samples, bands, lines) @ (samples, lines, bands): numpy hands each column to BLAS.
        scatter = np.matmul(block.transpose(1, 2, 0), block.transpose(1, 0, 2)).astype(np.float64)
        return cls(count=count, mean=mean32.astype(np.float64), scatter=scatter)

    def merge(self, other: ColumnStats) -> ColumnStats:
        """Statistics of the union of two disjoint pixel sets (Chan et al. pairwise update)."""
        return _combine(self.count, self.mean, self.scatter, other.count, other.mean, other.scatter)

    def grouped(self, group_of_column: np.ndarray) -> GroupStats:
        """Pool columns into groups; ``group_of_column`` must be non-decreasing (neighbouring columns)."""
        starts = np.flatnonzero(np.r_[True, np.diff(group_of_column) != 0])
        count = np.add.reduceat(self.count, starts)
        safe = np.maximum(count, 1.0)
        mean = np.add.reduceat(self.count[:, None] * self.mean, starts, axis=0) / safe[:, None]
        deviation = (self.mean - mean[group_of_column]) * np.sqrt(self.count)[:, None]
        scatter = np.add.reduceat(self.scatter, starts, axis=0)
        scatter += np.add.reduceat(deviation[:, :, None] * deviation[:, None, :], starts, axis=0)
        return GroupStats(
            group_of_column=np.asarray(group_of_column),
            count=count,
            mean=mean,
            covariance=scatter / safe[:, None, None],
        )


def _combine(na, ma, sa, nb, mb, sb) -> ColumnStats:
    n = na + nb
    safe = np.maximum(n, 1.0)
    delta = mb - ma
    mean = ma + delta * (nb / safe)[:, None]
    weight = (na * nb / safe)[:, None, None]
    return ColumnStats(count=n, mean=mean, scatter=sa + sb + weight * delta[:, :, None] * delta[:, None, :])


def merge_all(parts: list[ColumnStats]) -> ColumnStats:
    """Merge a list of partial statistics (pairwise, so rounding stays balanced)."""
    while len(parts) > 1:
        parts = [
            parts[i].merge(parts[i + 1]) if i + 1 < len(parts) else parts[i] for i in range(0, len(parts), 2)
        ]
    return parts[0]


@dataclass
class GroupStats:
    """Pooled statistics per column group: count (g,), mean (g, bands), covariance (g, bands, bands)."""

    group_of_column: np.ndarray
    count: np.ndarray
    mean: np.ndarray
    covariance: np.ndarray


@dataclass
class Background:
    """Fitted Gaussian background per column group on a subset of bands, with its Cholesky factor.

    ``band_ok`` marks, per group, bands that are alive; dead bands get zero weight in every filter.
    """

    group_of_column: np.ndarray  # (samples,)
    count: np.ndarray  # (groups,)
    mean: np.ndarray  # (groups, bands)
    covariance: np.ndarray  # (groups, bands, bands), shrunk
    cholesky: np.ndarray  # (groups, bands, bands), lower
    shrinkage: np.ndarray  # (groups,)
    usable: np.ndarray  # (groups,) bool
    band_ok: np.ndarray  # (groups, bands) bool

    @classmethod
    def fit(
        cls,
        stats: GroupStats,
        band_index: np.ndarray,
        *,
        shrinkage: str = "loo",
        min_pixels: int | None = None,
    ) -> Background:
        """Shrunk, factorised per-group covariance on ``band_index`` (robust to singular covariance)."""
        mean = stats.mean[:, band_index]
        cov = stats.covariance[:, band_index][:, :, band_index]
        groups, bands = mean.shape
        min_pixels = bands // 4 + 2 if min_pixels is None else min_pixels
        variance = np.diagonal(cov, axis1=1, axis2=2)
        typical = np.median(variance, axis=1, keepdims=True)
        band_ok = variance > DEAD_BAND_FRACTION * np.maximum(typical, 1e-300)
        usable = (stats.count >= min_pixels) & np.isfinite(cov).all(axis=(1, 2)) & (band_ok.sum(axis=1) >= 2)
        # Dead bands are replaced by unit-variance, uncorrelated placeholders; their weights are zeroed later.
        dead = ~band_ok
        cov = np.where(dead[:, :, None] | dead[:, None, :], 0.0, cov)
        cov[:, np.arange(bands), np.arange(bands)] = np.where(dead, np.maximum(typical, 1.0), variance)
        cov[~usable] = np.eye(bands)
        shrunk, rho = shrink_covariance(cov, stats.count, method=shrinkage)
        return cls(stats.group_of_column, stats.count, mean, shrunk, _cholesky(shrunk), rho, usable, band_ok)

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        """C^-1 rhs per group for rhs (groups, bands, m), by two triangular solves."""
        half = scipy.linalg.solve_triangular(self.cholesky, rhs, lower=True, check_finite=False)
        return scipy.linalg.solve_triangular(self.cholesky, half, lower=True, trans="T", check_finite=False)

    def whitener(self) -> np.ndarray:
        """L^-1 per group (groups, bands, bands): |L^-1 (x - mu)|^2 is the Mahalanobis distance."""
        eye = np.broadcast_to(np.eye(self.mean.shape[1]), self.cholesky.shape)
        return scipy.linalg.solve_triangular(self.cholesky, eye, lower=True, check_finite=False)


def _cholesky(cov: np.ndarray) -> np.ndarray:
    """Lower Cholesky factors; a group that is not positive definite gets a growing ridge."""
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        pass
    factors = np.empty_like(cov)
    for g, c in enumerate(cov):
        scale = float(np.trace(c)) / len(c) or 1.0
        ridge = 0.0
        for _ in range(12):
            try:
                factors[g] = np.linalg.cholesky(c + ridge * np.eye(len(c)))
                break
            except np.linalg.LinAlgError:
                ridge = scale * RIDGE_FRACTION if ridge == 0 else ridge * 10
        else:
            factors[g] = np.sqrt(scale) * np.eye(len(c))
    return factors


def pixel_stats(spectra: np.ndarray, columns: np.ndarray, samples: int) -> ColumnStats:
    """Per-column statistics of a few scattered pixels: ``spectra`` (n, bands) in ``columns`` (n,)."""
    bands = spectra.shape[1]
    values = spectra.astype(np.float64)
    count = np.bincount(columns, minlength=samples).astype(np.float64)
    total = np.zeros((samples, bands))
    np.add.at(total, columns, values)
    mean = total / np.maximum(count, 1.0)[:, None]
    deviation = values - mean[columns]
    scatter = np.zeros((samples, bands, bands))
    for column in np.unique(columns):
        d = deviation[columns == column]
        scatter[column] = d.T @ d
    return ColumnStats(count=count, mean=mean, scatter=scatter)


def remove_pixels(stats: ColumnStats, removed: ColumnStats) -> ColumnStats:
    """Statistics without a subset of their pixels (the pairwise update of Chan et al., run backwards)."""
    n = stats.count - removed.count
    safe = np.maximum(n, 1.0)
    mean = (stats.count[:, None] * stats.mean - removed.count[:, None] * removed.mean) / safe[:, None]
    delta = removed.mean - mean
    weight = (n * removed.count / np.maximum(stats.count, 1.0))[:, None, None]
    scatter = stats.scatter - removed.scatter - weight * delta[:, :, None] * delta[:, None, :]
    return ColumnStats(count=n, mean=np.where(n[:, None] > 0, mean, stats.mean), scatter=scatter)
