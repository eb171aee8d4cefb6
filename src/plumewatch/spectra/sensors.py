"""Sensor models: band tables, cross-track geometry and radiometric noise.

Noise follows isofit's parametric instrument model (isofit ``core/instrument.py``, "parametric"):
the 1-sigma noise-equivalent radiance of a band is ``|a * sqrt(b + L) + c|`` with ``L`` the
at-sensor radiance in uW nm-1 cm-2 sr-1 and (a, b, c) tabulated against wavelength (linear
interpolation, held constant past the table's ends). AVIRIS-NG and EMIT coefficients come from
isofit and emit-ghg. HyTES has no such table: its noise is a constant NESR per band, the
instrument's NEdT at 300 K converted through dB/dT (``a = b = 0``, ``c = NESR``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from plumewatch.errors import UnknownSensorError
from plumewatch.spectra.planck import LWIR_UNITS, SWIR_UNITS, planck_derivative

DATA_DIR = Path(__file__).parent / "data"
# HyTES design noise-equivalent temperature difference at a 300 K scene (Johnson et al. 2011,
# Proc. SPIE 8154, 81540F; Hulley et al. 2016, AMT 9, 2393).
HYTES_NEDT_K = 0.2
HYTES_NEDT_REFERENCE_K = 300.0


@dataclass(frozen=True)
class Sensor:
    """An imaging spectrometer: bands (nm), good-band mask, radiance units, geometry and noise model."""

    name: str
    regime: str
    wavelength_nm: np.ndarray
    fwhm_nm: np.ndarray
    good_bands: np.ndarray
    radiance_units: str
    samples: int
    fov_deg: float
    ifov_mrad: float
    noise_coefficients: np.ndarray = field(repr=False)

    def __post_init__(self) -> None:
        # get_sensor hands out one shared instance per sensor: its arrays must not change
        for name in ("wavelength_nm", "fwhm_nm", "good_bands", "noise_coefficients"):
            getattr(self, name).setflags(write=False)

    def noise_sigma(self, radiance: np.ndarray) -> np.ndarray:
        """1-sigma radiance noise (sensor units), same shape as ``radiance`` (..., bands)."""
        radiance = np.asarray(radiance, dtype=float)
        a, b, c = self.noise_coefficients.T
        # isofit floors b + L at a small positive number so dark pixels keep a finite noise
        return np.abs(a * np.sqrt(np.maximum(b + radiance, 1e-5)) + c)

    @property
    def bands(self) -> int:
        """Number of bands."""
        return int(self.wavelength_nm.size)


def _noise_table(path: Path, wavelength_nm: np.ndarray) -> np.ndarray:
    table = np.loadtxt(path, comments="#")
    return np.stack([np.interp(wavelength_nm, table[:, 0], table[:, i]) for i in (1, 2, 3)], axis=1)


def _avirisng() -> Sensor:
    table = np.loadtxt(DATA_DIR / "avirisng_wavelengths.txt")
    wavelength_nm, fwhm_nm = table[:, 1] * 1000.0, table[:, 2] * 1000.0
    return Sensor(
        name="avirisng",
        regime="swir",
        wavelength_nm=wavelength_nm,
        fwhm_nm=fwhm_nm,
        good_bands=np.ones(wavelength_nm.size, dtype=bool),
        radiance_units=SWIR_UNITS,
        # Chapman et al. 2019, Remote Sens. 11, 2129: 598 cross-track pixels, 34 deg FOV, 1 mrad IFOV
        samples=598,
        fov_deg=34.0,
        ifov_mrad=1.0,
        noise_coefficients=_noise_table(DATA_DIR / "avirisng_noise.txt", wavelength_nm),
    )


def _emit() -> Sensor:
    table = np.loadtxt(DATA_DIR / "emit_wavelengths.txt")
    order = np.argsort(table[:, 1])
    wavelength_nm, fwhm_nm = table[order, 1] * 1000.0, table[order, 2] * 1000.0
    return Sensor(
        name="emit",
        regime="swir",
        wavelength_nm=wavelength_nm,
        fwhm_nm=fwhm_nm,
        # detector rows with FWHM 0 carry no calibrated band
        good_bands=fwhm_nm > 0,
        radiance_units=SWIR_UNITS,
        # Green et al. 2023 (EMIT mission, IEEE Aerospace Conf.): 1242 cross-track pixels over an
        # 11 deg field of view; 60 m pixels from the ISS at ~410 km make the IFOV ~0.15 mrad.
        samples=1242,
        fov_deg=11.0,
        ifov_mrad=0.15,
        noise_coefficients=_noise_table(DATA_DIR / "emit_noise.txt", wavelength_nm),
    )


def _hytes() -> Sensor:
    table = np.loadtxt(DATA_DIR / "hytes_wavelengths.txt")
    wavelength_nm, fwhm_nm = table[:, 1] * 1000.0, table[:, 2] * 1000.0
    nesr = HYTES_NEDT_K * planck_derivative(wavelength_nm, HYTES_NEDT_REFERENCE_K)
    return Sensor(
        name="hytes",
        regime="lwir",
        wavelength_nm=wavelength_nm,
        fwhm_nm=fwhm_nm,
        good_bands=np.ones(wavelength_nm.size, dtype=bool),
        radiance_units=LWIR_UNITS,
        # Hook et al. 2013 / Hulley et al. 2016: 512 cross-track pixels over 50 deg, ~1.7 mrad
        samples=512,
        fov_deg=50.0,
        ifov_mrad=1.7,
        noise_coefficients=np.stack([np.zeros_like(nesr), np.zeros_like(nesr), nesr], axis=1),
    )


SENSORS = {"avirisng": _avirisng, "emit": _emit, "hytes": _hytes}


def get_sensor(name: str) -> Sensor:
    """The model of sensor ``name`` ('avirisng', 'emit' or 'hytes'; case, '-' and '_' ignored)."""
    key = str(name).lower().replace("-", "").replace("_", "")
    if key not in SENSORS:
        raise UnknownSensorError(f"sensor {name!r} is not modelled; known: {', '.join(SENSORS)}")
    return _build(key)


@cache
def _build(key: str) -> Sensor:
    return SENSORS[key]()
