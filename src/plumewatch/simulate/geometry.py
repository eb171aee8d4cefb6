"""Pushbroom viewing geometry of a simulated flight line: where each pixel lands, when, and the sun.

A line is flown straight at constant ground speed and height; each scan line is
one exposure, each sample one detector element with its own view angle across
track, sample 0 on the left of the flight direction. Small attitude jitter (roll,
pitch, yaw as slow random processes) moves the footprints as it does on a real
aircraft; the jitter is in the telemetry and in the per-pixel positions, so
georeferencing from either agrees. Positions are metres east/north of the area's
centre in its UTM zone, then WGS84 lon/lat.

Conventions are MISB ST 0601's, as the telemetry written is ST 0601: roll is
positive right wing down (which swings a nadir-looking sensor to the LEFT), pitch
positive nose up, and heading is from TRUE north. Plans are laid out on the UTM
grid, so a plan's heading is a grid azimuth; the telemetry heading adds the grid's
meridian convergence, and ground offsets (true metres) are scaled by the grid's
point scale factor before they are added to grid coordinates.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyproj

from plumewatch.geo.footprint import utm_crs_for
from plumewatch.io.track import Track
from plumewatch.simulate.dispersion import ornstein_uhlenbeck

log = logging.getLogger(__name__)

# 1-sigma attitude jitter of a stabilised mount (degrees) and its correlation time (s).
ATTITUDE_SIGMA_DEG = {"roll": 0.02, "pitch": 0.02, "yaw": 0.05}
ATTITUDE_TIME_S = 3.0


@dataclass(frozen=True)
class LinePlan:
    """How one flight line is flown: start time, heading, centre offset, size and platform height/speed.

    ``heading_deg`` is clockwise from UTM grid north (the plan's frame); ``centre_*_m`` are grid
    metres from the area's centre; ``pixel_size_m``, ``height_m`` and the speed are true metres.
    """

    name: str
    start: datetime
    heading_deg: float
    centre_east_m: float
    centre_north_m: float
    lines: int
    samples: int
    pixel_size_m: float
    height_m: float
    ground_speed_m_s: float
    terrain_m: float = 0.0


@dataclass(frozen=True)
class LineGeometry:
    """Where and how one flight line looked: per-pixel ground positions and angles, and the platform track."""

    east_m: np.ndarray
    north_m: np.ndarray
    lon_deg: np.ndarray
    lat_deg: np.ndarray
    elevation_m: np.ndarray
    view_zenith_deg: np.ndarray
    view_azimuth_deg: np.ndarray
    path_length_m: np.ndarray
    solar_zenith_deg: float
    solar_azimuth_deg: float
    line_time: np.ndarray
    track: Track

    @property
    def shape(self) -> tuple[int, int]:
        """(lines, samples)."""
        return self.east_m.shape


class LocalFrame:
    """Metres east/north of a centre point in its UTM zone, and their WGS84 lon/lat."""

    def __init__(self, lon_deg: float, lat_deg: float):
        self.lon_deg, self.lat_deg = lon_deg, lat_deg
        self.crs = utm_crs_for(lon_deg, lat_deg)
        self._to_lonlat = pyproj.Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)
        self._projection = pyproj.Proj(self.crs)
        to_utm = pyproj.Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)
        self.east0_m, self.north0_m = to_utm.transform(lon_deg, lat_deg)

    def lonlat(self, east_m: np.ndarray, north_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """WGS84 lon/lat (deg) of local east/north offsets (m)."""
        lon, lat = self._to_lonlat.transform(
            np.asarray(east_m) + self.east0_m, np.asarray(north_m) + self.north0_m
        )
        return np.asarray(lon), np.asarray(lat)

    def grid_factors(self, lon_deg: np.ndarray, lat_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Meridian convergence (deg, true azimuth minus grid azimuth) and point scale (grid m per m)."""
        factors = self._projection.get_factors(lon_deg, lat_deg)
        return np.asarray(factors.meridian_convergence), np.asarray(factors.meridional_scale)


def fly_line(
    plan: LinePlan, frame: LocalFrame, rng: np.random.Generator, *, source: Path | None = None
) -> LineGeometry:
    """Per-pixel geometry and platform track of one flight line flown as planned."""
    lines, samples = plan.lines, plan.samples
    line_period_s = plan.pixel_size_m / plan.ground_speed_m_s
    seconds = np.arange(lines) * line_period_s
    roll, pitch, yaw = (
        ornstein_uhlenbeck(lines, line_period_s, ATTITUDE_TIME_S, ATTITUDE_SIGMA_DEG[k], rng)
        for k in ("roll", "pitch", "yaw")
    )
    offset_m = (np.arange(lines) - (lines - 1) / 2) * plan.pixel_size_m
    centre_lon, centre_lat = frame.lonlat(plan.centre_east_m, plan.centre_north_m)
    _, line_scale = frame.grid_factors(centre_lon, centre_lat)
    plan_heading = np.deg2rad(plan.heading_deg)
    platform_e = plan.centre_east_m + line_scale * offset_m * np.sin(plan_heading)
    platform_n = plan.centre_north_m + line_scale * offset_m * np.cos(plan_heading)
    track_lon, track_lat = frame.lonlat(platform_e, platform_n)
    convergence_deg, scale = frame.grid_factors(track_lon, track_lat)

    # A ray (0, sin a, cos a) in the body frame (x forward, y right, z down), turned by roll phi
    # (right wing down positive) then pitch theta (nose up), meets flat ground height_m below
    # at along = h tan(theta), across = h tan(a - phi) / cos(theta), right of the heading positive.
    ifov_rad = plan.pixel_size_m / plan.height_m
    look_rad = (np.arange(samples) - (samples - 1) / 2) * ifov_rad
    roll_rad, pitch_rad = np.deg2rad(roll)[:, None], np.deg2rad(pitch)[:, None]
    cross_m = plan.height_m * np.tan(look_rad[None, :] - roll_rad) / np.cos(pitch_rad)
    along_m = plan.height_m * np.tan(pitch_rad) * np.ones((1, samples))
    heading = np.deg2rad(plan.heading_deg + yaw)[:, None]
    grid_cross_m, grid_along_m = scale[:, None] * cross_m, scale[:, None] * along_m
    east = platform_e[:, None] + grid_along_m * np.sin(heading) + grid_cross_m * np.cos(heading)
    north = platform_n[:, None] + grid_along_m * np.cos(heading) - grid_cross_m * np.sin(heading)
    lon, lat = frame.lonlat(east, north)

    ground_m = np.hypot(cross_m, along_m)
    view_zenith = np.rad2deg(np.arctan2(ground_m, plan.height_m))
    # Azimuth from the ground pixel towards the sensor, turned from grid to true north.
    grid_azimuth = np.rad2deg(np.arctan2(platform_e[:, None] - east, platform_n[:, None] - north))
    view_azimuth = (grid_azimuth + convergence_deg[:, None]) % 360.0
    path_length = np.hypot(ground_m, plan.height_m)
    start = np.datetime64(plan.start.astimezone(UTC).replace(tzinfo=None), "us")
    line_time = start + (seconds * 1e6).astype("timedelta64[us]")
    mid = plan.start.timestamp() + seconds[lines // 2]
    solar_zenith, solar_azimuth = solar_angles_deg(
        datetime.fromtimestamp(mid, UTC), frame.lon_deg, frame.lat_deg
    )

    track = Track(
        source=source or Path(f"{plan.name}.csv"),
        time=line_time,
        lon_deg=track_lon,
        lat_deg=track_lat,
        alt_m=np.full(lines, plan.terrain_m + plan.height_m),
        heading_deg=(plan.heading_deg + yaw + convergence_deg) % 360.0,
        pitch_deg=pitch,
        roll_deg=roll,
        attrs={"altitude_reference": "hae", "platform": "simulated aircraft", "line": plan.name},
    )
    return LineGeometry(
        east_m=east,
        north_m=north,
        lon_deg=lon,
        lat_deg=lat,
        elevation_m=np.full((lines, samples), plan.terrain_m),
        view_zenith_deg=view_zenith,
        view_azimuth_deg=view_azimuth,
        path_length_m=path_length,
        solar_zenith_deg=solar_zenith,
        solar_azimuth_deg=solar_azimuth,
        line_time=line_time,
        track=track,
    )


def solar_angles_deg(when: datetime, lon_deg: float, lat_deg: float) -> tuple[float, float]:
    """Solar zenith and azimuth (deg, azimuth clockwise from north) at a UTC time and place.

    NOAA's low-precision algorithm (Spencer 1971 Fourier series for the declination
    and the equation of time); good to about 0.1 deg, plenty for illumination.
    """
    when = when.astimezone(UTC)
    day_of_year = when.timetuple().tm_yday
    hours = when.hour + when.minute / 60 + when.second / 3600
    gamma = 2 * np.pi / 365 * (day_of_year - 1 + (hours - 12) / 24)
    eqtime_min = 229.18 * (
        0.000075
        + 0.001868 * np.cos(gamma)
        - 0.032077 * np.sin(gamma)
        - 0.014615 * np.cos(2 * gamma)
        - 0.040849 * np.sin(2 * gamma)
    )
    decl = (
        0.006918
        - 0.399912 * np.cos(gamma)
        + 0.070257 * np.sin(gamma)
        - 0.006758 * np.cos(2 * gamma)
        + 0.000907 * np.sin(2 * gamma)
        - 0.002697 * np.cos(3 * gamma)
        + 0.00148 * np.sin(3 * gamma)
    )
    true_solar_min = hours * 60 + eqtime_min + 4 * lon_deg
    hour_angle = np.deg2rad(true_solar_min / 4 - 180)
    lat = np.deg2rad(lat_deg)
    cos_zenith = np.sin(lat) * np.sin(decl) + np.cos(lat) * np.cos(decl) * np.cos(hour_angle)
    zenith = np.arccos(np.clip(cos_zenith, -1, 1))
    azimuth = np.arctan2(np.sin(hour_angle), np.cos(hour_angle) * np.sin(lat) - np.tan(decl) * np.cos(lat))
    return float(np.rad2deg(zenith)), float((np.rad2deg(azimuth) + 180.0) % 360.0)
