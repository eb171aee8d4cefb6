"""The streaming passes of detection: one dask task per block of lines.

Pass 1 reads a block from the scene, computes its masks and (log-space filters) its log
radiance once, zeroes the masked pixels, keeps the prepared block in a scratch folder and
reduces it to per-column statistics. Every later pass (apply the filters, the shape test of
the pixels that may be plume, the statistics of flagged pixels) reads the prepared block back
instead of converting the scene's bands again. Without a scratch folder (on a dask.distributed
cluster, whose workers need not share a disk) a later pass prepares the block from the scene
again, with pass 1's masks, which gives the same block.

Blocks live column-major, (samples, lines, bands) in memory, and are handed to the filters as
(lines, samples, bands) views: each detector column is one contiguous (lines, bands) matrix, so
every per-column product (scatter, filter weights) is one float32 BLAS call per column, made
by a single batched ``np.matmul`` per block.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from plumewatch.detect.background import ColumnStats, pixel_stats
from plumewatch.detect.cluster import ClusterModel
from plumewatch.detect.exact import ExactFilter
from plumewatch.detect.masks import MASK_NAMES, MaskPlan, compute_masks

Source = np.ndarray | str  # a block of the scene's radiance, or the path of its prepared copy


def prepare(
    raw: np.ndarray, log_space: bool, masks: MaskPlan | None = None, excluded: np.ndarray | None = None
) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """(block, {mask name: (lines, samples) bool}, excluded pixels) for a (lines, samples, bands) block.

    The block is float32 (ln radiance when ``log_space``), column-major, zero at excluded pixels.
    Masks are computed from ``masks``, or taken as given by ``excluded`` (then no flags are returned).
    """
    raw = np.asarray(raw, dtype=np.float32)
    flags = {} if excluded is not None else compute_masks(raw, masks)
    storage = np.empty((raw.shape[1], raw.shape[0], raw.shape[2]), dtype=np.float32)
    np.copyto(storage, raw.transpose(1, 0, 2))
    if excluded is None:
        if log_space:
            # a band at or below zero radiance has no logarithm; a NaN there is no-data instead
            flags["nonpositive"] = _any_band(storage, lambda x: ~(x > 0) & ~np.isnan(x), np.min(storage) > 0)
        excluded = np.logical_or.reduce(list(flags.values())) if flags else np.zeros(raw.shape[:2], bool)
        nodata = _any_band(storage, lambda x: ~np.isfinite(x), np.isfinite(np.sum(storage))) & ~excluded
        flags["nodata"] = nodata
        excluded = excluded | nodata
    bad = excluded.T
    if log_space:
        storage[bad] = 1.0
        np.log(storage, out=storage)
    storage[bad] = 0.0
    return storage.transpose(1, 0, 2), flags, excluded


def _any_band(storage: np.ndarray, test, none_can: bool) -> np.ndarray:
    """(lines, samples) True where ``test`` holds in any band of a (samples, lines, bands) block."""
    if none_can:  # a whole-block check rules it out without a per-element pass
        return np.zeros(storage.shape[1::-1], dtype=bool)
    return test(storage).any(axis=2).T


def save(folder: Path, index: int, block: np.ndarray) -> str:
    """Keep a prepared block (as ``prepare`` returns it) in ``folder``; returns its path."""
    path = str(folder / f"block{index:06d}.npy")
    np.save(path, block.transpose(1, 0, 2))
    return path


def load(source: Source, log_space: bool, excluded: np.ndarray) -> np.ndarray:
    """The prepared block of ``source``: read back from its scratch file, or prepared again."""
    if isinstance(source, str):
        return np.load(source).transpose(1, 0, 2)
    return prepare(source, log_space, excluded=excluded)[0]


def accumulate(
    raw: np.ndarray,
    masks: MaskPlan,
    classes: ClusterModel | None,
    log_space: bool,
    keep: Path | None,
    index: int,
):
    """Pass 1 on one block: ([pooled statistics] + one per class, mask counts, excluded, scratch path)."""
    labels = classes.assign(np.asarray(raw, dtype=np.float32)) if classes is not None else None
    block, flags, excluded = prepare(raw, log_space, masks)
    path = save(keep, index, block) if keep is not None else None
    usable = ~excluded
    stats = []
    if labels is not None:
        stats = [ColumnStats.from_block(block.copy(), usable & (labels == k)) for k in range(classes.classes)]
    stats.insert(0, ColumnStats.from_block(block, usable))
    counts = {name: int(flags[name].sum()) if name in flags else 0 for name in MASK_NAMES}
    counts["usable_pixels"] = int(usable.sum())
    return stats, counts, excluded, path


def apply(source: Source, excluded: np.ndarray, filters, log_space: bool) -> np.ndarray:
    """(lines, samples, gases, 3) float32: enhancement, 1-sigma and albedo of each filter."""
    block = load(source, log_space, excluded)
    values = np.empty((*block.shape[:2], len(filters), 3), dtype=np.float32)
    for i, f in enumerate(filters):
        out = f.apply(block)
        values[:, :, i, 0] = out.enhancement_ppmm
        values[:, :, i, 1] = out.uncertainty_ppmm
        values[:, :, i, 2] = out.albedo
    return values


def shape_terms(
    source: Source, excluded: np.ndarray, needed: np.ndarray, filters: list[ExactFilter], log_space: bool
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per filter: (excess residual, gas explained) of the ``needed`` pixels, in np.nonzero order."""
    block = load(source, log_space, excluded)
    lines, samples = np.nonzero(needed)
    pixels = block[lines, samples]
    return [f.shape_terms(pixels, samples) for f in filters]


def flagged_stats(
    source: Source, excluded: np.ndarray, flagged: np.ndarray, columns, models, log_space: bool
):
    """Per-column statistics of the flagged, unmasked pixels of one block: as they are [, without the gas].

    ``columns`` (gases, lines, samples): the gas columns to take out of those pixels (log radiance
    minus ln R(a) of each gas), or None to leave them out of the background altogether.
    """
    block = load(source, log_space, excluded)
    lines, samples = np.nonzero(flagged & ~excluded)
    pixels = block[lines, samples]
    found = pixel_stats(pixels, samples, block.shape[1])
    if columns is None:
        return found, None
    cleaned = pixels.astype(np.float64)
    for model, column in zip(models, columns, strict=True):
        grid, table = model.exact_grid_ppmm, model.exact_log_ratio
        amount = column[lines, samples]
        node = np.clip(np.searchsorted(grid, amount, side="right") - 1, 0, len(grid) - 2)
        weight = np.clip((amount - grid[node]) / (grid[node + 1] - grid[node]), 0.0, 1.0)[:, None]
        signal = (1.0 - weight) * table[node] + weight * table[node + 1]
        cleaned[:, model.local_index] -= signal
    return found, pixel_stats(cleaned, samples, block.shape[1])
