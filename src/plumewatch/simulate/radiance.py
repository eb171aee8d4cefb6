"""At-sensor SWIR radiance for whole flight lines, fast, from the spectra package's forward model.

Running the fine-grid forward model for every pixel would take minutes, so it is
run a few times per flight line and reused:

* at the band level the model is affine in reflectance, L = O + G * rho
  (path radiance O and gain G, found from rho = 0 and rho = 1);
* a plume near the ground dims only the light that reaches the ground, so a pixel
  with vertical column enhancements c_g is L = O + G * rho * prod_g T_g(c_g), where
  T_g is the band transmittance of a white surface's radiance through that column,
  computed exactly (non-linear Beer-Lambert, at fine resolution, along the sun-ground-
  sensor path) on a grid of columns and interpolated per pixel.

Shadows remove the direct sun (the diffuse share ``DIFFUSE_FRACTION`` stays);
flares add a 1400 K Planck source; the sensor saturates at twice the radiance of a
white surface under an overhead sun; noise follows the sensor's noise model.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from plumewatch.spectra import get_sensor, planck_radiance
from plumewatch.spectra.forward import background_columns_ppmm, swir_radiance

log = logging.getLogger(__name__)

# Share of SWIR ground irradiance that is diffuse skylight under a clear sky (2.0-2.5 µm, mid latitudes):
# a few percent; 0.1 keeps cloud shadows dark but not black.
DIFFUSE_FRACTION = 0.1
FLARE_TEMPERATURE_K = 1400.0
SATURATION_WHITE_FACTOR = 2.0
# Vertical column enhancements (ppm·m) at which transmittance is computed exactly; pixels interpolate between.
COLUMN_GRID_PPMM = np.concatenate(([0.0], np.geomspace(20.0, 2.0e6, 60)))


@dataclass(frozen=True)
class RadianceModel:
    """Band-level forward model of one flight line's geometry: offset, gain, transmittance tables."""

    sensor: str
    wavelength_nm: np.ndarray
    fwhm_nm: np.ndarray
    offset: np.ndarray
    gain: np.ndarray
    column_grid_ppmm: np.ndarray
    transmittance: dict[str, np.ndarray]
    saturation: np.ndarray
    flare: np.ndarray

    def transmittance_at(self, gas: str, column_ppmm: np.ndarray) -> np.ndarray:
        """Band transmittance (..., bands) for vertical column enhancements (...) of ``gas``, ppm·m."""
        table = self.transmittance[gas]
        grid = self.column_grid_ppmm
        column = np.clip(np.asarray(column_ppmm, dtype=float), 0.0, grid[-1])
        upper = np.clip(np.searchsorted(grid, column), 1, len(grid) - 1)
        weight = ((column - grid[upper - 1]) / (grid[upper] - grid[upper - 1]))[..., None]
        # Interpolate optical depth, not transmittance: it is near linear in the column.
        depth = (1.0 - weight) * -np.log(table[upper - 1]) + weight * -np.log(table[upper])
        return np.exp(-depth)


def build_radiance_model(
    sensor: str,
    *,
    solar_zenith_deg: float,
    view_zenith_deg: float,
    gases: list[str],
    sensor_altitude_m: float,
    water_vapour_cm: float = 1.5,
) -> RadianceModel:
    """The band-level model for a sensor seen under this sun and view geometry, with tables for ``gases``."""
    spec = get_sensor(sensor)
    wl, fwhm = np.asarray(spec.wavelength_nm, float), np.asarray(spec.fwhm_nm, float)
    background = background_columns_ppmm(water_vapour_cm)
    geometry = {
        "solar_zenith_deg": solar_zenith_deg,
        "view_zenith_deg": view_zenith_deg,
        "background_ppmm": background,
        "sensor_altitude_m": sensor_altitude_m,
    }
    dark_white = swir_radiance(
        np.array([np.zeros_like(wl), np.ones_like(wl)]), wl, fwhm, columns_ppmm={}, **geometry
    )
    # Bands the model does not cover (unused detector rows) carry zero signal, not NaN: a NaN band would
    # mark every pixel as no-data.
    dark_white = np.nan_to_num(dark_white, nan=0.0)
    offset, gain = dark_white[0], dark_white[1] - dark_white[0]
    white = np.ones((len(COLUMN_GRID_PPMM), len(wl)))
    tables = {}
    for gas in gases:
        plume = swir_radiance(white, wl, fwhm, columns_ppmm={gas: COLUMN_GRID_PPMM}, **geometry)
        with np.errstate(invalid="ignore", divide="ignore"):
            table = (plume - offset) / gain
        tables[gas] = np.clip(np.nan_to_num(table, nan=1.0), 1e-12, 1.0)
    overhead = np.nan_to_num(
        swir_radiance(
            np.ones((1, len(wl))), wl, fwhm, columns_ppmm={}, solar_zenith_deg=0.0, view_zenith_deg=0.0
        )[0],
        nan=0.0,
    )
    return RadianceModel(
        sensor=spec.name,
        wavelength_nm=wl,
        fwhm_nm=fwhm,
        offset=offset.astype(np.float32),
        gain=gain.astype(np.float32),
        column_grid_ppmm=COLUMN_GRID_PPMM,
        transmittance=tables,
        saturation=(SATURATION_WHITE_FACTOR * overhead).astype(np.float32),
        flare=planck_radiance(wl, FLARE_TEMPERATURE_K, units=spec.radiance_units).astype(np.float32),
    )


def line_radiance(
    model: RadianceModel,
    reflectance: np.ndarray,
    columns_ppmm: dict[str, np.ndarray],
    *,
    shadow: np.ndarray | None = None,
    flare_fraction: np.ndarray | None = None,
) -> np.ndarray:
    """Noise-free at-sensor radiance (lines, samples, bands), float32, in the sensor's units."""
    direct = model.gain * reflectance.astype(np.float32, copy=False)
    if shadow is not None:
        direct *= (1.0 - (1.0 - DIFFUSE_FRACTION) * shadow).astype(np.float32)[..., None]
    for gas, column in columns_ppmm.items():
        plume = column > 0
        if plume.any():
            direct[plume] *= model.transmittance_at(gas, column[plume]).astype(np.float32)
    radiance = model.offset + direct
    if flare_fraction is not None:
        hot = flare_fraction > 0
        radiance[hot] += flare_fraction[hot][:, None].astype(np.float32) * model.flare
        radiance = np.minimum(radiance, model.saturation)
    return radiance.astype(np.float32, copy=False)


def add_noise(sensor: str, radiance: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Radiance plus Gaussian sensor noise from the sensor's noise model, float32."""
    sigma = np.asarray(get_sensor(sensor).noise_sigma(radiance), dtype=np.float32)
    noise = rng.standard_normal(radiance.shape, dtype=np.float32)
    return (radiance + sigma * noise).astype(np.float32)
