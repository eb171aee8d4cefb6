"""The streaming passes of detection: one dask task per block of lines.

Pass 1 reads a block from the scene, computes its masks and (log-space filters) its log
radiance once, keeps the prepared block (in memory when the scene's prepared blocks are small
enough, else in a scratch folder) and reduces it to per-column statistics. Every later pass
(apply the filters, the shape test of the pixels that may be plume, the statistics of flagged
pixels) reads the kept block instead of converting the scene's bands again. Without a place to
keep it (on a dask.distributed cluster, whose workers need not share a disk, or with a single
later pass) a later pass prepares the block from the scene again, with pass 1's masks, which
gives the same block (in radiance space it reads the scene's block as it is: the filters give
the same numbers in either layout).

Blocks live column-major, (samples, lines, bands) in memory, and are handed to the filters as
(lines, samples, bands) views: each detector column is one contiguous (lines, bands) matrix, so
every per-column product (scatter, filter weights) is one float32 BLAS call per column, made
by a single batched ``np.matmul`` per block.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from plumewatch.detect.background import PendingStats, column_parts
from plumewatch.detect.cluster import ClusterModel
from plumewatch.detect.exact import LOG_FLOOR, ExactFilter
from plumewatch.detect.masks import MASK_NAMES, MaskPlan, compute_masks

IN_MEMORY = "memory"  # where to keep prepared blocks: this, a scratch folder, or None (prepare again)


@dataclass(frozen=True)
class Kept:
    """A prepared block (as ``prepare`` returns it) kept in memory between passes."""

    block: np.ndarray


Source = np.ndarray | str | Kept  # a block of the scene's radiance, its prepared copy's path, or the copy


def prepare(
    raw: np.ndarray, log_space: bool, masks: MaskPlan | None = None, excluded: np.ndarray | None = None
) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray, np.ndarray | None]:
    """(block, {mask name: (lines, samples) bool}, excluded, column sums) of a (lines, samples, bands) block.

    The block is float32, column-major, ln radiance when ``log_space`` (``exact.log_radiance``).
    Masks are computed from ``masks``, or taken as given by ``excluded`` (then no flags are returned).
    Column sums: (samples, bands) float64 sums over lines of the block's pixels not excluded, or None
    where the block holds values that are not finite (the statistics then sum the pixels themselves).
    """
    raw = np.asarray(raw, dtype=np.float32)
    flags = {} if excluded is not None else compute_masks(raw, masks)
    storage = np.empty((raw.shape[1], raw.shape[0], raw.shape[2]), dtype=np.float32)
    block = storage.transpose(1, 0, 2)
    np.copyto(block, raw)
    if log_space:
        with np.errstate(divide="ignore", invalid="ignore"):  # radiance <= 0 is dealt with below
            np.log(storage, out=storage)  # on contiguous memory: the vectorised loop, 2x a transposing log
    masked = np.logical_or.reduce([*flags.values()], initial=False) if excluded is None else excluded
    every, of_masked = _column_sums(storage, masked)
    # the sums are finite exactly when every value is (ln radiance too, where radiance > 0): one
    # check of them rules out the per-element tests for no-data and radiance <= 0
    all_finite = bool(np.isfinite(every).all())
    if excluded is None:
        if log_space:
            flags["nonpositive"] = _any_band(raw, lambda x: ~(x > 0) & ~np.isnan(x), all_finite)
        excluded = masked | flags.get("nonpositive", False)
        flags["nodata"] = _any_band(raw, lambda x: ~np.isfinite(x), all_finite) & ~excluded
        excluded = excluded | flags["nodata"]
    if all_finite:
        return block, flags, excluded, (every - of_masked).astype(np.float64)
    if log_space:  # the logarithm again, of positive radiance only
        np.copyto(block, raw)
        positive = block > 0
        np.log(block, out=block, where=positive)
        block[~positive & ~np.isnan(block)] = LOG_FLOOR
    return block, flags, excluded, None


def _column_sums(storage: np.ndarray, masked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(samples, bands) float32 sums over lines of a column-major block's pixels: all, and the ``masked``.

    One batched product per column reads the block once for both.
    """
    samples, lines, _ = storage.shape
    weights = np.empty((samples, 2, lines), dtype=np.float32)
    weights[:, 0] = 1.0
    weights[:, 1] = masked.T
    with np.errstate(invalid="ignore", over="ignore"):  # a value not finite makes its column's sums so
        sums = np.matmul(weights, storage)
    return sums[:, 0], sums[:, 1]


