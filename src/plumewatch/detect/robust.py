"""Which pixels to take out of the background as plume, told from gas-like clutter by shape and extent.

A plume inside the pixels that estimate a column's background covariance
teaches the filter to ignore the plume: with 300 lines and 75 bands the
plain per-column filter under-estimates plumes by 25-35 %. Taking out every
significant pixel is no cure either: a rare surface that happens to resemble
the gas (a road, a roof, a mineral) then drops out of the covariance and comes
back as a strong false plume. A pixel is flagged only when the gas explains
its spectrum and it belongs to a plume-like body:

- gas-like: its residual (Mahalanobis distance left after fitting the gas, minus its
  expectation) is within ``RESIDUAL_SIGMA`` sigma of the noise, or at most ``GAS_SHARE`` of
  what the gas model explains (strong, saturating plumes);
- core: gas-like with z > ``STRONG_SIGMA``, or one of at least ``MIN_CORE_PIXELS`` connected
  gas-like pixels with z > ``FLAG_SIGMA`` (a lone moderate pixel is as likely clutter);
- body: the cores' 8 neighbours and ``SMOOTH_PIXELS`` squares whose mean z is significant
  (``SMOOTH_SIGMA``, 3 sigma of that mean for independent noise) while their mean residual
  stays within 3 sigma of the noise expectation, kept where connected to a core.

Without residuals (filters that do not compute them) only z > ``FLAG_SIGMA`` counts.
The caller then removes the flagged pixels' gas from the background statistics (log-radiance
filters, see :mod:`plumewatch.detect.run`) or leaves the pixels out (radiance-space filters).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from plumewatch.detect.masks import grow, pixels_of

FLAG_SIGMA = 3.0
STRONG_SIGMA = 5.0
MIN_CORE_PIXELS = 6
SMOOTH_PIXELS = 5
SMOOTH_SIGMA = 3.0 / SMOOTH_PIXELS
NEIGHBOURS = np.ones((3, 3), dtype=bool)
RESIDUAL_SIGMA = 2.0
GAS_SHARE = 0.25


def smoothed(significance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(z with NaN as 0, its mean over ``SMOOTH_PIXELS`` squares): what both tests below read of z."""
    z = np.nan_to_num(significance, nan=0.0)
    return z, box_mean(z, SMOOTH_PIXELS)


def box_mean(values: np.ndarray, size: int) -> np.ndarray:
    """Mean over ``size`` x ``size`` squares (odd ``size``) of a (lines, samples) map, edges extended.

    ``ndimage.uniform_filter(values, size, mode="nearest")`` to rounding (that adds in float64,
    this in the map's dtype), from sums of shifted copies of the padded map: first across the
    samples, then down the lines. 2.5x faster on flight-line maps.
    """
    half = size // 2
    lines, samples = values.shape
    padded = np.pad(np.asarray(values, dtype=np.result_type(values, np.float32)), half, mode="edge")
    across = padded[:, :samples].copy()
    for step in range(1, size):
        across += padded[:, step : step + samples]
    total = across[:lines].copy()
    for step in range(1, size):
        total += across[step : step + lines]
    total *= total.dtype.type(1.0 / size**2)
    return total


def _residual_noise(live_bands: np.ndarray) -> np.ndarray:
    """(samples,) 1-sigma of a background pixel's excess residual: sqrt(2 p), p live bands."""
    return np.sqrt(2.0 * np.asarray(live_bands, dtype=float))


def core_test_pixels(z: np.ndarray) -> np.ndarray:
    """(lines, samples) bool: the pixels whose residuals ``plume_cores`` reads (z > ``FLAG_SIGMA``)."""
    return z > FLAG_SIGMA


