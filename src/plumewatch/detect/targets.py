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

Thermal emission (LWIR): a plume layer at the air temperature T_a over a background
of at-sensor radiance mu, seen through air at the same temperature, leaves
B - x = tau (B - mu) with B = B(T_a) and tau the plume's band transmittance along the
view path (the path's transmittance and the ground's emissivity drop out), so
x = mu + (B - mu) * (1 - tau) and, linearised, t = (B - mu) * k * AMF with the one-way
air mass factor 1 / cos(vza): over ground warmer than the air the plume absorbs (t < 0
where B < mu), over colder ground it emits. ``plumewatch.detect.thermal`` applies it with
each pixel's own contrast B - x.
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
# Thermal prior on the column: the amount that makes the gas's strongest band this optically thick.
# It only matters where the thermal contrast is too weak for the data to say more (see detect.thermal).
PRIOR_OPTICAL_DEPTH = 1.0
# Optical depths of the gas's strongest band at which a thermal gas's exact table is tabulated: the
# columns scale with each gas (SF6 absorbs ~70 times more per ppm·m than NH3).
THERMAL_GRID_OPTICAL_DEPTH = np.concatenate(([0.0], np.geomspace(1e-3, 100.0, 51)))


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
    # (J, b) ln(L(a) / L(0)) of each band at those columns; thermal: ln of the plume's band
    # transmittance along the view path
    exact_log_ratio: np.ndarray | None = None
    plume_temperature_k: float | None = None  # thermal only
    plume_temperature_source: str = ""  # where that temperature came from
    prior_column_ppmm: float | None = None  # thermal: 1-sigma of the prior on the column (ppm·m)


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


def transmittance_table(
    gas: str,
    wavelength_nm: np.ndarray,
    fwhm_nm: np.ndarray,
    *,
    air_mass_factor: float,
    grid_ppmm: np.ndarray = EXACT_GRID_PPMM,
) -> np.ndarray:
    """(J, b) ln exact band transmittance of vertical columns ``grid_ppmm`` seen at ``air_mass_factor``.

    Bands the gas's data do not cover get 0 (no absorption).
    """
    from plumewatch.spectra import transmittance

    t = transmittance(gas, np.asarray(grid_ppmm) * air_mass_factor, wavelength_nm, fwhm_nm)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_t = np.log(np.clip(t, MIN_RATIO, 1.0))
    return np.where(np.isfinite(log_t), log_t, 0.0)


def peak_optical_depth_per_ppmm(unit_absorption_per_ppmm: np.ndarray, air_mass_factor: float) -> float:
    """Optical depth per ppm·m of vertical column in the gas's strongest band, along the view (0 if none)."""
    return float(np.nanmax(unit_absorption_per_ppmm, initial=0.0)) * air_mass_factor


def thermal_grid_ppmm(unit_absorption_per_ppmm: np.ndarray, air_mass_factor: float) -> np.ndarray:
    """(J,) vertical columns (ppm·m) of a thermal gas's table: THERMAL_GRID_OPTICAL_DEPTH at its peak."""
    peak = peak_optical_depth_per_ppmm(unit_absorption_per_ppmm, air_mass_factor)
    return THERMAL_GRID_OPTICAL_DEPTH / peak if peak > 0 else EXACT_GRID_PPMM


def prior_column_ppmm(unit_absorption_per_ppmm: np.ndarray, air_mass_factor: float) -> float:
    """1-sigma (ppm·m) of the thermal prior on the column: optical depth PRIOR_OPTICAL_DEPTH at the peak."""
    peak = peak_optical_depth_per_ppmm(unit_absorption_per_ppmm, air_mass_factor)
    return PRIOR_OPTICAL_DEPTH / peak if peak > 0 else float("inf")
