"""Cluster-tuned matched filter: background statistics per surface class.

A flight line mixes surfaces (soil, vegetation, roofs, water) whose spectra and
covariances differ; one covariance per column blurs them, so clutter from one
class leaks into the filter output of another. Following Funk et al. (2001,
IEEE TGRS 39:1410) pixels are assigned to k-means classes of their spectral
shape (radiance divided by the column mean, which removes the detector
response and leaves surface), and the filter is fitted per (class, column
group). Cells with too few pixels fall back to the class-blind statistics.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import scipy.cluster.vq

from plumewatch.detect.background import Background, GroupStats
from plumewatch.detect.cmf import FilterOutput, LinearFilter
from plumewatch.detect.targets import GasModel

log = logging.getLogger(__name__)

DEFAULT_CLASSES = 4
FIELDS = ("enhancement_ppmm", "uncertainty_ppmm", "albedo")


@dataclass
class ClusterModel:
    """k-means centroids of relative spectra; ``assign`` labels the pixels of a block."""

    column_mean: np.ndarray  # (samples, union_bands) float32
    centroids: np.ndarray  # (k, union_bands) float32

    @classmethod
    def fit(cls, sample: np.ndarray, k: int = DEFAULT_CLASSES, seed: int = 0) -> ClusterModel:
        """Classes from a (lines, samples, bands) sample of the scene (NaN-free rows only)."""
        column_mean = np.nanmean(sample, axis=0).astype(np.float32)
        relative = (sample / column_mean[None]).reshape(-1, sample.shape[2])
        relative = relative[np.isfinite(relative).all(axis=1)]
        k = max(1, min(k, len(relative) // max(4 * sample.shape[2], 1)))
        centroids, _ = scipy.cluster.vq.kmeans2(relative.astype(np.float64), k, minit="++", seed=seed)
        return cls(column_mean=column_mean, centroids=centroids.astype(np.float32))

    @property
    def classes(self) -> int:
        """Number of classes."""
        return len(self.centroids)

    def assign(self, block: np.ndarray) -> np.ndarray:
        """(lines, samples) class index of each pixel (nearest centroid of its relative spectrum)."""
        relative = block / self.column_mean[None]
        score = relative @ self.centroids.T - 0.5 * np.sum(self.centroids**2, axis=1)
        return np.argmax(np.nan_to_num(score, nan=-np.inf), axis=-1)


@dataclass
class ClusterFilter:
    """One linear filter per class; each pixel takes its own class's output."""

    model: ClusterModel
    filters: list[LinearFilter]

    @property
    def usable_columns(self) -> np.ndarray:
        """(samples,) bool: columns where every class has a usable filter."""
        return np.all([f.usable_columns for f in self.filters], axis=0)

    @classmethod
    def fit(
        cls,
        model: ClusterModel,
        class_stats: list[GroupStats],
        pooled: Background,
        gas: GasModel,
        union_bands: int,
        *,
        shrinkage: str = "loo",
        noise_slope: np.ndarray | None = None,
    ) -> ClusterFilter:
        """Per-class filters; class groups with too few pixels use the pooled background."""
        filters = []
        for stats in class_stats:
            background = Background.fit(stats, gas.local_index, shrinkage=shrinkage)
            small = ~background.usable
            if small.any():
                log.debug("%s: %d class cells fall back to pooled statistics", gas.gas, int(small.sum()))
                background = _fallback(background, pooled, small)
            filters.append(LinearFilter.fit(background, gas, union_bands, noise_slope))
        return cls(model=model, filters=filters)

    def apply(self, block: np.ndarray) -> FilterOutput:
        """Enhancement, uncertainty and albedo, each pixel from its class's filter."""
        labels = self.model.assign(block)
        outputs = [f.apply(block) for f in self.filters]
        chosen = FilterOutput(*(np.array(getattr(outputs[0], name)) for name in FIELDS))
        for k, output in enumerate(outputs[1:], start=1):
            mine = labels == k
            for name in FIELDS:
                getattr(chosen, name)[mine] = getattr(output, name)[mine]
        return chosen


def _fallback(background: Background, pooled: Background, small: np.ndarray) -> Background:
    """Replace the unusable groups of a class background by the pooled groups (same grouping)."""
    fields = {}
    for name in ("count", "mean", "covariance", "cholesky", "shrinkage", "usable", "band_ok"):
        mine, other = getattr(background, name), getattr(pooled, name)
        shape = (-1,) + (1,) * (mine.ndim - 1)
        fields[name] = np.where(small.reshape(shape), other, mine)
    return Background(group_of_column=background.group_of_column, **fields)
