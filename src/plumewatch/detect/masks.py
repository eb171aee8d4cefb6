"""Pixel masks applied before detection, computed per block on a handful of bands.

Reflected-sunlight scenes are screened by apparent reflectance
rho = pi L / (E_sun cos(sza)), with E_sun from a 5778 K blackbody sun at 1 AU
(good to ~10% in the SWIR, plenty for thresholds that differ by factors):

- ``saturated``: any checked band at or above the sensor's saturation radiance
  when the scene states one, else rho > 1.5, which no reflecting surface reaches;
- ``hot``: thermal emission (gas flares, fires), whose radiance rises steeply
  towards the long end of the SWIR while reflected light does not
  (rho_long > 0.3 and rho_long / rho_short > 1.6);
- ``cloud``: bright in the blue and the SWIR alike (rho_blue > 0.35 and rho_swir > 0.25), grown by
  ``CLOUD_EDGE_PIXELS``: a cloud's soft edge mixes cloud and ground in proportions the background
  never sees, which a matched filter reads as gas (within a block of lines; blocks are long),
  only when the scene has a blue band;
- ``dark``: water and deep shadow (rho_swir < 0.01), where the gas signal drowns in noise;
  rho_swir is read in clear windows near 1650 and 2200 nm, so every gas window masks alike;
- ``bright_outlier``: brightness over 6x the block median (any regime);
- ``nodata``: NaN in any band (found while accumulating; see :mod:`plumewatch.detect.run`);
- ``nonpositive``: radiance at or below zero in a gas band, which has no logarithm (log-radiance
  filters only; see :mod:`plumewatch.detect.exact`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MASK_NAMES = ("nodata", "saturated", "hot", "cloud", "dark", "bright_outlier", "nonpositive")

# A gas flare or a saturated detector element is many times brighter than
# anything that only reflects sunlight; 6x the median passes bright roofs and cloud tops (2-5x).
BRIGHT_OUTLIER_FACTOR = 6.0
SATURATED_REFLECTANCE = 1.5
HOT_REFLECTANCE, HOT_RATIO = 0.3, 1.6
CLOUD_BLUE_REFLECTANCE, CLOUD_SWIR_REFLECTANCE = 0.35, 0.25
DARK_REFLECTANCE = 0.01
CLOUD_EDGE_PIXELS = 2

SUN_TEMPERATURE_K = 5778.0
SUN_SOLID_ANGLE_FACTOR = (6.957e8 / 1.495978707e11) ** 2  # (R_sun / 1 AU)^2
# Radiance units -> uW nm-1 cm-2 sr-1.
UNIT_FACTORS = {
    "uw nm-1 cm-2 sr-1": 1.0,
    "uw/nm/cm2/sr": 1.0,
    "uw cm-2 sr-1 nm-1": 1.0,
    "w m-2 sr-1 um-1": 0.1,
    "w/m2/sr/um": 0.1,
    "w m-2 sr-1 nm-1": 100.0,
}


@dataclass(frozen=True)
class MaskPlan:
    """Which bands of the block the masks read, and how to turn their radiance into reflectance."""

    check_index: np.ndarray  # bands for brightness, saturation, darkness
    reflectance_factor: (
        np.ndarray | None
    )  # (len(check_index),) rho per radiance unit; None: no reflectance tests
    short_index: int | None = None
    long_index: int | None = None
    blue_index: int | None = None
    short_factor: float = 1.0
    long_factor: float = 1.0
    blue_factor: float = 1.0
    saturation_radiance: float | None = None
    window_index: np.ndarray | None = None  # bands in clear atmospheric windows for rho_swir (cloud, dark)
    window_factor: np.ndarray | None = None


def solar_irradiance(wavelength_nm: np.ndarray) -> np.ndarray:
    """Top-of-atmosphere solar irradiance (uW nm-1 cm-2) of a 5778 K blackbody sun at 1 AU."""
    h, c, k = 6.62607015e-34, 2.99792458e8, 1.380649e-23
    wl_m = np.asarray(wavelength_nm, dtype=float) * 1e-9
    radiance = 2 * h * c**2 / wl_m**5 / np.expm1(h * c / (wl_m * k * SUN_TEMPERATURE_K))  # W m-2 sr-1 m-1
    return np.pi * radiance * SUN_SOLID_ANGLE_FACTOR * 1e-9 * 100.0  # -> uW nm-1 cm-2


def reflectance_factor(
    wavelength_nm: np.ndarray, radiance_units: str, solar_zenith_deg: float | None
) -> np.ndarray | None:
    """pi / (E_sun cos(sza)) per band in the scene's radiance units, or None for unknown units."""
    unit = UNIT_FACTORS.get(" ".join(radiance_units.lower().replace("µ", "u").split()))
    if unit is None:
        return None
    cos_sza = max(np.cos(np.deg2rad(solar_zenith_deg or 0.0)), 0.05)
    return unit * np.pi / (solar_irradiance(wavelength_nm) * cos_sza)


