"""Simulate a whole survey: every overflight's radiance, geometry, telemetry, wind and the truth.

``simulate_survey`` writes a survey folder that ``plumewatch.io.survey.read_survey``
and ``plumewatch.io.envi.open_envi`` read like real data::

    survey.json  truth.json  wind.csv
    lines/<name>_rdn.hdr/.img   radiance, float32 BIL, wavelength + fwhm + acquisition time in the header
    lines/<name>_loc.hdr/.img   lon, lat (WGS84 deg), elevation (m), float64
    lines/<name>_obs.hdr/.img   path length, to-sensor/to-sun azimuth and zenith, UTC time (AVIRIS-NG layout)
    telemetry/<name>.csv/.klv   the platform track (CSV, and MISB ST 0601 KLV)
    truth/<name>_<gas>.tif      true vertical column enhancement (ppm·m) on the line's pixel grid

Each line: the ground (real Jasper Ridge texture + lab surfaces) is sampled at the
line's own pixel positions; the plumes (turbulent puffs) are rendered on a fine
ground grid and averaged over each pixel; the band-level forward model from
``plumewatch.simulate.radiance`` turns both into radiance; sensor noise is added.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np
from scipy.ndimage import map_coordinates

from plumewatch.errors import SimulationError
from plumewatch.io.survey import MANIFEST_NAME, FlightLine, write_survey
from plumewatch.simulate.dispersion import Grid, column_ppmm, release_puffs, render_puffs
from plumewatch.simulate.geometry import LineGeometry, LocalFrame, fly_line
from plumewatch.simulate.ground import cloud_fraction, cover_fraction, ground_reflectance, shadow_fraction
from plumewatch.simulate.library import jasper_ridge_texture, lab_reflectance
from plumewatch.simulate.radiance import add_noise, build_radiance_model, line_radiance
from plumewatch.simulate.scenario import DECOYS, EMITTERS, PassPlan, SurveyPlan, plan_survey
from plumewatch.simulate.thermal import (
    THERMAL_DECOYS,
    header_fields,
    pass_weather,
    thermal_block,
    thermal_emitters,
)
from plumewatch.simulate.truth import TRUTH_NAME, TruthDecoy, TruthPass, TruthSite, write_truth
from plumewatch.simulate.writers import klv_possible, write_line, write_wind_csv
from plumewatch.spectra import get_sensor

log = logging.getLogger(__name__)

DEFAULT_PIXEL_SIZE_M = {"avirisng": 5.0, "emit": 60.0, "hytes": 2.0}
# Sub-pixel samples per axis when averaging the fine plume grid over a pixel.
PIXEL_SUBSAMPLES = 3
SOURCE_SIGMA_PIXELS = 0.4
LINES_PER_BLOCK = 16


def simulate_survey(
    out_dir: str | Path,
    *,
    seed: int = 0,
    sensor: str = "avirisng",
    n_passes: int = 4,
    lines: int = 300,
    samples: int = 150,
    pixel_size_m: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Write a simulated survey with known truth into ``out_dir``; returns the survey.json path.

    The folder must be new, empty or an earlier simulated survey (which is replaced);
    the survey is built beside it and moved into place whole, so a failed run leaves
    nothing behind.
    """
    say = progress or (lambda _msg: None)
    spec = get_sensor(sensor)
    thermal = spec.regime == "lwir"
    pixel_size_m = pixel_size_m or DEFAULT_PIXEL_SIZE_M.get(spec.name, 5.0)
    rng = np.random.default_rng(seed)
    plan = plan_survey(
        rng,
        sensor=spec.name,
        n_passes=n_passes,
        lines=lines,
        samples=samples,
        pixel_size_m=pixel_size_m,
        height_m=pixel_size_m / (spec.ifov_mrad * 1e-3),
        emitter_table=thermal_emitters() if thermal else EMITTERS,
        decoy_table=THERMAL_DECOYS if thermal else DECOYS,
        cloud=not thermal,
    )
    out = Path(out_dir)
    replacing = out.is_dir() and (out / MANIFEST_NAME).is_file() and (out / TRUTH_NAME).is_file()
    if out.exists() and not replacing and (not out.is_dir() or any(out.iterdir())):
        raise SimulationError(f"{out}: holds other files; simulate into a new or empty folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    try:
        _simulate_into(work, out.name, plan, seed, say)
        if replacing:
            # An earlier simulated survey is replaced whole, never merged with the new one.
            old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old."))
            os.replace(out, old / out.name)
            shutil.rmtree(old)
        os.replace(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return out / MANIFEST_NAME


def _simulate_into(work: Path, name: str, plan: SurveyPlan, seed: int, say: Callable[[str], None]) -> None:
    spec = get_sensor(plan.sensor)
    thermal = spec.regime == "lwir"
    for sub in ("lines", "telemetry", "truth"):
        (work / sub).mkdir()
    frame = LocalFrame(plan.lon_deg, plan.lat_deg)
    # Winds are planned on the UTM grid; every file reports them from true north.
    convergence_deg = float(frame.grid_factors(plan.lon_deg, plan.lat_deg)[0])
    texture = None if thermal else jasper_ridge_texture(spec.wavelength_nm)
    materials = {p.material for p in plan.ground.patches if p.material != "flare"} | {"cloud"}
    spectra = (
        {} if thermal else {m: lab_reflectance(m, spec.wavelength_nm).astype(np.float32) for m in materials}
    )
    gases = sorted({e.gas for e in plan.emitters})
    flight_lines, truth_passes = [], []
    for k, pass_plan in enumerate(plan.passes):
        started = time.perf_counter()
        line = pass_plan.line
        columns, air_temperature_k = _simulate_line(
            work, plan, pass_plan, k, frame, texture, spectra, gases, np.random.default_rng([seed, k])
        )
        flight_lines.append(
            FlightLine(
                name=line.name,
                radiance=work / "lines" / f"{line.name}_rdn.hdr",
                acquired=line.start,
                wind_speed_m_s=pass_plan.reported_speed_m_s,
                wind_from_deg=round((pass_plan.reported_from_deg + convergence_deg) % 360.0, 1),
                wind_speed_sigma_m_s=pass_plan.reported_speed_sigma_m_s,
                telemetry=work / "telemetry" / f"{line.name}.{'klv' if klv_possible(line) else 'csv'}",
            )
        )
        truth_passes.append(
            TruthPass(
                name=line.name,
                acquired=line.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                wind_speed_m_s=pass_plan.wind_speed_m_s,
                wind_from_deg=round((pass_plan.wind_from_deg + convergence_deg) % 360.0, 2),
                enhancement_maps={g: f"truth/{line.name}_{g}.tif" for g in gases},
                air_temperature_k=air_temperature_k,
            )
        )
        peak = ", ".join(f"{g} max {np.max(c):.0f} ppm·m" for g, c in columns.items())
        say(
            f"  pass {k + 1}/{len(plan.passes)} {line.name}: heading {line.heading_deg:.0f} deg, "
            f"wind {pass_plan.wind_speed_m_s:.1f} m/s from {pass_plan.wind_from_deg:.0f} deg, {peak} "
            f"({time.perf_counter() - started:.1f} s)"
        )
    write_wind_csv(work / "wind.csv", plan.passes, convergence_deg)
    write_truth(work, _truth_sites(plan, frame), _truth_decoys(plan, frame), truth_passes)
    write_survey(work, name=name, sensor=spec.name, flight_lines=flight_lines)


def _simulate_line(
    out: Path,
    plan: SurveyPlan,
    pass_plan: PassPlan,
    k: int,
    frame: LocalFrame,
    texture,
    spectra: dict[str, np.ndarray],
    gases: list[str],
    rng: np.random.Generator,
) -> tuple[dict[str, np.ndarray], float | None]:
    """Simulate and write one flight line; returns its true columns (ppm·m) per gas, air temperature (K)."""
    line_plan = pass_plan.line
    spec = get_sensor(plan.sensor)
    geometry = fly_line(line_plan, frame, rng, source=out / "telemetry" / f"{line_plan.name}.csv")
    columns = {gas: _plume_columns(plan, pass_plan, k, gas, geometry, rng) for gas in gases}
    fields = None
    if spec.regime == "lwir":
        weather = pass_weather(rng)
        fields = header_fields(weather)
        block = partial(thermal_block, plan, geometry, weather=weather, rng=rng)
    else:
        model = build_radiance_model(
            plan.sensor,
            solar_zenith_deg=geometry.solar_zenith_deg,
            view_zenith_deg=float(np.median(geometry.view_zenith_deg)),
            gases=gases,
            sensor_altitude_m=line_plan.height_m,
            water_vapour_cm=pass_plan.water_vapour_cm,
        )
        block = partial(
            _radiance_block, plan, pass_plan, geometry, texture=texture, spectra=spectra, model=model, rng=rng
        )
    radiance = np.empty((line_plan.lines, line_plan.samples, spec.bands), dtype=np.float32)
    # Blocks of scan lines keep the temporaries small enough to stay in cache.
    for start in range(0, line_plan.lines, LINES_PER_BLOCK):
        rows = slice(start, start + LINES_PER_BLOCK)
        radiance[rows] = block(rows, columns={g: c[rows] for g, c in columns.items()})
    convergence_deg = float(frame.grid_factors(plan.lon_deg, plan.lat_deg)[0])
    write_line(
        out,
        line_plan,
        geometry,
        radiance,
        columns,
        pass_plan,
        sensor=plan.sensor,
        convergence_deg=convergence_deg,
        header_fields=fields,
    )
    return columns, (weather.air_temperature_k if spec.regime == "lwir" else None)


def _radiance_block(
    plan: SurveyPlan,
    pass_plan: PassPlan,
    geometry: LineGeometry,
    rows: slice,
    *,
    texture,
    spectra: dict[str, np.ndarray],
    model,
    columns: dict[str, np.ndarray],
    rng: np.random.Generator,
) -> np.ndarray:
    """Noisy at-sensor radiance (lines, samples, bands), float32, for a block of scan lines."""
    east, north = geometry.east_m[rows], geometry.north_m[rows]
    reflectance = ground_reflectance(plan.ground, texture, spectra, east, north, plan.pixel_size_m)
    shadow = None
    if pass_plan.cloud is not None:
        cover = cloud_fraction(pass_plan.cloud, east, north).astype(np.float32)
        reflectance = (1 - cover[..., None]) * reflectance + cover[..., None] * spectra["cloud"]
        shadow = shadow_fraction(
            pass_plan.cloud,
            east,
            north,
            solar_zenith_deg=geometry.solar_zenith_deg,
            solar_azimuth_deg=geometry.solar_azimuth_deg,
        ) * (1 - cover)
    flare = sum(
        cover_fraction(p, east, north, plan.pixel_size_m) for p in plan.decoys if p.material == "flare"
    )
    radiance = line_radiance(
        model, reflectance, columns, shadow=shadow, flare_fraction=flare if np.any(flare) else None
    )
    return np.minimum(add_noise(plan.sensor, radiance, rng), model.saturation)


def _plume_columns(
    plan: SurveyPlan, pass_plan: PassPlan, k: int, gas: str, geometry: LineGeometry, rng: np.random.Generator
) -> np.ndarray:
    """True vertical column enhancement (ppm·m) of ``gas`` averaged over each pixel of the line."""
    east, north = geometry.east_m, geometry.north_m
    emitting = [e for e in plan.emitters if e.gas == gas and e.emission_kg_h[k] > 0]
    if not emitting:
        return np.zeros(east.shape)
    spacing = plan.pixel_size_m / 2
    margin = 2 * plan.pixel_size_m
    x0, y0 = east.min() - margin, north.min() - margin
    grid = Grid(
        x0,
        y0,
        spacing,
        int(np.ceil((east.max() + margin - x0) / spacing)),
        int(np.ceil((north.max() + margin - y0) / spacing)),
    )
    reach_m = np.hypot(east.max() - east.min(), north.max() - north.min())
    field = np.zeros((grid.ny, grid.nx))
    for emitter in emitting:
        puffs = release_puffs(
            emitter.emission_kg_h[k],
            pass_plan.wind_speed_m_s,
            pass_plan.wind_from_deg,
            duration_s=(reach_m + 4 * plan.pixel_size_m) / pass_plan.wind_speed_m_s,
            rng=rng,
            stability=pass_plan.stability,
            source_sigma_m=SOURCE_SIGMA_PIXELS * plan.pixel_size_m,
        )
        field += render_puffs(
            replace(puffs, x_m=puffs.x_m + emitter.east_m, y_m=puffs.y_m + emitter.north_m), grid
        )
    heading = np.deg2rad(pass_plan.line.heading_deg)
    steps = (np.arange(PIXEL_SUBSAMPLES) + 0.5) / PIXEL_SUBSAMPLES - 0.5
    total = np.zeros(east.shape)
    for a in steps:
        for c in steps:
            de = plan.pixel_size_m * (a * np.sin(heading) + c * np.cos(heading))
            dn = plan.pixel_size_m * (a * np.cos(heading) - c * np.sin(heading))
            rows, cols = grid.fractional_index(east + de, north + dn)
            total += map_coordinates(field, [rows.ravel(), cols.ravel()], order=1, mode="constant").reshape(
                east.shape
            )
    return column_ppmm(total / PIXEL_SUBSAMPLES**2, gas)


def _truth_sites(plan: SurveyPlan, frame: LocalFrame) -> list[TruthSite]:
    sites = []
    for e in plan.emitters:
        lon, lat = frame.lonlat(e.east_m, e.north_m)
        sites.append(TruthSite(e.site_id, e.gas, float(lon), float(lat), list(e.emission_kg_h), e.kind))
    return sites


def _truth_decoys(plan: SurveyPlan, frame: LocalFrame) -> list[TruthDecoy]:
    decoys = []
    for d in plan.decoys:
        lon, lat = frame.lonlat(d.east_m, d.north_m)
        decoys.append(TruthDecoy(d.patch_id, d.material, float(lon), float(lat), float(d.radius_m)))
    for p in plan.passes:
        if p.cloud is not None:
            lon, lat = frame.lonlat(p.cloud.east_m, p.cloud.north_m)
            decoys.append(
                TruthDecoy(f"C-{p.line.name}", "cloud", float(lon), float(lat), float(p.cloud.radius_m))
            )
    return decoys