def _any_band(block: np.ndarray, test, ruled_out: bool) -> np.ndarray:
    """(lines, samples) True where ``test`` holds in any band of a (lines, samples, bands) block."""
    if ruled_out:  # a whole-block check already rules it out: no per-element pass
        return np.zeros(block.shape[:2], dtype=bool)
    return test(block).any(axis=2)


def save(folder: Path, index: int, block: np.ndarray) -> str:
    """Keep a prepared block (as ``prepare`` returns it) in ``folder``; returns its path."""
    path = str(folder / f"block{index:06d}.npy")
    np.save(path, block.transpose(1, 0, 2))
    return path


def load(source: Source, log_space: bool, excluded: np.ndarray) -> np.ndarray:
    """The prepared block of ``source``: kept in memory, read from its scratch file, or prepared again."""
    if isinstance(source, Kept):
        return source.block
    if isinstance(source, str):  # mapped, not copied: the passes only read it, some only a few pixels
        return np.load(source, mmap_mode="r").transpose(1, 0, 2)
    if not log_space:  # the passes only read it: the scene's block as it is, not a column-major copy
        return np.asarray(source, dtype=np.float32)
    return prepare(source, log_space, excluded=excluded)[0]


def accumulate(
    raw: np.ndarray,
    masks: MaskPlan,
    classes: ClusterModel | None,
    log_space: bool,
    keep: Path | str | None,
    index: int,
):
    """Pass 1 on one block: (([pooled] + per-class statistics, mask counts), excluded, kept source).

    ``keep``: ``IN_MEMORY``, a scratch folder, or None (the later passes prepare the block again).
    """
    labels = classes.assign(np.asarray(raw, dtype=np.float32)) if classes is not None else None
    block, flags, excluded, column_sum = prepare(raw, log_space, masks)
    kept = Kept(block) if keep == IN_MEMORY else save(keep, index, block) if keep is not None else None
    usable = ~excluded
    stats = []
    if labels is not None:
        stats = [
            PendingStats.from_block(block.copy(), usable & (labels == k)) for k in range(classes.classes)
        ]
    stats.insert(0, PendingStats.from_block(block, usable, column_sum, in_place=keep != IN_MEMORY))
    counts = {name: int(flags[name].sum()) if name in flags else 0 for name in MASK_NAMES}
    counts["usable_pixels"] = int(usable.sum())
    return (stats, counts), excluded, kept


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


def flagged_sums(
    source: Source,
    excluded: np.ndarray,
    flagged: np.ndarray,
    columns,
    models,
    log_space: bool,
    reference: np.ndarray,
) -> tuple[list, list | None]:
    """Sums (``column_parts`` about ``reference``) of a block's flagged, unmasked pixels [, without the gas].

    ``columns`` (gases, lines, samples): the gas columns to take out of those pixels (log radiance
    minus ln R(a) of each gas), or None to leave them out of the background altogether.
    """
    block = load(source, log_space, excluded)
    lines, samples = np.nonzero(flagged & ~excluded)  # no-data pixels are excluded: all finite
    pixels = block[lines, samples].astype(np.float64)
    found = column_parts(pixels, samples, reference)
    if columns is None:
        return found, None
    for model, column in zip(models, columns, strict=True):  # ``pixels`` are summed: change them in place
        grid, table = model.exact_grid_ppmm, model.exact_log_ratio
        amount = column[lines, samples]
        node = np.clip(np.searchsorted(grid, amount, side="right") - 1, 0, len(grid) - 2)
        weight = np.clip((amount - grid[node]) / (grid[node + 1] - grid[node]), 0.0, 1.0)[:, None]
        signal = (1.0 - weight) * table[node] + weight * table[node + 1]
        pixels[:, model.local_index] -= signal
    return found, column_parts(pixels, samples, reference)
