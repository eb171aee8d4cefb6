"""The SWIR background atmosphere: columns, effective pressures, and a MODTRAN reference.

Columns are vertical amounts in ppm·m at the reference state of ``plumewatch.units``. The whole
air column, brought to that density, is ``p0 / (g M_air n_ref)`` = 8.43 km tall, so a well-mixed gas
at x ppm is x * 8435 ppm·m; water is given as precipitable centimetres.

The atmosphere is one layer per gas. Line gases (H2O, CO2) are broadened at the mean pressure
their molecules sit at: p0/2 for a well-mixed gas, p0 * H_air / (H_air + H_gas) = 0.8 atm for water
with a 2 km scale height, which brings the saturated 2.0 um CO2 band to within ~15 % of MODTRAN (the
1-atm cross-sections of the plume layer would make it twice too dark). An airborne sensor sees the
share ``1 - exp(-z / H_gas)`` of each column below it on the way up.

Our line lists start at 1852 nm. Below that (1400-1852 nm: the 1.4 um and 1.8 um water bands) the
background is MODTRAN's, from the zero-enhancement radiance of mag1c's table: ``pi L0 / E_sun`` is
its two-way transmittance for the geometry we infer (overhead sun, nadir view, unit reflectance:
the CH4 path factor is 2, and the window transmittance 0.84-0.86), used as optical depth per unit
air mass, ``-ln(T) / 2``.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from plumewatch.spectra.lut import read_lut
from plumewatch.spectra.solar import solar_irradiance
from plumewatch.units import air_molar_density_mol_m3

STANDARD_GRAVITY_M_S2 = 9.80665
AIR_MOLAR_MASS_KG_MOL = 0.0289647
WATER_MOLAR_MASS_KG_MOL = 0.018015
SEA_LEVEL_PRESSURE_PA = 101_325.0
AIR_COLUMN_M = SEA_LEVEL_PRESSURE_PA / (
    STANDARD_GRAVITY_M_S2 * AIR_MOLAR_MASS_KG_MOL * air_molar_density_mol_m3()
)
# Background mixing ratios (ppm), about the 2023 global means (NOAA GML), and a mid-latitude water column.
BACKGROUND_MIXING_PPM = {"co2": 420.0, "ch4": 1.92}
WATER_VAPOUR_CM = 1.5
AIR_SCALE_HEIGHT_M = 8000.0
SCALE_HEIGHT_M = {"h2o": 2000.0, "co2": AIR_SCALE_HEIGHT_M, "ch4": AIR_SCALE_HEIGHT_M}
EFFECTIVE_PRESSURE_ATM = {
    gas: AIR_SCALE_HEIGHT_M / (AIR_SCALE_HEIGHT_M + height) for gas, height in SCALE_HEIGHT_M.items()
}
SENSOR_ALTITUDE_M = 4000.0
MODTRAN_AIR_MASS = 2.0
# Transmittances below this are opaque to rounding; it bounds the optical depth taken from them.
MIN_TRANSMITTANCE = 1e-6


def background_columns_ppmm(water_vapour_cm: float = WATER_VAPOUR_CM) -> dict[str, float]:
    """Vertical background columns (ppm·m) of H2O, CO2 and CH4, for a precipitable water in cm."""
    water_mol_m2 = water_vapour_cm * 10.0 / WATER_MOLAR_MASS_KG_MOL
    columns = {g: x * AIR_COLUMN_M for g, x in BACKGROUND_MIXING_PPM.items()}
    columns["h2o"] = water_mol_m2 / (1e-6 * air_molar_density_mol_m3())
    return columns


def share_below(gas: str, sensor_altitude_m: float) -> float:
    """Share of a gas's vertical column below a sensor at ``sensor_altitude_m`` above the ground."""
    return float(1.0 - np.exp(-sensor_altitude_m / SCALE_HEIGHT_M.get(gas, AIR_SCALE_HEIGHT_M)))


@cache
def modtran_optical_depth_per_air_mass() -> tuple[np.ndarray, np.ndarray]:
    """Wavelength (nm) and MODTRAN's all-gas optical depth per unit air mass from mag1c's table."""
    wavelength_nm, radiance = read_lut()
    solar_nm, solar = solar_irradiance()
    transmittance = np.pi * radiance[:, 0] / np.interp(wavelength_nm, solar_nm, solar)
    tau = -np.log(np.clip(transmittance, MIN_TRANSMITTANCE, 1.0)) / MODTRAN_AIR_MASS
    return wavelength_nm, tau
