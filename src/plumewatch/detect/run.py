"""Detect gases in a Scene: streaming passes over line chunks.

Pass 1 accumulates per-column background statistics (and mask counts) chunk by
chunk; pass 2 applies the fitted filters chunk by chunk. Robust methods then
flag the plume pixels (:mod:`plumewatch.detect.robust`), gather those pixels'
statistics in one more pass, take the plume out of the background (for the
log-radiance default: their spectra with the estimated gas divided out replace
them; otherwise they are left out), refit and apply again, twice. All passes are
dask tasks, so the same code runs on local threads or on a dask.distributed
cluster (whichever scheduler is active when it is called), partial statistics
are merged in a tree, and memory stays flat however long the flight line.
"""

from __future__ import annotations

import logging
import math
import time
import warnings

import dask
import numpy as np

from plumewatch.detect import plan as planning
from plumewatch.detect.ace import AceFilter
from plumewatch.detect.background import Background, ColumnStats, merge_all, pixel_stats, remove_pixels
from plumewatch.detect.cluster import ClusterFilter, ClusterModel
from plumewatch.detect.cmf import LinearFilter
from plumewatch.detect.exact import ExactFilter, log_radiance
from plumewatch.detect.masks import MASK_NAMES, MaskPlan, compute_masks
from plumewatch.detect.retrieval import Retrieval
from plumewatch.detect.robust import plume_flags
from plumewatch.detect.sparse import SparseFilter
from plumewatch.errors import InputFileError
from plumewatch.scene import Scene

log = logging.getLogger(__name__)

METHODS = ("exact", "cmf", "sparse", "ace", "cluster")
DEFAULT_METHOD = "exact"
CHUNK_BYTES = 96 * 2**20  # float32 bytes of gas bands per block: large enough for efficient GEMMs
PIXELS_PER_BAND = 3  # a column group pools columns until it has this many pixels per band
CLUSTER_SAMPLE_LINES = 2000
# Refits without the plume pixels the previous fit found (exact: with the spectral-shape test).
ROBUST_ITERATIONS = {"exact": 2, "sparse": 1}


