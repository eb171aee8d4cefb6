"""Target signatures: the radiance change a gas column makes, per ppm·m, per band.

Reflected sunlight (SWIR): radiance is x = r * mu * R(a), with r the pixel's
brightness relative to its column mean mu and R(a) = L(a) / L(0) the band
radiance ratio that a vertical column a makes along the sun-ground-sensor path.
R comes from the forward model (``plumewatch.spectra.forward``): each fine-grid
point of a band is weighted by the sunlight the background atmosphere (water,
CO2, CH4) leaves there, so lines that the background already darkens count
little. Its slope at a = 0 is -k * AMF with k the radiance-weighted unit
absorption (``radiance_unit_absorption``), which for CH4 at 2370 nm is about
half the flat band-mean optical depth, and for the saturated 2.0 um CO2 band a
fifth of it. The linear target is t = -mu * k * AMF in radiance, or t = -k * AMF
for the logarithm of radiance, where brightness is an additive constant.

Thermal emission (LWIR): a plume layer at temperature T_p over a background of
radiance mu transmits mu * tau and emits B(T_p) * (1 - tau), so
x = mu + (B(T_p) - mu) * (1 - tau) and, linearised, t = (B(T_p) - mu) * k * AMF
with the one-way air mass factor: a plume colder than the ground absorbs
(negative contrast), a warmer one emits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from plumewatch.detect.background import Background

# Vertical columns (ppm·m) at which the exact band radiance ratio is tabulated: dense where
# most plumes lie, reaching the near-saturated columns of CO2 over a power-plant stack.
EXACT_GRID_PPMM = np.concatenate(([0.0], np.geomspace(100.0, 4.0e6, 40)))
# Band radiance ratios below this are dark to rounding; they bound the table's log.
MIN_RATIO = 1e-8


@dataclass(frozen=True)
class GasModel:
    """One gas's bands, absorption and target model for one scene."""

    gas: str
    band_index: np.ndarray  # (b,) indices of the scene's bands used for this gas
    local_index: np.ndarray  # (b,) indices of those bands in the block the filters see
    unit_absorption_per_ppmm: np.ndarray  # (b,) optical depth per ppm·m of path (radiance-weighted in SWIR)
    air_mass_factor: float
    window_nm: tuple[float, float]
    regime: str = "swir"
    plume_radiance: np.ndarray | None = None  # (b,) B(T_plume) in the scene's units (thermal only)
    exact_grid_ppmm: np.ndarray | None = None  # (J,) vertical columns of the exact table, from 0 up
    exact_log_ratio: np.ndarray | None = None  # (J, b) ln(L(a) / L(0)) of each band at those columns


def target_signature(background: Background, gas: GasModel, *, log_space: bool = False) -> np.ndarray:
    """(groups, b) change per ppm·m of vertical column (radiance, or log radiance), zero on dead bands."""
    k_amf = gas.unit_absorption_per_ppmm * gas.air_mass_factor
    if gas.regime == "lwir":
        if gas.plume_radiance is None:
            raise ValueError("a thermal target needs the plume's blackbody radiance")
        target = (gas.plume_radiance[None, :] - background.mean) * k_amf[None, :]
    elif log_space:
        target = np.broadcast_to(-k_amf[None, :], background.mean.shape)
    else:
        target = -background.mean * k_amf[None, :]
    return np.where(background.band_ok, target, 0.0)


def radiance_ratio_table(
    gas: str,
    wavelength_nm: np.ndarray,
    fwhm_nm: np.ndarray,
    *,
    solar_zenith_deg: float,
    view_zenith_deg: float,
    grid_ppmm: np.ndarray = EXACT_GRID_PPMM,
) -> np.ndarray:
    """(J, b) ln(L(a) / L(0)) for vertical columns ``grid_ppmm`` of ``gas``; 0 where the gas has no data.

    L is the forward model's band radiance over a white surface through the background
    atmosphere, with the plume crossed on the way down and up (its air-mass factor).
    """
    from plumewatch.spectra.forward import swir_radiance

    geometry = {"solar_zenith_deg": solar_zenith_deg, "view_zenith_deg": view_zenith_deg}
    white = np.ones((len(grid_ppmm), len(wavelength_nm)))
    plume = swir_radiance(white, wavelength_nm, fwhm_nm, columns_ppmm={gas: grid_ppmm}, **geometry)
    clear = swir_radiance(white[:1], wavelength_nm, fwhm_nm, columns_ppmm={}, **geometry)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.clip(plume / clear, MIN_RATIO, 1.0)
    return np.where(np.isfinite(ratio), np.log(ratio), 0.0)
