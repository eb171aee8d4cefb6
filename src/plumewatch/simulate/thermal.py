"""Thermal-infrared (HyTES) scenes: surface temperature and emissivity, vapour plumes at air temperature.

The ground keeps the SWIR simulator's structure (Jasper Ridge land cover, placed
surfaces), seen in the thermal window: emissivity is 1 - lab reflectance (Kirchhoff)
for soils and man-made surfaces, and a grey 0.985 for green vegetation
(Salisbury & D'Aria 1992, Remote Sens. Environ. 42:83, report 0.97-0.99 in 8-14 µm).

What sets the thermal contrast, stated so that a detector can be judged against it:

- the plume is at the air temperature of the pass (a vented vapour mixes to ambient
  within metres), and the air between ground and sensor is too (a grey layer of
  transmittance 0.85-0.93 below a low aircraft; no water-vapour lines);
- the ground runs warmer than the air under the sun: ``WARMING_K`` per cover type at a
  high sun (dark roofs hottest, plants a few kelvin), scaled by the sun's elevation
  (cos of the solar zenith over cos 20 deg) and by a smooth dryness field (plane waves
  of 60-400 m, mean 1, 35 % spread, floored at 0) that stands for soil moisture: wet
  ground evaporates its heat away and sits near the air temperature, where a plume is
  nearly invisible;
- the sensor's header reports the air temperature a weather station near the ground
  would give (``air temperature k``): the true value plus 0.5 K rms.

``plumewatch.spectra.forward.lwir_radiance`` does the radiative transfer (ground, plume
layer, atmosphere), exactly in Beer-Lambert at fine resolution.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from plumewatch.simulate.geometry import LineGeometry
from plumewatch.simulate.ground import (
    SOIL_SHARE_OF_VEGETATION,
    cover_fraction,
    grain_at,
    land_cover,
    soil_spectrum,
    texture_scores,
)
from plumewatch.simulate.library import jasper_ridge_texture, lab_reflectance
from plumewatch.simulate.radiance import FLARE_TEMPERATURE_K, add_noise
from plumewatch.simulate.scenario import GRAIN_SIGMA, SurveyPlan
from plumewatch.spectra import get_sensor, library_gases, planck_radiance
from plumewatch.spectra.forward import lwir_radiance

log = logging.getLogger(__name__)

# Solvent, ammonia and SF6 emitters (kg/h): chemical plants, a fertiliser plant, a magnesium foundry
# (SF6 cover gas). SF6 absorbs ~70 times more strongly per ppm·m than ammonia, so a kg/h already makes
# an optically thick plume. Ammonia is used when the gas library has it, methyl ethyl ketone otherwise.
THERMAL_EMITTERS = (
    ("T1", "acetone", "solvent_recovery", (10.0, 30.0)),
    ("T2", "dichloromethane", "chemical_plant", (20.0, 50.0)),
    ("T3", "nh3", "fertiliser_plant", (20.0, 50.0)),
    ("T4", "sf6", "magnesium_foundry", (0.5, 3.0)),
)
FALLBACK_GAS = {"nh3": "mek"}
# Decoys with thermal-infrared features: quartz reststrahlen in concrete and rhyolite (8-9.5 µm),
# a low-emissivity metal roof that mirrors the cold sky, a hot black roof, and a flare.
THERMAL_DECOYS = (
    ("D1", "concrete", "square", 0.08),
    ("D2", "aluminium", "square", 0.05),
    ("D3", "black_paint", "square", 0.05),
    ("D4", "rhyolite", "disk", 0.07),
    ("D5", "loamy_sand", "disk", 0.07),
    ("D6", "flare", "disk", 0.012),
)
VEGETATION_EMISSIVITY = 0.985
# Surface minus air temperature (K) on a sunny afternoon, per cover type.
WARMING_K = {
    "soil": 14.0,
    "vegetation": 3.0,
    "concrete": 12.0,
    "aluminium": 18.0,
    "black_paint": 28.0,
    "rhyolite": 16.0,
    "loamy_sand": 22.0,
}
GRAIN_K = 1.5
# The sun's elevation scales the warming: WARMING_K holds at this solar zenith.
REFERENCE_SOLAR_ZENITH_DEG = 20.0
DRYNESS_SPREAD = 0.35
DRYNESS_WAVES = 6
DRYNESS_WAVELENGTH_M = (60.0, 400.0)
STATION_ERROR_K = 0.5
SATURATION_TEMPERATURE_K = 400.0
VNIR_NM = np.array([470.0, 550.0, 650.0, 850.0])


@dataclass(frozen=True)
class Weather:
    """One pass's air temperature (K), path transmittance, station reading (K) and dryness field."""

    air_temperature_k: float
    atmosphere_transmittance: float
    station_air_temperature_k: float
    # Plane waves of the dryness field: wavenumber east and north (rad/m) and phase, (DRYNESS_WAVES, 3).
    dryness_waves: np.ndarray


