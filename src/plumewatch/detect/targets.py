"""Target signatures: the radiance change a gas column makes, per ppm·m, per band.

Reflected sunlight (SWIR): radiance is x = r * mu * T(a), with r the pixel's
brightness relative to its column mean mu and T the band-averaged transmittance
of a vertical column a seen along the two-way air mass factor. Linearised at
a = 0 the target is t = -mu * k * AMF (k: optical depth per ppm·m).

Thermal emission (LWIR): a plume layer at temperature T_p over a background of
radiance mu transmits mu * tau and emits B(T_p) * (1 - tau), so
x = mu + (B(T_p) - mu) * (1 - tau) and, linearised, t = (B(T_p) - mu) * k * AMF
with the one-way air mass factor: a plume colder than the ground absorbs
(negative contrast), a warmer one emits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from plumewatch.detect.background import Background

# Vertical columns (ppm·m) at which the exact Beer-Lambert model is tabulated:
# dense where most plumes lie, reaching past the strongest plumes seen from aircraft.
EXACT_GRID_PPMM = np.array(
    [
        -8000.0,
        -4000.0,
        -2000.0,
        -1000.0,
        -400.0,
        0.0,
        400.0,
        1000.0,
        2000.0,
        3000.0,
        4000.0,
        6000.0,
        8000.0,
        11000.0,
        16000.0,
        22000.0,
        32000.0,
        45000.0,
        64000.0,
        100000.0,
    ]
)


@dataclass(frozen=True)
class GasModel:
    """One gas's bands, absorption and target model for one scene."""

    gas: str
    band_index: np.ndarray  # (b,) indices of the scene's bands used for this gas
    local_index: np.ndarray  # (b,) indices of those bands in the block the filters see
    unit_absorption_per_ppmm: np.ndarray  # (b,) one-way vertical optical depth per ppm·m
    air_mass_factor: float
    window_nm: tuple[float, float]
    regime: str = "swir"
    plume_radiance: np.ndarray | None = None  # (b,) B(T_plume) in the scene's units (thermal only)
    exact_grid_ppmm: np.ndarray | None = None  # (J,) vertical columns of the exact table
    exact_transmittance: np.ndarray | None = None  # (J, b) band-averaged transmittance there
    exact_slope_per_ppmm: np.ndarray | None = None  # (J, b) its derivative per ppm·m of column


def target_signature(background: Background, gas: GasModel) -> np.ndarray:
    """(groups, b) radiance change per ppm·m of vertical column, zero on dead bands."""
    k_amf = gas.unit_absorption_per_ppmm * gas.air_mass_factor
    if gas.regime == "lwir":
        if gas.plume_radiance is None:
            raise ValueError("a thermal target needs the plume's blackbody radiance")
        target = (gas.plume_radiance[None, :] - background.mean) * k_amf[None, :]
    else:
        target = -background.mean * k_amf[None, :]
    return np.where(background.band_ok, target, 0.0)


def exact_table(
    transmittance: Callable[[np.ndarray], np.ndarray],
    air_mass_factor: float,
    grid_ppmm: np.ndarray = EXACT_GRID_PPMM,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(grid, T (J, b), dT/da (J, b)) from ``transmittance(path_ppmm (n,)) -> (n, b)`` along the light path.

    Negative columns (noise below the background) mirror the positive side, T(-a) = 1 / T(a),
    which is exact for a single line and keeps the model smooth through zero.
    """
    magnitude = np.abs(grid_ppmm)
    step = np.maximum(10.0, 0.01 * magnitude)
    t_at = transmittance(magnitude * air_mass_factor)
    t_up = transmittance((magnitude + step) * air_mass_factor)
    slope = (t_up - t_at) / step[:, None]
    negative = grid_ppmm < 0
    t_at = np.where(negative[:, None], 1.0 / t_at, t_at)
    slope = np.where(negative[:, None], slope * t_at**2, slope)
    return grid_ppmm, t_at, slope
