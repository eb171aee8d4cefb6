"""Pixel masks applied before detection: no data, and saturated or burning pixels."""

from __future__ import annotations

import numpy as np

# A gas flare or a saturated detector element is many times brighter in the
# SWIR window than anything that only reflects sunlight; a factor of 6 over the
# chunk's median brightness passes bright roofs and cloud tops (2-5x) but not flares.
BRIGHT_OUTLIER_FACTOR = 6.0


def nodata_mask(block: np.ndarray) -> np.ndarray:
    """(lines, samples) True where any band of the pixel is NaN (no data)."""
    return np.isnan(block).any(axis=2)


def bright_outlier_mask(block: np.ndarray, nodata: np.ndarray) -> np.ndarray:
    """(lines, samples) True where the pixel's mean radiance exceeds 6x the block's median."""
    brightness = np.nanmean(np.where(nodata[..., None], np.nan, block), axis=2) if nodata.any() else block.mean(axis=2)
    valid = ~nodata
    if not valid.any():
        return np.zeros(nodata.shape, dtype=bool)
    median = np.median(brightness[valid])
    return valid & (brightness > BRIGHT_OUTLIER_FACTOR * max(median, 0.0))
