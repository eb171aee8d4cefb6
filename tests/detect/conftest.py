"""Synthetic radiance for detection tests: per-column backgrounds and exact Beer-Lambert plumes.

Each band is the mean of a few sub-band lines of different strength, so the band
transmittance saturates with path like a real band-averaged gas spectrum does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from plumewatch.detect.targets import EXACT_GRID_PPMM, GasModel


@dataclass
class Synthetic:
    """A synthetic cube and what made it."""

    radiance: np.ndarray  # (lines, samples, bands) float32
    truth_ppmm: np.ndarray  # (lines, samples) vertical column enhancement
    gas: GasModel  # band_index = local_index = all bands, with the exact table
    albedo: np.ndarray  # (lines, samples)
    noise_sigma: np.ndarray  # (lines, samples, bands)


def sub_line_strengths(bands: int, rng: np.random.Generator) -> np.ndarray:
    """(bands, 6) optical depth per ppm·m of each band's sub-lines; band k = their mean."""
    k = np.zeros(bands)
    for centre, width, depth in ((0.3, 0.06, 3e-6), (0.55, 0.04, 6e-6), (0.8, 0.08, 2e-6)):
        x = np.linspace(0, 1, bands)
        k += depth * np.exp(-0.5 * ((x - centre) / width) ** 2)
    k += 1e-8
    spread = rng.lognormal(0.0, 1.0, size=(bands, 6))
    return k[:, None] * spread / spread.mean(axis=1, keepdims=True)


def band_transmittance(lines_per_ppmm: np.ndarray, path_ppmm: np.ndarray) -> np.ndarray:
    """(..., bands) mean over sub-lines of exp(-sigma * path)."""
    path = np.asarray(path_ppmm, dtype=float)[..., None, None]
    return np.exp(-lines_per_ppmm * path).mean(axis=-1)


def make_synthetic(
    seed: int = 0,
    lines: int = 300,
    samples: int = 12,
    bands: int = 40,
    *,
    amf: float = 2.0,
    plumes: tuple[tuple[int, int, float], ...] = ((60, 6, 4000.0),),
    plume_radius: float = 6.0,
    snr: float = 300.0,
    pixel_seed: int | None = None,
) -> Synthetic:
    """Correlated clutter, a response per column, plumes (line, sample, peak ppm·m) injected exactly.

    ``seed`` fixes the scene (gas, surfaces, detector response); ``pixel_seed`` the pixels drawn from it.
    """
    rng = np.random.default_rng(seed)
    sub_lines = sub_line_strengths(bands, rng)
    wavelength = np.linspace(0, 1, bands)
    sun = 8.0 * np.exp(-((wavelength - 0.3) ** 2))
    endmembers = np.stack([0.2 + 0.1 * np.sin(3 * wavelength + p) for p in rng.uniform(0, 6, 4)])
    endmembers[0] += 0.05 * wavelength  # a sloped soil
    gain = 1.0 + 0.03 * rng.normal(size=(samples, bands))
    rng = np.random.default_rng([seed, pixel_seed]) if pixel_seed is not None else rng
    abundance = rng.dirichlet(np.ones(4) * 2, size=(lines, samples))
    albedo = rng.lognormal(0.0, 0.25, size=(lines, samples))
    reflectance = albedo[..., None] * (abundance @ endmembers)
    yy, xx = np.mgrid[0:lines, 0:samples]
    truth = np.zeros((lines, samples))
    for line, sample, peak in plumes:
        truth += peak * np.exp(-0.5 * ((yy - line) ** 2 + (xx - sample) ** 2) / plume_radius**2)
    clean = gain[None] * sun * reflectance * band_transmittance(sub_lines, truth * amf)
    noise_sigma = np.sqrt((clean.mean() / snr) ** 2 * (0.3 + 0.7 * clean / clean.mean()))
    radiance = (clean + noise_sigma * rng.normal(size=clean.shape)).astype(np.float32)
    k = sub_lines.mean(axis=1)
    log_ratio = np.log(band_transmittance(sub_lines, EXACT_GRID_PPMM * amf))
    idx = np.arange(bands)
    gas = GasModel(
        "ch4",
        idx,
        idx,
        k,
        amf,
        (2122.0, 2488.0),
        exact_grid_ppmm=EXACT_GRID_PPMM,
        exact_log_ratio=log_ratio,
    )
    return Synthetic(radiance, truth, gas, albedo, noise_sigma)


@pytest.fixture(scope="session")
def synthetic():
    """The synthetic-cube factory."""
    return make_synthetic


def make_scene(
    seed: int = 0,
    lines: int = 200,
    samples: int = 12,
    *,
    plumes=((100, 6, 6000.0),),
    name: str = "pw_test_rdn",
    chunk_lines: int = 50,
    solar_zenith_deg: float = 30.0,
):
    """A small AVIRIS-NG-like Scene (blue band, 1950-2500 nm) with CH4 plumes from the forward model.

    Radiance is surface reflectance times the forward model's at-sensor radiance of a white
    surface through the background atmosphere and the plume (``spectra.forward.swir_radiance``).
    """
    from pathlib import Path

    import dask.array as da

    from plumewatch.scene import Scene
    from plumewatch.spectra import get_sensor
    from plumewatch.spectra.forward import swir_radiance

    sensor = get_sensor("avirisng")
    keep = ((sensor.wavelength_nm > 1950) & (sensor.wavelength_nm < 2500)) | (
        np.abs(sensor.wavelength_nm - 470) < 4
    )
    wl, fwhm = sensor.wavelength_nm[keep], sensor.fwhm_nm[keep]
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:lines, 0:samples]
    truth = np.zeros((lines, samples))
    for line, sample, peak in plumes:
        truth += peak * np.exp(-0.5 * ((yy - line) ** 2 + (xx - sample) ** 2) / 2.5**2)
    truth = np.round(truth / 25.0) * 25.0
    columns, inverse = np.unique(truth, return_inverse=True)
    white = swir_radiance(
        np.ones((len(columns), len(wl))),
        wl,
        fwhm,
        solar_zenith_deg=solar_zenith_deg,
        view_zenith_deg=0.0,
        columns_ppmm={"ch4": columns},
    )[inverse.reshape(truth.shape)]
    soil = 0.4 + 0.6 * np.clip((wl - 400.0) / 1500.0, 0.0, 1.0)  # darker in the blue, as soils are
    endmembers = np.stack([soil * (0.25 + 0.1 * np.sin(wl / 250.0 + p)) for p in rng.uniform(0, 6, 4)])
    abundance = rng.dirichlet(np.ones(4) * 2, size=(lines, samples))
    albedo = rng.lognormal(0.0, 0.25, size=(lines, samples))
    gain = 1.0 + 0.02 * rng.normal(size=(samples, len(wl)))
    clean = gain * albedo[..., None] * (abundance @ endmembers) * white
    level = np.median(clean, axis=(0, 1))
    radiance = clean + np.sqrt((0.002 * clean) ** 2 + (0.003 * level) ** 2) * rng.normal(size=clean.shape)
    scene = Scene(
        name=name,
        path=Path(f"{name}.img"),
        radiance=da.from_array(radiance.astype(np.float32), chunks=(chunk_lines, -1, -1)),
        wavelength_nm=wl,
        fwhm_nm=fwhm,
        sensor="test",
        solar_zenith_deg=solar_zenith_deg,
        view_zenith_deg=0.0,
    )
    return scene, truth


@pytest.fixture
def scene_factory():
    """The synthetic-Scene factory."""
    return make_scene
