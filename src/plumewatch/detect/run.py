"""Detect gases in a Scene: two streaming passes over line chunks.

Pass 1 accumulates per-column background sums (and masks) chunk by chunk;
pass 2 applies the fitted filters chunk by chunk. Both passes are dask tasks,
so the same code runs on the local threads or on a dask.distributed cluster
(whichever scheduler is active when it is called) and memory stays flat.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import dask
import numpy as np

from plumewatch.detect.background import ColumnStats
from plumewatch.detect.cmf import ColumnFilter, fit_column_filter
from plumewatch.detect.masks import bright_outlier_mask, nodata_mask
from plumewatch.detect.retrieval import Retrieval
from plumewatch.detect.windows import default_window_nm
from plumewatch.errors import InputFileError, SensorCoverageError
from plumewatch.scene import Scene
from plumewatch.spectra import unit_absorption

log = logging.getLogger(__name__)

METHODS = ("cmf",)
MIN_BANDS = 3


@dataclass(frozen=True)
class GasBands:
    """The bands a gas is retrieved from and its unit absorption there."""

    gas: str
    band_index: np.ndarray
    unit_absorption_per_ppmm: np.ndarray
    window_nm: tuple[float, float]


def detect_scene(
    scene: Scene,
    gases: list[str],
    *,
    method: str = "cmf",
    window_nm: tuple[float, float] | None = None,
    group_size: int | None = None,
) -> dict[str, Retrieval]:
    """Per-gas Retrievals (enhancement and 1-sigma uncertainty, ppm·m) for a scene."""
    if method not in METHODS:
        raise InputFileError(scene.path, f"unknown detection method {method!r}; choose from {', '.join(METHODS)}")
    started = time.perf_counter()
    selections = [select_bands(scene, gas, window_nm) for gas in dict.fromkeys(g.lower() for g in gases)]
    lines, samples, _ = scene.shape
    if group_size is None:
        widest = max(len(s.band_index) for s in selections)
        group_size = max(1, math.ceil(3 * widest / max(lines, 1)))
    used = np.unique(np.concatenate([s.band_index for s in selections]))
    local = [np.searchsorted(used, s.band_index) for s in selections]

    blocks = list(scene.radiance[:, :, used].to_delayed().ravel())
    partials = dask.compute(*[dask.delayed(_accumulate)(b, local, samples, group_size) for b in blocks])
    stats = list(partials[0][0])
    for part in partials[1:]:
        stats = [a.merge(b) for a, b in zip(stats, part[0], strict=True)]
    mask_counts = {k: int(sum(p[1][k] for p in partials)) for k in partials[0][1]}

    amf = scene.air_mass_factor()
    filters = [fit_column_filter(st, sel.unit_absorption_per_ppmm, amf) for st, sel in zip(stats, selections, strict=True)]
    outputs = dask.compute(*[dask.delayed(_apply)(b, local, filters) for b in blocks])
    enhancement = np.concatenate([o[0] for o in outputs], axis=0)
    masked = np.concatenate([o[1] for o in outputs], axis=0)
    elapsed_s = time.perf_counter() - started

    results = {}
    for i, (sel, filt) in enumerate(zip(selections, filters, strict=True)):
        valid = ~masked & filt.usable_columns[None, :]
        enh = np.where(valid, enhancement[..., i], np.nan).astype(np.float32)
        sigma = np.where(valid, filt.sigma_ppmm[None, :], np.nan).astype(np.float32)
        results[sel.gas] = Retrieval(
            scene_name=scene.name,
            gas=sel.gas,
            method=method,
            enhancement_ppmm=enh,
            uncertainty_ppmm=sigma,
            valid=valid,
            info={
                "method": method,
                "window_nm": list(sel.window_nm),
                "bands_used_nm": [round(float(w), 3) for w in scene.wavelength_nm[sel.band_index]],
                "air_mass_factor": amf,
                "column_group_size": group_size,
                "unusable_columns": int((~filt.usable_columns).sum()),
                "masks": mask_counts,
                "covariance_shrinkage_median": float(np.nanmedian(filt.shrinkage)),
                "elapsed_s": elapsed_s,
                "summary_ppmm": _summary(enh),
            },
        )
    log.info("%s: detected %s in %.1f s", scene.name, ", ".join(gases), elapsed_s)
    return results


def select_bands(scene: Scene, gas: str, window_nm: tuple[float, float] | None = None) -> GasBands:
    """Bands of ``scene`` inside the gas's window that are good and where the gas absorbs."""
    wavelength_nm = np.asarray(scene.wavelength_nm, dtype=float)
    if not np.isfinite(wavelength_nm).any():
        raise InputFileError(scene.path, "no wavelength list in the header; detection needs band centres")
    fwhm_nm = np.asarray(scene.fwhm_nm, dtype=float)
    if not np.isfinite(fwhm_nm).all():
        fwhm_nm = _fwhm_from_spacing(wavelength_nm)
    regime = "lwir" if np.nanmedian(wavelength_nm) > 5000 else "swir"
    window = window_nm or default_window_nm(gas, regime)
    k = unit_absorption(gas, wavelength_nm, fwhm_nm)
    inside = (wavelength_nm >= window[0]) & (wavelength_nm <= window[1]) & scene.band_mask & np.isfinite(k)
    absorbs = inside & (k > 1e-3 * np.nanmax(np.where(inside, k, 0.0), initial=0.0))
    if absorbs.sum() < MIN_BANDS:
        raise SensorCoverageError(
            f"{scene.path}: the sensor's bands in {window[0]:.0f}-{window[1]:.0f} nm do not cover {gas} "
            f"({int(absorbs.sum())} absorbing bands, need {MIN_BANDS})"
        )
    band_index = np.flatnonzero(inside)
    return GasBands(gas.lower(), band_index, k[band_index], (float(window[0]), float(window[1])))


def _fwhm_from_spacing(wavelength_nm: np.ndarray) -> np.ndarray:
    """FWHM estimated as the band spacing, for headers that give none."""
    spacing = np.abs(np.gradient(wavelength_nm))
    return np.where(np.isfinite(spacing), spacing, np.nanmedian(spacing))


def _accumulate(block, band_sets, samples, group_size):
    block = np.asarray(block, dtype=np.float32)
    nodata = nodata_mask(block)
    bright = bright_outlier_mask(block, nodata)
    usable = ~(nodata | bright)
    stats = []
    for bands in band_sets:
        st = ColumnStats.empty(samples, len(bands), group_size)
        st.add(block[..., bands], usable)
        stats.append(st)
    return stats, {"nodata_pixels": int(nodata.sum()), "bright_outlier_pixels": int(bright.sum())}


def _apply(block, band_sets, filters: list[ColumnFilter]):
    block = np.asarray(block, dtype=np.float32)
    nodata = nodata_mask(block)
    masked = nodata | bright_outlier_mask(block, nodata)
    clean = np.where(masked[..., None], 0.0, block)
    out = np.stack([f.apply(clean[..., bands]) for f, bands in zip(filters, band_sets, strict=True)], axis=-1)
    return out.astype(np.float32), masked


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
