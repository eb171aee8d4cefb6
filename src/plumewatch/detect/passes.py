"""The streaming passes of detection: one dask task per block of lines.

Pass 1 reads a block from the scene, computes its masks and (log-space filters) its log
radiance once, keeps the prepared block (in memory when the scene's prepared blocks are small
enough, else in a scratch folder) and reduces it to per-column statistics. Every later pass
(apply the filters, the shape test of the pixels that may be plume, the statistics of flagged
pixels) reads the kept block instead of converting the scene's bands again. Without a place to
keep it (on a dask.distributed cluster, whose workers need not share a disk, or with a single
later pass) a later pass prepares the block from the scene again, with pass 1's masks, which
gives the same block (in radiance space it reads the scene's block as it is).

Blocks keep the reader's (lines, samples, bands) layout where a pixel's bands lie side by side (the
ENVI reader's blocks, whatever the file's interleave); blocks laid out otherwise get their gas bands
copied so. A detector column is then a (lines, bands) matrix whose rows are contiguous, which
BLAS reads with its row stride as it is: every per-column product (scatter, filter weights) is one
float32 BLAS call per column, made by a single batched ``np.matmul`` per block, as fast as on a
column-major copy, which would cost a pass of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from plumewatch.detect.background import PendingStats, as_slice
from plumewatch.detect.cluster import ClusterModel
from plumewatch.detect.exact import LOG_FLOOR
from plumewatch.detect.masks import MASK_NAMES, MaskPlan, compute_masks, pixels_of

IN_MEMORY = "memory"  # where to keep prepared blocks: this, a scratch folder, or None (prepare again)


@dataclass(frozen=True)
class Preparation:
    """How a block of the scene's bands becomes the block the filters read."""

    log_space: bool  # ln radiance (log-space filters), or radiance as it is
    gas_bands: slice | np.ndarray  # the block's bands the filters read, in order
    mask_bands: np.ndarray  # the block's other bands, read only by the masks


@dataclass(frozen=True)
class Kept:
    """A prepared block (as ``prepare`` returns it) kept in memory between passes."""

    block: np.ndarray


Source = np.ndarray | str | Kept  # a block of the scene's radiance, its prepared copy's path, or the copy


def prepare(raw: np.ndarray, how: Preparation, excluded: np.ndarray) -> np.ndarray:
    """The block the filters read, of a (lines, samples, bands) block of the scene and pass 1's ``excluded``.

    It holds the gas bands of ``raw``, float32, in the reader's (lines, samples, bands) layout: ln
    radiance when ``how.log_space`` (a new array; ``LOG_FLOOR`` at the excluded pixels where radiance
    <= 0, as ``exact.log_radiance``), else a view of the reader's array, which the caller must not change.
    """
    raw = np.asarray(raw, dtype=np.float32)
    block, nonpositive = _gas_block(raw, how)
    _floor_excluded(block, raw, excluded, how, nonpositive)
    return block


def first_prepared(
    raw: np.ndarray, how: Preparation, masks: MaskPlan
) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray, PendingStats]:
    """(block, {mask name: (lines, samples) bool}, excluded, statistics of the rest) of a scene's block.

    The block is ``prepare``'s; the masks are computed from ``masks``, plus no-data (and radiance
    <= 0 in a gas band, log space): the pixels excluded from the per-column statistics.
    """
    raw = np.asarray(raw, dtype=np.float32)
    flags = compute_masks(raw, masks)
    block, nonpositive = _gas_block(raw, how)
    excluded = np.logical_or.reduce([*flags.values()], initial=False)
    stats = PendingStats.from_block(block, ~excluded)
    # a column's statistics are finite exactly when its usable values all are: only the columns
    # whose are not (or whose mask bands hold a non-finite value) need the per-element no-data test
    scatter_diagonal = np.diagonal(stats.scatter, axis1=1, axis2=2)
    suspect = ~np.isfinite(scatter_diagonal).all(axis=1) | ~np.isfinite(
        raw[..., how.mask_bands].sum(axis=(0, 2))
    )
    if how.log_space:
        flags["nonpositive"] = _any_band(
            raw[..., how.gas_bands], lambda x: ~(x > 0) & ~np.isnan(x), nonpositive
        )
        excluded = excluded | flags["nonpositive"]
    flags["nodata"] = _any_band(raw, lambda x: ~np.isfinite(x), suspect) & ~excluded
    excluded = excluded | flags["nodata"]
    _floor_excluded(block, raw, excluded, how, nonpositive)
    if suspect.any():  # their statistics again, without the pixels just excluded
        again = PendingStats.from_block(block[:, suspect], ~excluded[:, suspect])
        stats.scatter[suspect] = again.scatter
        stats.counts[:, suspect], stats.means[:, suspect] = again.counts, again.means
    return block, flags, excluded, stats