def thermal_emitters() -> tuple:
    """The thermal emitter table with gases the library lacks replaced by their fallbacks."""
    have = set(library_gases("lwir"))
    return tuple(
        (i, g if g in have else FALLBACK_GAS[g], kind, rates) for i, g, kind, rates in THERMAL_EMITTERS
    )


def pass_weather(rng: np.random.Generator) -> Weather:
    """A summer day: air 295-308 K, window transmittance 0.85-0.93 below a low aircraft, a dryness field."""
    air = float(rng.uniform(295.0, 308.0))
    transmittance = float(rng.uniform(0.85, 0.93))
    station = air + STATION_ERROR_K * float(rng.standard_normal())
    direction = rng.uniform(0.0, 2.0 * np.pi, DRYNESS_WAVES)
    wavenumber = 2.0 * np.pi / rng.uniform(*DRYNESS_WAVELENGTH_M, DRYNESS_WAVES)
    phase = rng.uniform(0, 2 * np.pi, DRYNESS_WAVES)
    waves = np.stack([wavenumber * np.sin(direction), wavenumber * np.cos(direction), phase], axis=1)
    return Weather(air, transmittance, station, waves)


def header_fields(weather: Weather) -> dict[str, float]:
    """ENVI header fields a thermal flight line carries: the station's air temperature (K)."""
    return {"air temperature k": round(weather.station_air_temperature_k, 2)}


def dryness(weather: Weather, east_m: np.ndarray, north_m: np.ndarray) -> np.ndarray:
    """Relative surface warming from soil moisture at ground points: mean 1, >= 0 (0: wet ground)."""
    ke, kn, phase = weather.dryness_waves.T
    field = np.cos(east_m[..., None] * ke + north_m[..., None] * kn + phase).sum(axis=-1)
    return np.maximum(1.0 + DRYNESS_SPREAD * field / np.sqrt(0.5 * len(ke)), 0.0)


def thermal_block(
    plan: SurveyPlan,
    geometry: LineGeometry,
    rows: slice,
    *,
    columns: dict[str, np.ndarray],
    weather: Weather,
    rng: np.random.Generator,
) -> np.ndarray:
    """Noisy at-sensor radiance (lines, samples, bands) in W m-2 sr-1 um-1, float32, for some scan lines."""
    spec = get_sensor(plan.sensor)
    wl = spec.wavelength_nm
    east, north = geometry.east_m[rows], geometry.north_m[rows]
    texture = jasper_ridge_texture(VNIR_NM)
    vnir = texture.reflectance(texture_scores(plan.ground, texture, east, north))
    # Vegetation as thin as in the SWIR ground (water and most plant cover turned to soil).
    _, vegetation, _ = land_cover(vnir, VNIR_NM)
    vegetation = (1.0 - SOIL_SHARE_OF_VEGETATION) * vegetation
    soil_eps = 1.0 - soil_spectrum(wl)
    emissivity = vegetation[..., None] * VEGETATION_EMISSIVITY + (1.0 - vegetation[..., None]) * soil_eps
    warming = vegetation * WARMING_K["vegetation"] + (1.0 - vegetation) * WARMING_K["soil"]
    flare = np.zeros(east.shape)
    for patch in plan.ground.patches:
        cover = cover_fraction(patch, east, north, plan.pixel_size_m)
        if patch.material == "flare":
            flare += cover
            continue
        if cover.any():
            eps = 1.0 - lab_reflectance(patch.material, wl)
            emissivity = (1.0 - cover[..., None]) * emissivity + cover[..., None] * eps
            warming = (1.0 - cover) * warming + cover * WARMING_K.get(patch.material, WARMING_K["soil"])
    # The brightness grain of the SWIR ground doubles as small temperature differences (shade, moisture).
    warming = warming + GRAIN_K * (grain_at(plan.ground, east, north) - 1.0) / GRAIN_SIGMA
    sun = max(np.cos(np.deg2rad(geometry.solar_zenith_deg)), 0.0) / np.cos(
        np.deg2rad(REFERENCE_SOLAR_ZENITH_DEG)
    )
    warming = warming * sun * dryness(weather, east, north)
    air = weather.air_temperature_k
    radiance = lwir_radiance(
        air + warming,
        emissivity,
        wl,
        spec.fwhm_nm,
        plume_temperature_k=air,
        columns_ppmm=columns,
        view_zenith_deg=float(np.median(geometry.view_zenith_deg[rows])),
        atmosphere_transmittance=weather.atmosphere_transmittance,
        air_temperature_k=air,
    )
    if flare.any():
        radiance = radiance + flare[..., None] * planck_radiance(wl, FLARE_TEMPERATURE_K)
    saturation = planck_radiance(wl, SATURATION_TEMPERATURE_K)
    return np.minimum(add_noise(plan.sensor, radiance.astype(np.float32), rng), saturation.astype(np.float32))
