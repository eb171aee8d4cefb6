"""False-alarm tests for candidate plumes: surface brightness and known surface materials.

A matched filter can mistake a surface for a gas: a bright roof, a dark pond or a
material whose spectrum resembles the gas's absorption. Real plumes do not follow the
ground's brightness, and a candidate that sits on such a surface and follows it is rejected.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

# |Pearson r| between enhancement and albedo over a candidate and its surroundings above which the
# enhancement is explained by the surface.
ALBEDO_MAX_CORRELATION = 0.6
# Mean per-pixel spectral match (0-1) to a known confusing surface material above which a candidate
# is taken for that surface.
SURFACE_MATCH_MAX = 0.8
RING_PX = 3
MIN_PIXELS_FOR_CORRELATION = 12


def albedo_correlation(
    enhancement_ppmm: np.ndarray, albedo: np.ndarray, mask: np.ndarray, valid: np.ndarray
) -> float:
    """Pearson r between enhancement and albedo over a mask and a ring around it (0 when undefined)."""
    region = ndimage.binary_dilation(mask, iterations=RING_PX) & valid & np.isfinite(albedo)
    region &= np.isfinite(enhancement_ppmm)
    if region.sum() < MIN_PIXELS_FOR_CORRELATION:
        return 0.0
    e = enhancement_ppmm[region].astype(np.float64)
    a = albedo[region].astype(np.float64)
    if e.std() == 0 or a.std() == 0:
        return 0.0
    return float(np.corrcoef(e, a)[0, 1])


def rejection_reason(
    enhancement_ppmm: np.ndarray,
    mask: np.ndarray,
    valid: np.ndarray,
    *,
    albedo: np.ndarray | None = None,
    surface_match: np.ndarray | None = None,
) -> tuple[str, float]:
    """Why a candidate plume is a false alarm ('' when it is not), and its |albedo correlation|."""
    r = 0.0
    if albedo is not None:
        r = abs(albedo_correlation(enhancement_ppmm, albedo, mask, valid))
        if r >= ALBEDO_MAX_CORRELATION:
            return f"enhancement follows surface albedo (|r| = {r:.2f})", r
    if surface_match is not None:
        match = float(np.nanmean(surface_match[mask]))
        if match >= SURFACE_MATCH_MAX:
            return f"spectrum matches a known surface material ({match:.2f})", r
    return "", r
