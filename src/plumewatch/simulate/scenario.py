"""The plan of a simulated survey: the area, its emitters and decoys, and how each overflight is flown.

Everything here is drawn from the seed and nothing is rendered: ``plan_survey``
returns the whole story (where, what, how much, when, which wind) that
``plumewatch.simulate.survey`` then turns into radiance and truth files.

The layout scales with the footprint: every emitter and decoy lies inside the
disk that all overflights see whatever their heading (the flight lines differ in
heading, offset, day, time of day and wind), emitters on an inner ring, decoys on
an outer one, so no decoy sits within a site-matching radius of an emitter.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from scipy.ndimage import gaussian_filter

from plumewatch.errors import SimulationError
from plumewatch.simulate.geometry import LinePlan, solar_angles_deg
from plumewatch.simulate.ground import Cloud, Ground, Patch

log = logging.getLogger(__name__)

# Area centre: the oil fields north of Bakersfield, California, flown by AVIRIS-NG campaigns.
AREA_LON_DEG, AREA_LAT_DEG = -119.03, 35.43
FIRST_DAY = datetime(2026, 6, 11, tzinfo=UTC)
TERRAIN_M = 150.0
GROUND_SPEED_M_S = {"avirisng": 60.0, "hytes": 60.0, "emit": 7200.0}
# Emission-rate ranges (kg/h) per emitter kind, scaled per sensor: EMIT's 60 m pixels dilute a plume
# 144 times more than 5 m pixels do, so its emitters are the large ones it can see.
EMITTERS = (
    ("E1", "ch4", "well_pad", (150.0, 400.0)),
    ("E2", "ch4", "compressor_station", (400.0, 800.0)),
    ("E3", "co2", "gas_power_plant", (100_000.0, 160_000.0)),
)
RATE_SCALE = {"avirisng": 1.0, "hytes": 1.0, "emit": 8.0}
# The second emitter of a table is intermittent: off on about half the passes.
INTERMITTENT_INDEX = 1
# Decoys: (id, material, shape, radius as a fraction of the common radius)
DECOYS = (
    ("D1", "concrete", "square", 0.08),
    ("D2", "black_paint", "square", 0.05),
    ("D3", "aluminium", "square", 0.05),
    ("D4", "quartz", "disk", 0.07),
    ("D5", "dark_oxide", "disk", 0.07),
    ("D6", "flare", "disk", 0.012),
)
PAD_MATERIAL = "loamy_sand"
MIN_PIXELS = 24
# One Jasper Ridge pixel spans this many sensor pixels: its AVIRIS pixels were coarser than 5 m, and a
# larger tile hides the mirroring that lets the 100 x 100 cube cover any area.
TEXTURE_CELL_PIXELS = 2.0
GRAIN_SIGMA = 0.05
# Two plumes of one gas must not run into each other's source: winds within this angle of the line
# joining two same-gas emitters are redrawn.
MIN_WIND_OFFSET_DEG = 40.0


@dataclass(frozen=True)
class Emitter:
    """A truth emitter: id, gas, kind, position (m east/north of the area centre), rate per pass (kg/h)."""

    site_id: str
    gas: str
    kind: str
    east_m: float
    north_m: float
    emission_kg_h: tuple[float, ...]


@dataclass(frozen=True)
class PassPlan:
    """One overflight: how it is flown, true wind and stability, reported wind, weather, optional cloud."""

    line: LinePlan
    wind_speed_m_s: float
    wind_from_deg: float
    stability: str
    reported_speed_m_s: float
    reported_from_deg: float
    reported_speed_sigma_m_s: float
    water_vapour_cm: float
    cloud: Cloud | None = None


@dataclass(frozen=True)
class SurveyPlan:
    """The whole survey: area centre, ground, emitters, decoy patches and passes."""

    sensor: str
    lon_deg: float
    lat_deg: float
    pixel_size_m: float
    ground: Ground
    emitters: tuple[Emitter, ...]
    decoys: tuple[Patch, ...]
    passes: tuple[PassPlan, ...]


def plan_survey(
    rng: np.random.Generator,
    *,
    sensor: str,
    n_passes: int,
    lines: int,
    samples: int,
    pixel_size_m: float,
    height_m: float,
    emitter_table: tuple = EMITTERS,
    decoy_table: tuple = DECOYS,
    cloud: bool = True,
) -> SurveyPlan:
    """The area, emitters, decoys and overflights of a survey, drawn from ``rng``.

    ``emitter_table`` rows are (id, gas, kind, (min, max) kg/h), ``decoy_table`` rows (id, material,
    shape, radius as a fraction of the common radius); ``cloud`` puts a cloud over the second pass.
    """
    if n_passes < 2:
        raise SimulationError(
            f"a survey needs at least 2 passes (one emitter is off on some), not {n_passes}"
        )
    if min(lines, samples) < MIN_PIXELS:
        raise SimulationError(
            f"flight lines of {lines} x {samples} pixels are too small: each side needs at least "
            f"{MIN_PIXELS} pixels to hold the emitters and decoys"
        )
    if not pixel_size_m > 0:
        raise SimulationError(f"pixel size must be positive, not {pixel_size_m} m")
    half_min_m = 0.5 * min(lines, samples) * pixel_size_m
    max_offset_m = 0.06 * half_min_m
    common_m = half_min_m - np.sqrt(2) * max_offset_m - 2 * pixel_size_m
    lon_deg, lat_deg = AREA_LON_DEG + rng.uniform(-0.05, 0.05), AREA_LAT_DEG + rng.uniform(-0.05, 0.05)
    spin = rng.uniform(0, 360)
    first_heading = rng.uniform(0, 360)
    emitters = _emitters(rng, emitter_table, sensor, n_passes, common_m, spin)
    decoys = tuple(
        Patch(
            decoy_id,
            material,
            0.88 * common_m * np.sin(np.deg2rad(spin + 60 * i)),
            0.88 * common_m * np.cos(np.deg2rad(spin + 60 * i)),
            max(fraction * common_m, 0.4 * pixel_size_m),
            shape,
            float(rng.uniform(0, 90)),
        )
        for i, (decoy_id, material, shape, fraction) in enumerate(decoy_table)
    )
    pads = tuple(
        Patch(f"pad-{e.site_id}", PAD_MATERIAL, e.east_m, e.north_m, 0.1 * common_m, "disk") for e in emitters
    )
    ground = Ground(
        texture_cell_m=TEXTURE_CELL_PIXELS * pixel_size_m,
        texture_angle_deg=float(rng.uniform(0, 360)),
        texture_offset_px=(float(rng.uniform(0, 200)), float(rng.uniform(0, 200))),
        patches=pads + decoys,
        grain=_grain(rng, lines, samples),
        grain_cell_m=pixel_size_m,
    )
    passes = tuple(
        _pass(
            rng,
            k,
            n_passes,
            sensor=sensor,
            lines=lines,
            samples=samples,
            pixel_size_m=pixel_size_m,
            height_m=height_m,
            max_offset_m=max_offset_m,
            emitters=emitters,
            lon_lat=(lon_deg, lat_deg),
            first_heading=first_heading,
            with_cloud=cloud,
        )
        for k in range(n_passes)
    )
    return SurveyPlan(sensor, lon_deg, lat_deg, pixel_size_m, ground, emitters, decoys, passes)


def _grain(rng, lines: int, samples: int) -> np.ndarray:
    """Relative brightness (mean 1, 5 % spread, lightly smoothed) on pixel-sized cells over the area."""
    n = int(1.6 * max(lines, samples)) + 8
    field = gaussian_filter(rng.standard_normal((n, n)), 0.7)
    return (1.0 + GRAIN_SIGMA * field / field.std()).astype(np.float32)


def stability_class(wind_speed_m_s: float) -> str:
    """Pasquill-Gifford class for a sunny day (moderate insolation) at this 10 m wind speed.

    Pasquill (1961) / Turner (1970): < 2 m/s A-B, 2-3 B, 3-5 B-C, 5-6 C-D, > 6 D; the
    mixed classes are taken as the more stable one.
    """
    if wind_speed_m_s < 3.0:
        return "B"
    if wind_speed_m_s < 5.0:
        return "C"
    return "D"


def _emitters(
    rng, table: tuple, sensor: str, n_passes: int, common_m: float, spin: float
) -> tuple[Emitter, ...]:
    off = rng.permutation(n_passes)[: max(1, n_passes // 2)]
    emitters = []
    for i, (site_id, gas, kind, (lo, hi)) in enumerate(table):
        base = rng.uniform(lo, hi) * RATE_SCALE.get(sensor, 1.0)
        rates = base * rng.uniform(0.8, 1.2, n_passes)
        if i == INTERMITTENT_INDEX:
            rates[off] = 0.0
        angle = np.deg2rad(spin + 30 + 360.0 / len(table) * i)
        radius = 0.5 * common_m
        emitters.append(
            Emitter(
                site_id,
                gas,
                kind,
                radius * np.sin(angle),
                radius * np.cos(angle),
                tuple(float(round(r, 1)) for r in rates),
            )
        )
    return tuple(emitters)


def _pass(
    rng,
    k: int,
    n_passes: int,
    *,
    sensor,
    lines,
    samples,
    pixel_size_m,
    height_m,
    max_offset_m,
    emitters,
    lon_lat,
    first_heading,
    with_cloud,
):
    day = FIRST_DAY + timedelta(days=int(3 * k + rng.integers(0, 3)))
    start = day + timedelta(hours=float(rng.uniform(17.0, 21.5)))
    start = start.replace(microsecond=0)
    # Headings spread over half a turn and alternate in direction, as a pilot crossing an area would fly.
    heading = first_heading + 180.0 / n_passes * k + 180.0 * (k % 2) + rng.uniform(-8, 8)
    name = start.strftime("pw%Y%m%dt%H%M%S")
    line = LinePlan(
        name=name,
        start=start,
        heading_deg=float(heading % 360.0),
        centre_east_m=float(rng.uniform(-max_offset_m, max_offset_m)),
        centre_north_m=float(rng.uniform(-max_offset_m, max_offset_m)),
        lines=lines,
        samples=samples,
        pixel_size_m=pixel_size_m,
        height_m=height_m,
        ground_speed_m_s=GROUND_SPEED_M_S.get(sensor, 60.0),
        terrain_m=TERRAIN_M,
    )
    speed = float(rng.uniform(2.5, 5.5))
    wind_from = _clear_wind(rng, emitters)
    reported_speed = max(0.5, speed + rng.normal(0, 0.4))
    cloud = _cloud(rng, line, solar_angles_deg(start, *lon_lat)) if k == 1 and with_cloud else None
    return PassPlan(
        line=line,
        wind_speed_m_s=round(speed, 2),
        wind_from_deg=round(wind_from, 1),
        stability=stability_class(speed),
        reported_speed_m_s=round(reported_speed, 2),
        reported_from_deg=round((wind_from + rng.normal(0, 6)) % 360, 1),
        reported_speed_sigma_m_s=round(0.15 * reported_speed + 0.3, 2),
        water_vapour_cm=round(float(rng.uniform(0.8, 2.5)), 2),
        cloud=cloud,
    )


def _clear_wind(rng, emitters) -> float:
    """A wind direction (from, deg) that carries no plume onto another emitter of the same gas."""
    chords = [
        np.rad2deg(np.arctan2(b.east_m - a.east_m, b.north_m - a.north_m))
        for a in emitters
        for b in emitters
        if a is not b and a.gas == b.gas
    ]
    for _ in range(1000):
        wind_from = float(rng.uniform(0, 360))
        blows_to = wind_from + 180.0
        if all(abs((blows_to - c + 180) % 360 - 180) > MIN_WIND_OFFSET_DEG for c in chords):
            return wind_from
    raise RuntimeError("no clear wind direction found")


def _cloud(rng, line: LinePlan, sun_deg: tuple[float, float]) -> Cloud:
    """A low cloud over one end of a flight line: the end whose shadow falls farther from the emitters."""
    extent_m = 0.5 * line.lines * line.pixel_size_m
    heading = np.deg2rad(line.heading_deg)
    radius = 0.3 * line.samples * line.pixel_size_m
    height_m = 600.0
    reach = height_m * np.tan(np.deg2rad(sun_deg[0]))
    away_e, away_n = -reach * np.sin(np.deg2rad(sun_deg[1])), -reach * np.cos(np.deg2rad(sun_deg[1]))
    ends = []
    for side in (1.0, -1.0):
        east = line.centre_east_m + side * 0.85 * extent_m * np.sin(heading)
        north = line.centre_north_m + side * 0.85 * extent_m * np.cos(heading)
        ends.append((np.hypot(east + away_e, north + away_n), east, north))
    _, east, north = max(ends)
    return Cloud(
        east_m=float(east),
        north_m=float(north),
        radius_m=radius,
        edge_m=max(3 * line.pixel_size_m, 0.15 * radius),
        height_m=height_m,
        wobble_phase=tuple(float(p) for p in rng.uniform(0, 2 * np.pi, 4)),
    )
