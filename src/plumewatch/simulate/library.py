"""The simulator's real spectra, resampled to a sensor's bands: lab surfaces, Jasper Ridge, Pasadena pixels.

Reflectance spectra are smooth on the scale of an imaging spectrometer's band
width (5-10 nm), so resampling to band centres by linear interpolation stands in
for convolution with the band response; the gas lines that need a real
convolution are handled by ``plumewatch.spectra``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).parent / "data"

# Thick water cloud reflectance (fraction): bright and grey in the visible, lower in the SWIR where droplets
# absorb near 1.5 and 2.0 µm (the behaviour Nakajima & King 1990, J. Atmos. Sci. 47:1878, use to retrieve
# droplet size). Rounded illustrative values, not a measurement: the lab library has no cloud.
CLOUD_NODES_NM = np.array([400.0, 1000.0, 1250.0, 1500.0, 1650.0, 2000.0, 2200.0, 2500.0])
CLOUD_REFLECTANCE = np.array([0.80, 0.76, 0.68, 0.45, 0.55, 0.30, 0.40, 0.25])


@dataclass(frozen=True)
class Texture:
    """Real reflectance texture: per-pixel PCA scores (rows, cols, k) and the basis on a sensor's bands."""

    scores: np.ndarray
    mean: np.ndarray
    components: np.ndarray
    wavelength_nm: np.ndarray

    def reflectance(self, scores: np.ndarray) -> np.ndarray:
        """Reflectance (..., bands) for PCA scores (..., k)."""
        flat = np.reshape(scores, (-1, scores.shape[-1])) @ self.components
        return (self.mean + flat).reshape(*scores.shape[:-1], -1)


@cache
def _npz(name: str) -> dict[str, np.ndarray]:
    with np.load(DATA_DIR / name) as data:
        return {k: data[k] for k in data.files}


def lab_materials(regime: str = "vswir") -> list[str]:
    """Names of the lab surfaces available in a regime ('vswir' reflectance or 'tir' emissivity)."""
    prefix = f"{regime}_"
    return sorted(
        k[len(prefix) :]
        for k in _npz("lab_spectra.npz")
        if k.startswith(prefix) and k != f"{regime}_wavelength_nm"
    )


def lab_reflectance(material: str, wavelength_nm: np.ndarray) -> np.ndarray:
    """Lab reflectance (fraction, 0-1) of ``material`` at the band centres (nm); 'cloud' is a thick cloud."""
    wavelength_nm = np.asarray(wavelength_nm, dtype=float)
    if material == "cloud":
        return np.interp(wavelength_nm, CLOUD_NODES_NM, CLOUD_REFLECTANCE)
    regime = "tir" if np.nanmedian(wavelength_nm) > 5000 else "vswir"
    data = _npz("lab_spectra.npz")
    key = f"{regime}_{material}"
    if key not in data:
        raise KeyError(f"no {regime} lab spectrum for {material!r}; have {', '.join(lab_materials(regime))}")
    return np.clip(np.interp(wavelength_nm, data[f"{regime}_wavelength_nm"], data[key]), 0.0, 1.0)


def jasper_ridge_texture(wavelength_nm: np.ndarray) -> Texture:
    """The Jasper Ridge PCA texture with its mean and components resampled to the band centres (nm)."""
    data = _npz("jasperridge_pca.npz")
    source_nm = data["wavelength_nm"].astype(float)
    wavelength_nm = np.asarray(wavelength_nm, dtype=float)
    # Bands beyond the cube's 399-2457 nm take the nearest measured value (np.interp holds the ends).
    mean = np.interp(wavelength_nm, source_nm, data["mean"])
    components = np.stack([np.interp(wavelength_nm, source_nm, c) for c in data["components"]])
    return Texture(
        scores=data["scores"].astype(np.float32),
        mean=mean.astype(np.float32),
        components=components.astype(np.float32),
        wavelength_nm=wavelength_nm,
    )


def pasadena_pixels() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The real AVIRIS-NG Pasadena pixels: (wavelength_nm (425,), {site name: radiance uW nm-1 cm-2 sr-1})."""
    data = _npz("pasadena_rdn.npz")
    return data["wavelength_nm"].astype(float), {
        k: v.astype(float) for k, v in data.items() if k != "wavelength_nm"
    }
