"""Per-column background statistics, accumulated chunk by chunk.

Pushbroom detectors have their own response per cross-track column, so the
background mean and covariance are estimated per column (or per group of
neighbouring columns when a flight line is too short for one column alone).
Sums are accumulated in float64 over line chunks, so memory stays flat however
long the flight line: one (groups, bands, bands) array, whatever the line count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class ColumnStats:
    """Running sums per column group: counts, sums and sums of outer products (float64)."""

    group_of_column: np.ndarray  # (samples,) int: group index of each column
    count: np.ndarray  # (groups,)
    total: np.ndarray  # (groups, bands)
    outer: np.ndarray  # (groups, bands, bands)

    @classmethod
    def empty(cls, samples: int, bands: int, group_size: int) -> ColumnStats:
        """Zeroed sums for ``samples`` columns grouped ``group_size`` at a time."""
        group_of_column = np.arange(samples) // max(1, group_size)
        groups = int(group_of_column[-1]) + 1
        return cls(
            group_of_column=group_of_column,
            count=np.zeros(groups),
            total=np.zeros((groups, bands)),
            outer=np.zeros((groups, bands, bands)),
        )

    @property
    def groups(self) -> int:
        """Number of column groups."""
        return len(self.count)

    def add(self, block: np.ndarray, usable: np.ndarray) -> None:
        """Accumulate a (lines, samples, bands) block; ``usable`` (lines, samples) picks the pixels."""
        for g in range(self.groups):
            cols = self.group_of_column == g
            pixels = block[:, cols, :][usable[:, cols]].astype(np.float64)
            if len(pixels) == 0:
                continue
            self.count[g] += len(pixels)
            self.total[g] += pixels.sum(axis=0)
            self.outer[g] += pixels.T @ pixels

    def merge(self, other: ColumnStats) -> ColumnStats:
        """Sum of two partial accumulations over disjoint line ranges."""
        return ColumnStats(
            self.group_of_column,
            self.count + other.count,
            self.total + other.total,
            self.outer + other.outer,
        )

    def mean_and_covariance(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-group mean (groups, bands) and sample covariance (groups, bands, bands)."""
        n = np.maximum(self.count, 1.0)
        mean = self.total / n[:, None]
        cov = self.outer / n[:, None, None] - mean[:, :, None] * mean[:, None, :]
        return mean, cov


def shrink_covariance(cov: np.ndarray, n_samples: float) -> tuple[np.ndarray, float]:
    """Covariance shrunk towards its diagonal by the Oracle Approximating Shrinkage rule.

    OAS (Chen et al. 2010, IEEE TSP 58:5016) needs only the sample covariance and
    the sample count, so it can be computed from accumulated sums. It is applied to
    the correlation matrix, so that bands of very different brightness are treated
    alike, and the shrinkage target is the diagonal. Returns the shrunk covariance and
    the shrinkage weight in [0, 1].
    """
    p = cov.shape[0]
    std = np.sqrt(np.clip(np.diag(cov), 1e-30, None))
    corr = cov / std[:, None] / std[None, :]
    tr_s2 = float(np.sum(corr * corr))  # trace(R @ R) for symmetric R
    tr_s = float(p)  # trace(R) = p for a correlation matrix
    numerator = (1.0 - 2.0 / p) * tr_s2 + tr_s**2
    denominator = (n_samples + 1.0 - 2.0 / p) * (tr_s2 - tr_s**2 / p)
    rho = 1.0 if denominator <= 0 else float(min(1.0, numerator / denominator))
    shrunk = (1.0 - rho) * cov
    shrunk[np.diag_indices(p)] = np.diag(cov)
    return shrunk, rho