def plume_cores(
    z: np.ndarray, excess_residual: np.ndarray, gas_explained: np.ndarray, live_bands: np.ndarray
) -> np.ndarray:
    """(lines, samples) bool: the plume cores, gas-like pixels strong alone or in a group.

    ``z``: significance with NaN as 0; the residual terms are read only where ``core_test_pixels``.
    """
    lines, samples = pixels_of(core_test_pixels(z))
    noise = _residual_noise(live_bands)[samples]
    excess = np.nan_to_num(excess_residual[lines, samples], nan=0.0)
    explained = np.nan_to_num(gas_explained[lines, samples], nan=0.0)
    gas_like = (excess <= RESIDUAL_SIGMA * noise) | (excess <= GAS_SHARE * explained)
    candidate = np.zeros(z.shape, dtype=bool)
    candidate[lines[gas_like], samples[gas_like]] = True
    # a core is very significant on its own, or one of a group of significant pixels
    groups, _ = ndimage.label(candidate, NEIGHBOURS)
    in_group = groups[candidate]  # the candidates alone: a few pixels of the map
    sizes = np.bincount(in_group)
    core = np.zeros_like(candidate)
    core[candidate] = (z[candidate] > STRONG_SIGMA) | (sizes[in_group] >= MIN_CORE_PIXELS)
    return core


def body_test_pixels(core: np.ndarray, mean_z: np.ndarray) -> np.ndarray:
    """(lines, samples) bool: the pixels whose residuals the body test of ``plume_flags`` reads.

    The body's weak pixels all lie where the cores' 8 neighbours or a significant mean z
    (``mean_z`` > ``SMOOTH_SIGMA``) are, and only the connected parts of that area that hold a
    core can be kept: their significant squares' mean residuals, read from the pixels around them,
    decide the flags. Elsewhere ``plume_flags`` gives the same flags whatever the residual, so the
    filters compute the whitened residual (a GEMM per pixel) for these pixels and the cores' alone.
    """
    significant = mean_z > SMOOTH_SIGMA
    return grow(_areas_holding(grow(core, 1) | significant, core) & significant, SMOOTH_PIXELS // 2)


def _areas_holding(area: np.ndarray, core: np.ndarray) -> np.ndarray:
    """(lines, samples) bool: the connected parts (8 neighbours) of ``area`` that hold a ``core`` pixel."""
    labels, count = ndimage.label(area, NEIGHBOURS)
    holds = np.zeros(count + 1, dtype=bool)
    holds[labels[core & area]] = True
    holds[0] = False
    return holds[labels]


def plume_flags(
    significance: np.ndarray,
    excess_residual: np.ndarray | None = None,
    gas_explained: np.ndarray | None = None,
    live_bands: np.ndarray | None = None,
    *,
    z_and_mean: tuple | None = None,
    core: np.ndarray | None = None,
) -> np.ndarray:
    """(lines, samples) bool: pixels to leave out of the background as plume.

    ``significance`` is z = enhancement / sigma with the column offset removed (NaN where masked);
    ``excess_residual`` and ``gas_explained`` as in ``FilterOutput`` (needed only where
    ``core_test_pixels`` or ``body_test_pixels`` is True; any value elsewhere is fine);
    ``live_bands`` (samples,) p; ``z_and_mean``: ``smoothed(significance)`` and ``core``:
    ``plume_cores``, where the caller has them already.
    """
    if excess_residual is None or gas_explained is None or live_bands is None:
        return np.nan_to_num(significance, nan=0.0) > FLAG_SIGMA
    z, mean_z = z_and_mean or smoothed(significance)
    if core is None:
        core = plume_cores(z, excess_residual, gas_explained, live_bands)
    excess = np.nan_to_num(excess_residual, nan=0.0)
    noise = _residual_noise(live_bands)[None, :]
    mean_excess = box_mean(excess, SMOOTH_PIXELS)
    allowed = 3.0 * noise / SMOOTH_PIXELS
    weak = grow(core, 1) | ((mean_z > SMOOTH_SIGMA) & (mean_excess < allowed))
    # a plume is one connected body around its strong pixels: weak areas with no core are clutter
    return _areas_holding(weak, core)