def _gas_block(raw: np.ndarray, how: Preparation) -> tuple[np.ndarray, np.ndarray]:
    """(the gas bands of a float32 block as the filters read them, (samples,) bool: may hold radiance <= 0).

    ln radiance when ``how.log_space`` (non-finite where radiance <= 0), else a view of ``raw`` (then
    no column is marked).
    """
    block = _pixels_as_rows(raw[..., how.gas_bands])
    if not how.log_space:
        return block, np.zeros(raw.shape[1], dtype=bool)
    # ln's divide-by-zero and invalid-value flags tell whether any radiance was <= 0 (a NaN raises
    # neither): only then need the columns be searched for them
    raised = []
    with np.errstate(divide="call", invalid="call", call=lambda *_: raised.append(True)):
        logged = np.log(block, out=block if block.base is None else None)  # in place if a copy
    if not raised:
        return logged, np.zeros(raw.shape[1], dtype=bool)
    return logged, ~(np.min(raw[..., how.gas_bands], axis=0).min(axis=1) > 0)  # NaN too: tested


def _floor_excluded(
    block: np.ndarray, raw: np.ndarray, excluded: np.ndarray, how: Preparation, columns: np.ndarray
) -> None:
    """``LOG_FLOOR`` in place of the non-finite logarithms of the excluded pixels that are not no-data.

    Only the excluded pixels of ``columns`` (samples,) bool hold values with no logarithm.
    """
    if not columns.any():
        return
    lines, samples = pixels_of(excluded & columns[None, :])
    pixels = block[lines, samples]
    pixels[~np.isfinite(pixels) & ~np.isnan(raw[lines, samples][:, how.gas_bands])] = LOG_FLOOR
    block[lines, samples] = pixels


def _pixels_as_rows(block: np.ndarray) -> np.ndarray:
    """``block`` with each pixel's bands side by side (copied only where they are not).

    BLAS reads a detector column, (lines, bands), as a matrix whose rows are pixels: one stride
    between lines, none between bands.
    """
    return block if block.strides[-1] == block.itemsize else np.ascontiguousarray(block)


def _any_band(block: np.ndarray, test, columns: np.ndarray) -> np.ndarray:
    """(lines, samples) True where ``test`` holds in any band of a (lines, samples, bands) block.

    Only the ``columns`` (samples,) bool are tested: elsewhere a whole-column check has ruled it out.
    """
    found = np.zeros(block.shape[:2], dtype=bool)
    if columns.any():
        found[:, columns] = test(block[:, columns]).any(axis=2)
    return found


def _pixel_rows(block: np.ndarray) -> np.ndarray:
    """(lines * samples, bands): a (lines, samples, bands) block's pixels as rows, in np.nonzero's order."""
    return block.reshape(-1, block.shape[-1])


def save(folder: Path, index: int, block: np.ndarray) -> str:
    """Keep a prepared block (as ``prepare`` returns it) in ``folder``; returns its path."""
    path = str(folder / f"block{index:06d}.npy")
    np.save(path, block)
    return path


def load(source: Source, how: Preparation, excluded: np.ndarray) -> np.ndarray:
    """The prepared block of ``source``: kept in memory, read from its scratch file, or prepared again."""
    if isinstance(source, Kept):
        return source.block
    if isinstance(source, str):  # mapped, not copied: the passes only read it, some only a few pixels
        return np.load(source, mmap_mode="r")
    return prepare(source, how, excluded)  # in radiance space, a view of the scene's block as it is


