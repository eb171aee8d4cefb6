"""Which pixels to leave out of the background: plume pixels, told from gas-like clutter by their spectra.

A plume inside the pixels that estimate a column's background covariance
teaches the filter to ignore the plume: with 300 lines and 75 bands the
plain per-column filter under-estimates plumes by 25-35 %. Leaving out every
significant pixel is no cure either: a rare surface that happens to resemble
the gas (a road, a roof, a mineral) then drops out of the covariance and comes
back as a strong false plume. Here a pixel is left out only when the gas
explains its spectrum:

- core: significance z > ``FLAG_SIGMA`` and a residual (Mahalanobis distance
  left after fitting the gas, minus its expectation) no larger than z^2, i.e.
  the gas accounts for at least half of what sets the pixel apart;
- its 8 neighbours (the plume's edge);
- weak, extended plume: a ``SMOOTH_PIXELS`` square whose mean z is significant
  (``SMOOTH_SIGMA``, 3 sigma of that mean for independent noise) while its mean
  residual stays within 3 sigma of the noise expectation.

Without residuals (filters that do not compute them) only z > ``FLAG_SIGMA`` counts.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

FLAG_SIGMA = 3.0
SMOOTH_PIXELS = 5
SMOOTH_SIGMA = 3.0 / SMOOTH_PIXELS
NEIGHBOURS = np.ones((3, 3), dtype=bool)


def plume_flags(
    significance: np.ndarray, excess_residual: np.ndarray | None = None, live_bands: np.ndarray | None = None
) -> np.ndarray:
    """(lines, samples) bool: pixels to leave out of the background as plume.

    ``significance`` is z = enhancement / sigma with the column offset removed (NaN where masked);
    ``excess_residual`` the residual beyond its expectation, ``live_bands`` (samples,) p.
    """
    z = np.nan_to_num(significance, nan=0.0)
    if excess_residual is None or live_bands is None:
        return z > FLAG_SIGMA
    excess = np.nan_to_num(excess_residual, nan=0.0)
    core = (z > FLAG_SIGMA) & (excess <= z * z)
    flags = ndimage.binary_dilation(core, NEIGHBOURS)
    mean_z = ndimage.uniform_filter(z, SMOOTH_PIXELS, mode="nearest")
    mean_excess = ndimage.uniform_filter(excess, SMOOTH_PIXELS, mode="nearest")
    allowed = 3.0 * np.sqrt(2.0 * np.asarray(live_bands, dtype=float))[None, :] / SMOOTH_PIXELS
    return flags | ((mean_z > SMOOTH_SIGMA) & (mean_excess < allowed))