def detect_scene(
    scene: Scene,
    gases: list[str],
    *,
    method: str | None = None,
    window_nm: tuple[float, float] | None = None,
    group_size: int | None = None,
    shrinkage: str = "loo",
    chunk_bytes: int = CHUNK_BYTES,
) -> dict[str, Retrieval]:
    """Per-gas Retrievals (enhancement and 1-sigma uncertainty, ppm·m, plus albedo) for a scene.

    ``gases`` may be ``["auto"]``: every library gas the scene's bands cover.
    """
    method = method or DEFAULT_METHOD
    if method not in METHODS:
        raise InputFileError(
            scene.path, f"unknown detection method {method!r}; choose from {', '.join(METHODS)}"
        )
    started = time.perf_counter()
    names = [g.lower() for g in gases]
    names = planning.covered_gases(scene) if names == ["auto"] else list(dict.fromkeys(names))
    selections = {gas: planning.select_bands(scene, gas, window_nm) for gas in names}
    union = np.unique(np.concatenate([s[0] for s in selections.values()]))
    extra = planning.extra_mask_bands(scene, union)
    block_bands = len(union) + len(extra)
    log_space = method == "exact" and planning.scene_regime(scene) == "swir"
    models = [
        planning.gas_model(scene, gas, idx, k, win, np.searchsorted(union, idx), exact=log_space)
        for gas, (idx, k, win) in selections.items()
    ]
    masks = planning.mask_plan(scene, union, extra)
    lines, samples, _ = scene.shape
    if group_size is None:
        widest = max(len(m.band_index) for m in models)
        group_size = max(1, math.ceil(PIXELS_PER_BAND * widest / max(lines, 1)))
    group_of_column = np.arange(samples) // group_size

    lines_per_block = max(1, min(lines, chunk_bytes // max(samples * block_bands * 4, 1)))
    cube = scene.radiance[:, :, np.concatenate([union, extra])].rechunk((lines_per_block, -1, -1))
    blocks = list(cube.to_delayed().ravel())
    first_lines = np.cumsum((0,) + cube.chunks[0][:-1])

    classes = None
    if method == "cluster":
        step = max(1, lines // CLUSTER_SAMPLE_LINES)
        classes = ClusterModel.fit(np.asarray(cube[::step].compute(), dtype=np.float32))

    stats, counts = _first_pass(blocks, masks, classes, log_space)
    if counts["usable_pixels"] == 0:
        raise InputFileError(scene.path, "no usable pixel: every pixel is no-data or masked")
    pooled = stats[0].grouped(group_of_column)
    bad_columns = _bad_columns(scene, stats[0])

    mean_level = np.nanmean(np.where(pooled.count[:, None] > 0, pooled.mean, np.nan), axis=0)
    noise = planning.noise_terms(
        scene, np.concatenate([union, extra]), np.exp(mean_level) if log_space else mean_level
    )
    class_stats = [s.grouped(group_of_column) for s in stats[1:]]

    def fit(pooled_stats):
        return [
            _fit_filter(
                method,
                Background.fit(pooled_stats, m.local_index, shrinkage=shrinkage),
                m,
                block_bands,
                noise,
                classes,
                class_stats,
                shrinkage,
            )
            for m in models
        ]

    filters = fit(pooled)
    iterations = ROBUST_ITERATIONS.get(method, 0)
    values, masked = _second_pass(blocks, masks, filters, log_space, residual=iterations > 0)
    flagged = np.zeros((len(models), lines, samples), dtype=bool)  # per gas
    for iteration in range(iterations):
        # Plume pixels inflate the background covariance along the gas and shift its mean: refit
        # without their gas (streaming: gather their statistics, swap them in the first pass's).
        previous, flagged = flagged, _plume_pixels(values, masked, filters, flagged)
        if not flagged.any():
            break
        columns = _plume_columns(values, masked, filters, flagged, previous) if log_space else None
        replaced = flagged.any(axis=0)
        parts = [
            dask.delayed(_flagged_stats)(
                b,
                replaced[start : start + n],
                masks,
                log_space,
                None if columns is None else columns[:, start : start + n],
                models,
                block_bands,
            )
            for b, start, n in zip(blocks, first_lines, cube.chunks[0], strict=True)
        ]
        found = list(dask.compute(*parts))
        cleaned = remove_pixels(stats[0], merge_all([f[0] for f in found]))
        if columns is not None:
            cleaned = cleaned.merge(merge_all([f[1] for f in found]))
        filters = fit(cleaned.grouped(group_of_column))
        values, masked = _second_pass(blocks, masks, filters, log_space, residual=iteration + 1 < iterations)
    elapsed_s = time.perf_counter() - started

    results = {}
    for i, (model, filt) in enumerate(zip(models, filters, strict=True)):
        valid = ~masked & (filt.usable_columns & ~bad_columns)[None, :] & np.isfinite(values[:, :, i, 0])
        enhancement = remove_column_offset(np.where(valid, values[:, :, i, 0], np.nan), flagged[i])
        uncertainty = values[:, :, i, 1]
        if isinstance(filt, SparseFilter):
            enhancement = np.where(
                valid, filt.sparsify(np.nan_to_num(enhancement), values[:, :, i, 2]), np.nan
            )
        elif isinstance(filt, ExactFilter):
            enhancement, uncertainty = filt.finish(enhancement, uncertainty, ~flagged[i])
        enhancement = np.where(valid, enhancement, np.nan).astype(np.float32)
        results[model.gas] = Retrieval(
            scene_name=scene.name,
            gas=model.gas,
            method=method,
            enhancement_ppmm=enhancement,
            uncertainty_ppmm=np.where(valid, uncertainty, np.nan).astype(np.float32),
            valid=valid,
            albedo=np.where(valid, values[:, :, i, 2], np.nan).astype(np.float32),
            info={
                "method": method,
                "window_nm": list(model.window_nm),
                "bands_used_nm": [round(float(w), 3) for w in scene.wavelength_nm[model.band_index]],
                "absorbing_bands": int((model.unit_absorption_per_ppmm > 0).sum()),
                "target": _target_name(model, log_space),
                "air_mass_factor": model.air_mass_factor,
                "column_group_size": group_size,
                "shrinkage": shrinkage,
                "noise_model": noise is not None,
                "unusable_columns": int((~filt.usable_columns).sum()),
                "masks": {k: v for k, v in counts.items() if k != "usable_pixels"},
                "masked_pixels": int((~valid).sum()),
                "plume_pixels_removed_from_background": int(flagged[i].sum()),
                "elapsed_s": round(elapsed_s, 3),
                "summary_ppmm": _summary(enhancement),
            },
        )
    log.info("%s: detected %s with %s in %.1f s", scene.name, ", ".join(names), method, elapsed_s)
    return results


def remove_column_offset(enhancement_ppmm: np.ndarray, plume: np.ndarray | None = None) -> np.ndarray:
    """Subtract each column's median enhancement (NaN-aware), over the pixels not marked ``plume``.

    Plume pixels pull the column mean towards the gas, which shifts every pixel of that
    column by minus the column's mean enhancement; the median of the column's estimates
    measures that shift without being moved by the plume itself, as long as the plume
    covers well under half the column. Pixels already known as plume are left out of it:
    a plume blown along the flight line can fill much of a column.
    """
    background = enhancement_ppmm if plume is None else np.where(plume, np.nan, enhancement_ppmm)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns stay NaN
        offset = np.nanmedian(background, axis=0)
    return enhancement_ppmm - np.nan_to_num(offset)[None, :]


def _fit_filter(method, background, model, block_bands, noise, classes, class_stats, shrinkage):
    slope = None if noise is None else noise[1]
    if method == "exact" and model.regime == "swir":
        return ExactFilter.fit(background, model, block_bands, noise)
    if method in ("cmf", "exact"):
        return LinearFilter.fit(background, model, block_bands, slope)
    if method == "sparse":
        return SparseFilter.fit(background, model, block_bands, slope)
    if method == "ace":
        return AceFilter.fit(background, model, block_bands, slope)
    return ClusterFilter.fit(
        classes, class_stats, background, model, block_bands, shrinkage=shrinkage, noise_slope=slope
    )


def _target_name(model, log_space: bool) -> str:
    if model.regime == "lwir":
        return "thermal contrast"
    if log_space:
        return "reflected sunlight, log radiance, forward-model band radiance ratio"
    return "reflected sunlight, forward-model radiance-weighted absorption"


def _first_pass(blocks, masks: MaskPlan, classes: ClusterModel | None, log_space: bool):
    """Merged statistics ([pooled] + one per class) and mask counts, reduced as a tree of dask tasks."""
    parts = [dask.delayed(_accumulate)(b, masks, classes, log_space) for b in blocks]
    while len(parts) > 1:
        parts = [
            dask.delayed(_merge)(parts[i], parts[i + 1]) if i + 1 < len(parts) else parts[i]
            for i in range(0, len(parts), 2)
        ]
    return dask.compute(parts[0])[0]


def _merge(a, b):
    stats = [x.merge(y) for x, y in zip(a[0], b[0], strict=True)]
    return stats, {k: a[1][k] + b[1][k] for k in a[1]}


def _prepared(block, masks: MaskPlan, log_space: bool):
    """(block the filters read, float32; {mask name: (lines, samples) bool}; union of the masks)."""
    block = np.array(block, dtype=np.float32)
    flags = compute_masks(block, masks)
    if log_space:
        block, flags["nonpositive"] = log_radiance(block)
    excluded = np.zeros(block.shape[:2], dtype=bool)
    for flag in flags.values():
        excluded |= flag
    return block, flags, excluded


def _accumulate(block, masks: MaskPlan, classes: ClusterModel | None, log_space: bool):
    labels = classes.assign(np.array(block, dtype=np.float32)) if classes is not None else None
    block, flags, excluded = _prepared(block, masks, log_space)
    block[excluded] = 0.0
    column_sum = block.sum(axis=0, dtype=np.float64)
    nodata = np.zeros_like(excluded)
    if not np.isfinite(column_sum).all():
        nodata = ~np.isfinite(block).all(axis=2)
        block[nodata] = 0.0
        column_sum = block.sum(axis=0, dtype=np.float64)
    usable = ~(excluded | nodata)
    if labels is None:
        stats = [ColumnStats.from_block(block, usable, column_sum)]
    else:
        stats = [ColumnStats.from_block(block.copy(), usable, column_sum)]
        stats += [
            ColumnStats.from_block(block.copy(), usable & (labels == k)) for k in range(classes.classes)
        ]
    counts = {
        "nodata": int(nodata.sum()),
        **{k: int(v.sum()) for k, v in flags.items()},
        "usable_pixels": int(usable.sum()),
    }
    return stats, {name: counts.get(name, 0) for name in (*MASK_NAMES, "usable_pixels")}


def _second_pass(blocks, masks: MaskPlan, filters, log_space: bool, *, residual: bool):
    """(values (lines, samples, gases, 5), masked pixels); see ``_apply`` for the 5 fields."""
    outputs = dask.compute(*[dask.delayed(_apply)(b, masks, filters, log_space, residual) for b in blocks])
    return np.concatenate([o[0] for o in outputs], axis=0), np.concatenate([o[1] for o in outputs], axis=0)


def _apply(block, masks: MaskPlan, filters, log_space: bool, residual: bool):
    """Per gas: enhancement, sigma, albedo, excess residual, gas-explained (NaN when not computed)."""
    block, _, excluded = _prepared(block, masks, log_space)
    outs = [
        f.apply(block, residual=residual) if isinstance(f, ExactFilter) else f.apply(block) for f in filters
    ]
    nan = np.full(block.shape[:2], np.nan, dtype=np.float32)
    fields = [
        [o.enhancement_ppmm, o.uncertainty_ppmm, o.albedo]
        + [nan if x is None else x for x in (o.excess_residual, o.gas_explained)]
        for o in outs
    ]
    values = np.stack([np.stack(f, axis=-1) for f in fields], axis=2)
    return values.astype(np.float32), excluded


def _plume_pixels(values: np.ndarray, masked: np.ndarray, filters, previous: np.ndarray) -> np.ndarray:
    """(gases, lines, samples) bool: the pixels each gas flags as plume (see plumewatch.detect.robust).

    ``previous`` (gases, lines, samples): the pixels whose gas the current background was fitted without.
    """
    flagged = np.zeros(previous.shape, dtype=bool)
    for i, filt in enumerate(filters):
        enhancement = remove_column_offset(np.where(masked, np.nan, values[:, :, i, 0]), previous[i])
        with np.errstate(invalid="ignore", divide="ignore"):
            significance = enhancement / values[:, :, i, 1]
        residual = np.isfinite(values[:, :, i, 3]).any()
        shape = (values[:, :, i, 3], values[:, :, i, 4]) if residual else (None, None)
        flagged[i] = plume_flags(significance, *shape, getattr(filt, "live_bands", None)) & ~masked
    return flagged


def _plume_columns(values, masked, filters, flagged: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """(gases, lines, samples) current column estimates (ppm·m, >= 0) where each gas is flagged, else 0.

    ``previous``: per gas, the pixels whose gas the current background was fitted without.
    """
    columns = []
    for i, filt in enumerate(filters):
        enhancement = remove_column_offset(np.where(masked, np.nan, values[:, :, i, 0]), previous[i])
        column, _ = filt.finish(np.nan_to_num(enhancement), values[:, :, i, 1], ~previous[i])
        columns.append(np.where(flagged[i], np.maximum(np.nan_to_num(column), 0.0), 0.0))
    return np.stack(columns)


def _flagged_stats(block, flagged, masks: MaskPlan, log_space: bool, columns, models, block_bands: int):
    """Per-column statistics of the flagged, unmasked pixels of one block: as they are [, without the gas].

    ``columns`` (gases, lines, samples): the gas columns to take out of those pixels (log radiance
    minus ln R(a) of each gas), or None to leave them out of the background altogether.
    """
    block, _, excluded = _prepared(block, masks, log_space)
    lines, samples = np.nonzero(flagged & ~excluded & np.isfinite(block).all(axis=2))
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


def _bad_columns(scene: Scene, stats: ColumnStats) -> np.ndarray:
    """(samples,) True for columns with no usable pixel or no variation: logged and masked."""
    empty = stats.count == 0
    variance = np.diagonal(stats.scatter, axis1=1, axis2=2).sum(axis=1)
    constant = ~empty & (variance <= 1e-12 * max(float(np.median(variance)), 1e-300))
    for label, bad in (("no usable pixel (all NaN or masked)", empty), ("constant radiance", constant)):
        if bad.any():
            log.warning(
                "%s: %d column(s) with %s are masked: %s",
                scene.path,
                int(bad.sum()),
                label,
                _ranges(np.flatnonzero(bad)),
            )
    return empty | constant


def _ranges(columns: np.ndarray) -> str:
    runs = np.split(columns, np.flatnonzero(np.diff(columns) != 1) + 1)
    return ", ".join(f"{r[0]}" if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs[:10])


def _summary(enhancement_ppmm: np.ndarray) -> dict[str, float]:
    finite = enhancement_ppmm[np.isfinite(enhancement_ppmm)]
    if finite.size == 0:
        return {"valid_pixels": 0}
    return {
        "valid_pixels": int(finite.size),
        "median": float(np.median(finite)),
        "std": float(np.std(finite)),
        "p99": float(np.percentile(finite, 99)),
        "max": float(finite.max()),
    }
