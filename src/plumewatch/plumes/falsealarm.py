"""False-alarm tests for candidate plumes: surface brightness, known surface materials, mask edges.

A matched filter can mistake a surface for a gas: a bright roof, a dark pond or a
material whose spectrum resembles the gas's absorption. Real plumes do not follow the
ground's brightness, and a candidate that sits on such a surface and follows it is rejected.
The rim of a large masked area (a cloud: its thin edge and its shadow escape the cloud mask)
is such a surface too: a candidate lying mostly along that rim is rejected.
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
# A masked area at least this large (pixels, after closing gaps of 2 pixels) and holding a solid block
# of CLOUD_CORE_PX x CLOUD_CORE_PX pixels is a cloud, not a masked surface patch or a bad detector
# column; a candidate with at least MASK_EDGE_MAX_FRACTION of its pixels within MASK_EDGE_PX of one
# lies along its rim.
LARGE_MASK_PX = 400
CLOUD_CORE_PX = 7
MASK_EDGE_PX = 3
MASK_EDGE_MAX_FRACTION = 0.5


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


def large_masked_areas(valid: np.ndarray) -> np.ndarray:
    """Pixels of the masked areas that are clouds: large and solid (see LARGE_MASK_PX), gaps closed."""
    closed = ndimage.binary_closing(~valid, iterations=2) | ~valid
    labels, n = ndimage.label(closed)
    if n == 0:
        return np.zeros_like(valid)
    sizes = np.bincount(labels.ravel(), minlength=n + 1)
    core = ndimage.binary_erosion(~valid, structure=np.ones((CLOUD_CORE_PX, CLOUD_CORE_PX), dtype=bool))
    solid = np.bincount(labels[core], minlength=n + 1) > 0
    large = (sizes >= LARGE_MASK_PX) & solid
    large[0] = False
    return large[labels]


def mask_edge_fraction(mask: np.ndarray, large_masked: np.ndarray) -> float:
    """Fraction (0-1) of a candidate's pixels within MASK_EDGE_PX pixels of a large masked area."""
    if not large_masked.any():
        return 0.0
    rim = ndimage.binary_dilation(large_masked, iterations=MASK_EDGE_PX)
    return float(rim[mask].mean())


def rejection_reason(
    enhancement_ppmm: np.ndarray,
    mask: np.ndarray,
    valid: np.ndarray,
    *,
    albedo: np.ndarray | None = None,
    surface_match: np.ndarray | None = None,
    large_masked: np.ndarray | None = None,
) -> tuple[str, float]:
    """Why a candidate plume is a false alarm ('' when it is not), and its |albedo correlation|.

    ``large_masked`` (from ``large_masked_areas``) enables the mask-rim test.
    """
    r = 0.0
    if large_masked is not None:
        fraction = mask_edge_fraction(mask, large_masked)
        if fraction >= MASK_EDGE_MAX_FRACTION:
            return f"lies along the rim of a large masked area, a cloud's edge ({fraction:.0%} of it)", r
    if albedo is not None:
        r = abs(albedo_correlation(enhancement_ppmm, albedo, mask, valid))
        if r >= ALBEDO_MAX_CORRELATION:
            return f"enhancement follows surface albedo (|r| = {r:.2f})", r
    if surface_match is not None:
        match = float(np.nanmean(surface_match[mask]))
        if match >= SURFACE_MATCH_MAX:
            return f"spectrum matches a known surface material ({match:.2f})", r
    return "", r