def accumulate(
    raw: np.ndarray,
    masks: MaskPlan,
    classes: ClusterModel | None,
    how: Preparation,
    keep: Path | str | None,
    index: int,
):
    """Pass 1 on one block: (([pooled] + per-class statistics, mask counts), excluded, kept source).

    ``keep``: ``IN_MEMORY``, a scratch folder, or None (the later passes prepare the block again).
    """
    labels = (
        None if classes is None else classes.assign(np.asarray(raw, dtype=np.float32)[..., how.gas_bands])
    )
    block, flags, excluded, pooled = first_prepared(raw, how, masks)
    if keep == IN_MEMORY and block.base is not None:
        block = np.array(block)  # a view of the reader's array would hold all its bands alive
    kept = Kept(block) if keep == IN_MEMORY else save(keep, index, block) if keep is not None else None
    usable = ~excluded
    stats = [pooled]
    if labels is not None:
        stats += [PendingStats.from_block(block, usable & (labels == k)) for k in range(classes.classes)]
    counts = {name: int(flags[name].sum()) if name in flags else 0 for name in MASK_NAMES}
    counts["usable_pixels"] = int(usable.sum())
    return (stats, counts), excluded, kept


def apply(source: Source, excluded: np.ndarray, parts, how: Preparation) -> np.ndarray:
    """(lines, columns, gases, 3) float32: enhancement, 1-sigma and albedo of each filter.

    ``parts``: [(a slice of the block's columns, the filters of those columns)]; the parts' columns
    come out side by side, in that order.
    """
    block = load(source, how, excluded)
    pieces = []
    for columns, filters in parts:
        piece = block[:, columns]
        values = np.empty((*piece.shape[:2], len(filters), 3), dtype=np.float32)
        for i, f in enumerate(filters):
            out = f.apply(piece)
            values[:, :, i, 0] = out.enhancement_ppmm
            values[:, :, i, 1] = out.uncertainty_ppmm
            values[:, :, i, 2] = out.albedo
        pieces.append(values)
    return pieces[0] if len(pieces) == 1 else np.concatenate(pieces, axis=1)


def pixels(source: Source, excluded: np.ndarray, chosen: np.ndarray, how: Preparation):
    """(samples (n,), spectra (n, bands) float32) of a block's ``chosen`` pixels, in np.nonzero order."""
    block = load(source, how, excluded)
    flat = np.flatnonzero(chosen)  # np.nonzero's order; a flat search and take are 2-8x faster
    return flat % chosen.shape[1], np.take(_pixel_rows(block), flat, axis=0)


def flagged_pixels(
    source: Source, excluded: np.ndarray, flagged: np.ndarray, columns, models, how: Preparation
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(samples (n,), spectra (n, bands) float32 [, without the gas]) of a block's flagged, unmasked pixels.

    ``columns`` (gases, lines, samples): the gas columns to take out of those pixels (log radiance
    minus ln R(a) of each gas), or None to leave them out of the background altogether.
    """
    chosen = flagged & ~excluded  # no-data pixels are excluded: all finite
    samples, spectra = pixels(source, excluded, chosen, how)
    if columns is None:
        return samples, spectra, None
    cleaned = spectra.copy()
    for model, column in zip(models, columns, strict=True):
        grid, table = model.exact_grid_ppmm, model.exact_log_ratio.astype(np.float32)  # as the spectra
        amount = column[chosen]  # in np.nonzero's order, as the spectra
        node = np.clip(np.searchsorted(grid, amount, side="right") - 1, 0, len(grid) - 2)
        weight = np.clip((amount - grid[node]) / (grid[node + 1] - grid[node]), 0.0, 1.0)[:, None]
        weight = weight.astype(np.float32)
        # ln R(a) between the table's nodes, (1 - w) T[j] + w T[j + 1], in the two gathered rows
        below, above = np.take(table, node, axis=0), np.take(table, node + 1, axis=0)
        below *= 1.0 - weight
        above *= weight
        below += above
        bands = as_slice(model.local_index)  # one run of bands: a view, not a gather and a scatter
        cleaned[:, bands] -= below
    return samples, spectra, cleaned