def compute_masks(block: np.ndarray, plan: MaskPlan) -> dict[str, np.ndarray]:
    """(lines, samples) bool per mask name (except ``nodata``) for a (lines, samples, bands) block."""
    # one gather of the few bands the tests read: picking bands from a whole block is the slow part
    singles = [i for i in (plan.short_index, plan.long_index, plan.blue_index) if i is not None]
    windows = [] if plan.window_index is None else list(plan.window_index)
    used = np.unique(np.r_[plan.check_index, singles, windows].astype(int))
    # np.take: twice as fast as indexing the last axis with ``used`` on a (lines, samples, bands) block
    read = np.take(block, used, axis=2)

    def band(index):
        return read[..., np.searchsorted(used, index)]

    check = band(plan.check_index)
    brightness = check.mean(axis=2)
    finite = np.isfinite(brightness)
    shape = brightness.shape
    masks = {name: np.zeros(shape, dtype=bool) for name in MASK_NAMES[1:]}
    # sorted first: NumPy's vectorised sort beats the partition at two middle ranks (even counts) 5-10x
    median = np.median(np.sort(brightness[finite]), overwrite_input=True) if finite.any() else 0.0
    masks["bright_outlier"] = finite & (brightness > BRIGHT_OUTLIER_FACTOR * max(float(median), 0.0))
    if plan.saturation_radiance is not None:
        masks["saturated"] = (check >= plan.saturation_radiance).any(axis=2)
    if plan.reflectance_factor is None:
        return masks
    rho = check * plan.reflectance_factor.astype(np.float32)
    if plan.window_index is not None and plan.window_factor is not None:
        rho_mean = (band(plan.window_index) * plan.window_factor.astype(np.float32)).mean(axis=2)
    else:
        rho_mean = rho.mean(axis=2)
    if plan.saturation_radiance is None:
        masks["saturated"] = (rho > SATURATED_REFLECTANCE).any(axis=2)
    masks["dark"] = rho_mean < DARK_REFLECTANCE
    if plan.short_index is not None and plan.long_index is not None:
        rho_long = band(plan.long_index) * plan.long_factor
        rho_short = band(plan.short_index) * plan.short_factor
        with np.errstate(divide="ignore", invalid="ignore"):
            masks["hot"] = (rho_long > HOT_REFLECTANCE) & (rho_long > HOT_RATIO * np.maximum(rho_short, 1e-6))
    if plan.blue_index is not None:
        rho_blue = band(plan.blue_index) * plan.blue_factor
        cloud = (rho_blue > CLOUD_BLUE_REFLECTANCE) & (rho_mean > CLOUD_SWIR_REFLECTANCE)
        masks["cloud"] = grow(cloud, CLOUD_EDGE_PIXELS) if cloud.any() else cloud
    masks["saturated"] &= ~masks["hot"]
    return masks


def pixels_of(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.nonzero`` of a (lines, samples) mask, 2-8x faster: its True pixels. (lines, samples) indices."""
    return np.divmod(np.flatnonzero(mask), mask.shape[1])


def grow(mask: np.ndarray, pixels: int) -> np.ndarray:
    """(lines, samples) bool: ``mask`` grown by ``pixels`` in every direction, diagonals included.

    The binary dilation by a square of side 2 ``pixels`` + 1, which is a segment along the samples
    times one along the lines: the OR of the mask's shifted copies across, then of theirs down
    (a few passes over a byte per pixel, far faster than ``ndimage`` filters on flight-line maps).
    """
    lines, samples = mask.shape
    across = np.zeros((lines, samples + 2 * pixels), dtype=bool)
    for step in range(2 * pixels + 1):
        across[:, step : step + samples] |= mask
    grown_across = across[:, pixels : pixels + samples]
    down = np.zeros((lines + 2 * pixels, samples), dtype=bool)
    for step in range(2 * pixels + 1):
        down[step : step + lines] |= grown_across
    return down[pixels : pixels + lines]
