"""Writers for one simulated flight line: radiance, geometry companions, truth maps, telemetry, wind.

File layout and formats are those ``plumewatch.simulate.survey`` documents; every
file goes through an atomic writer of ``plumewatch.io``.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyproj

from plumewatch.atomic import atomic_path
from plumewatch.geo.footprint import utm_crs_for
from plumewatch.io.envi import write_envi
from plumewatch.io.geotiff import write_retrieval_geotiff
from plumewatch.io.telemetry import write_klv, write_track_csv
from plumewatch.io.track import Track
from plumewatch.simulate.geometry import LineGeometry
from plumewatch.simulate.scenario import PassPlan
from plumewatch.spectra import get_sensor

log = logging.getLogger(__name__)

KLV_INTERVAL_S = 0.25
ST0601_MAX_ALTITUDE_M = 19_000.0


def write_line(
    out: Path,
    line_plan,
    geometry: LineGeometry,
    radiance: np.ndarray,
    columns: dict[str, np.ndarray],
    pass_plan: PassPlan,
    *,
    sensor: str,
    convergence_deg: float = 0.0,
    header_fields: dict | None = None,
) -> None:
    """Write one line's radiance, _loc, _obs, truth maps and telemetry (CSV, KLV) into the survey folder.

    ``convergence_deg`` turns the plan's grid wind direction into the true-north one telemetry carries;
    ``header_fields`` are extra keys for the radiance header (a thermal line's air temperature).
    """
    spec = get_sensor(sensor)
    name = line_plan.name
    common = {"acquisition time": line_plan.start.strftime("%Y-%m-%dT%H:%M:%SZ"), "sensor type": spec.name}
    write_envi(
        out / "lines" / f"{name}_rdn.hdr",
        radiance,
        metadata={
            **common,
            "description": f"plumewatch simulated radiance, {spec.name}, pass {name}",
            "wavelength": list(np.round(spec.wavelength_nm, 4)),
            "fwhm": list(np.round(spec.fwhm_nm, 4)),
            "bbl": [int(b) for b in spec.good_bands],
            "radiance units": spec.radiance_units,
            **(header_fields or {}),
        },
    )
    loc = np.stack([geometry.lon_deg, geometry.lat_deg, geometry.elevation_m], axis=-1)
    write_envi(
        out / "lines" / f"{name}_loc.hdr",
        loc.astype(np.float64),
        metadata={
            **common,
            "description": "per-pixel ground position, WGS84",
            "band names": ["Longitude", "Latitude", "Elevation"],
        },
    )
    _write_igm(out / "lines" / f"{name}_igm.hdr", geometry, common)
    write_envi(
        out / "lines" / f"{name}_obs.hdr",
        _obs_bands(geometry),
        metadata={
            **common,
            "description": "observation geometry (AVIRIS-NG obs layout)",
            "band names": list(OBS_BANDS),
        },
    )
    for gas, column in columns.items():
        write_retrieval_geotiff(
            out / "truth" / f"{name}_{gas}.tif",
            column.astype(np.float32),
            np.zeros(column.shape, np.float32),
            lon_deg=geometry.lon_deg,
            lat_deg=geometry.lat_deg,
            tags={"gas": gas, "units": "ppm m", "scene": name, "quantity": "true vertical column"},
        )
    write_track_csv(out / "telemetry" / f"{name}.csv", geometry.track)
    if klv_possible(line_plan):
        _write_klv(
            out / "telemetry" / f"{name}.klv",
            line_plan,
            geometry,
            pass_plan,
            sensor_name=spec.name,
            convergence_deg=convergence_deg,
        )


def _write_igm(path: Path, geometry: LineGeometry, common: dict) -> None:
    """The same ground positions as map coordinates (UTM easting, northing, elevation), as AVIRIS-NG ships."""
    crs = utm_crs_for(float(np.median(geometry.lon_deg)), float(np.median(geometry.lat_deg)))
    to_map = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    easting, northing = to_map.transform(geometry.lon_deg, geometry.lat_deg)
    write_envi(
        path,
        np.stack([easting, northing, geometry.elevation_m], axis=-1).astype(np.float64),
        metadata={
            **common,
            "description": f"per-pixel ground position, {crs.name}",
            "band names": ["Easting", "Northing", "Elevation"],
            "coordinate system string": crs.to_wkt(),
        },
    )


def klv_possible(line_plan) -> bool:
    """ST 0601 is a UAS datalink: it cannot carry a platform above 19 km (EMIT flies on the ISS)."""
    return line_plan.terrain_m + line_plan.height_m <= ST0601_MAX_ALTITUDE_M


def _write_klv(
    path: Path,
    line_plan,
    geometry: LineGeometry,
    pass_plan: PassPlan,
    *,
    sensor_name: str,
    convergence_deg: float,
) -> None:
    # KLV streams report a few fixes a second, not one per scan line; the last scan line's fix is kept
    # so that the stream spans the whole line.
    every = max(1, int(round(KLV_INTERVAL_S * line_plan.ground_speed_m_s / line_plan.pixel_size_m)))
    rows = np.union1d(np.arange(0, len(geometry.track), every), [len(geometry.track) - 1])
    track = _fixes(geometry.track, rows)
    # The boresight falls between the two middle samples when there is an even number of them.
    middle = [(geometry.shape[1] - 1) // 2, geometry.shape[1] // 2]
    lines = len(track)
    write_klv(
        path,
        track,
        platform="plumewatch-sim",
        mission_id=line_plan.name,
        image_source_sensor=sensor_name,
        security={"classification": "UNCLASSIFIED", "classifying_country": "//USA"},
        fields={
            "sensor_hfov_deg": np.full(
                lines, np.rad2deg(geometry.shape[1] * line_plan.pixel_size_m / line_plan.height_m)
            ),
            "sensor_rel_elevation_deg": np.full(lines, -90.0),
            "frame_center_lat_deg": geometry.lat_deg[rows][:, middle].mean(axis=1),
            "frame_center_lon_deg": geometry.lon_deg[rows][:, middle].mean(axis=1),
            "frame_center_elev_m": geometry.elevation_m[rows][:, middle].mean(axis=1),
            "wind_from_deg": np.full(lines, (pass_plan.reported_from_deg + convergence_deg) % 360.0),
            "wind_speed_m_s": np.full(lines, pass_plan.reported_speed_m_s),
            "ground_speed_m_s": np.full(lines, line_plan.ground_speed_m_s),
            # The simulated altitude is ellipsoidal, which tag 75 names; with no geoid model shipped,
            # tag 15 (mean sea level by the standard) carries the same number.
            "sensor_ellipsoid_height_m": track.alt_m,
        },
    )


def _fixes(track: Track, pick: np.ndarray) -> Track:
    """The track keeping only the fixes at indices ``pick``."""
    return replace(
        track,
        time=track.time[pick],
        lon_deg=track.lon_deg[pick],
        lat_deg=track.lat_deg[pick],
        alt_m=track.alt_m[pick],
        heading_deg=track.heading_deg[pick],
        pitch_deg=track.pitch_deg[pick],
        roll_deg=track.roll_deg[pick],
    )


OBS_BANDS = (
    "Path length (m)",
    "To-sensor azimuth (0 to 360 degrees cw from N)",
    "To-sensor zenith (0 to 90 degrees from zenith)",
    "To-sun azimuth (0 to 360 degrees cw from N)",
    "To-sun zenith (0 to 90 degrees from zenith)",
    "Solar phase",
    "Slope",
    "Aspect",
    "Cosine(i)",
    "UTC Time",
    "Earth-sun distance (AU)",
)


def _obs_bands(geometry: LineGeometry) -> np.ndarray:
    """The 11 AVIRIS-NG observation bands (line, sample, 11) for a flat surface, float64.

    Float32 would round the UTC time (decimal hours) to ~7 ms steps, enough to push the last line past
    the end of its telemetry.
    """
    shape = geometry.shape
    sza, saz = geometry.solar_zenith_deg, geometry.solar_azimuth_deg
    vza, vaz = np.deg2rad(geometry.view_zenith_deg), np.deg2rad(geometry.view_azimuth_deg)
    s, v = np.deg2rad(sza), np.deg2rad(saz)
    cos_phase = np.cos(s) * np.cos(vza) + np.sin(s) * np.sin(vza) * np.cos(v - vaz)
    hours = (geometry.line_time - geometry.line_time.astype("datetime64[D]")) / np.timedelta64(1, "h")
    bands = [
        geometry.path_length_m,
        geometry.view_azimuth_deg,
        geometry.view_zenith_deg,
        np.full(shape, saz),
        np.full(shape, sza),
        np.rad2deg(np.arccos(np.clip(cos_phase, -1, 1))),
        np.zeros(shape),
        np.zeros(shape),
        np.full(shape, np.cos(s)),
        np.broadcast_to(hours[:, None], shape),
        # The forward model's sun is the 1 AU Kurucz spectrum, so the obs file says 1 AU too.
        np.full(shape, 1.0),
    ]
    return np.stack(bands, axis=-1).astype(np.float64)


def write_wind_csv(path: Path, passes, convergence_deg: float = 0.0) -> None:
    """Write the reported wind of every pass (name, time, speed, direction from true north, sigma, stability).

    ``convergence_deg`` turns the plan's grid directions into true-north ones.
    """
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "time_utc", "speed_m_s", "from_deg", "speed_sigma_m_s", "stability"])
        for p in passes:
            writer.writerow(
                [
                    p.line.name,
                    p.line.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    p.reported_speed_m_s,
                    round((p.reported_from_deg + convergence_deg) % 360.0, 1),
                    p.reported_speed_sigma_m_s,
                    p.stability,
                ]
            )
