"""Planck's law, by default in the units HyTES delivers: W m-2 sr-1 um-1.

1 W m-2 sr-1 um-1 = 0.1 uW nm-1 cm-2 sr-1 (the AVIRIS-NG and EMIT unit).
"""

from __future__ import annotations

import numpy as np

PLANCK_J_S = 6.62607015e-34
SPEED_OF_LIGHT_M_S = 299_792_458.0
BOLTZMANN_J_K = 1.380649e-23
# First and second radiation constants for spectral radiance per unit wavelength.
C1_W_M2_SR = 2.0 * PLANCK_J_S * SPEED_OF_LIGHT_M_S**2
C2_M_K = PLANCK_J_S * SPEED_OF_LIGHT_M_S / BOLTZMANN_J_K
LWIR_UNITS = "W m-2 sr-1 um-1"
SWIR_UNITS = "uW nm-1 cm-2 sr-1"
# Radiance in each unit per W m-2 sr-1 m-1 (SI per metre of wavelength).
PER_SI = {LWIR_UNITS: 1e-6, SWIR_UNITS: 1e-7}


def planck_radiance(
    wavelength_nm: np.ndarray | float, temperature_k: np.ndarray | float, *, units: str = LWIR_UNITS
) -> np.ndarray:
    """Blackbody spectral radiance in ``units`` (W m-2 sr-1 um-1 or uW nm-1 cm-2 sr-1); arrays broadcast."""
    if units not in PER_SI:
        raise ValueError(f"units must be one of {sorted(PER_SI)}, not {units!r}")
    wavelength_m = np.asarray(wavelength_nm, dtype=float) * 1e-9
    temperature = np.asarray(temperature_k, dtype=float)
    with np.errstate(over="ignore"):
        per_m = C1_W_M2_SR / wavelength_m**5 / np.expm1(C2_M_K / (wavelength_m * temperature))
    return per_m * PER_SI[units]


def planck_derivative(wavelength_nm: np.ndarray | float, temperature_k: np.ndarray | float) -> np.ndarray:
    """dB/dT of blackbody spectral radiance (W m-2 sr-1 um-1 K-1)."""
    wavelength_m = np.asarray(wavelength_nm, dtype=float) * 1e-9
    temperature = np.asarray(temperature_k, dtype=float)
    x = C2_M_K / (wavelength_m * temperature)
    return planck_radiance(wavelength_nm, temperature) * x / temperature / (-np.expm1(-x))


def brightness_temperature(wavelength_nm: np.ndarray | float, radiance: np.ndarray | float) -> np.ndarray:
    """Temperature (K) of the blackbody with spectral radiance ``radiance`` (W m-2 sr-1 um-1)."""
    wavelength_m = np.asarray(wavelength_nm, dtype=float) * 1e-9
    per_m = np.asarray(radiance, dtype=float) * 1e6
    return C2_M_K / (wavelength_m * np.log1p(C1_W_M2_SR / (wavelength_m**5 * per_m)))
