"""The wind for a flight line: from the survey manifest, else from the telemetry's wind tags.

MISB ST 0601 tags 35 (wind direction) and 36 (wind speed), or the same-named CSV columns,
arrive per fix in ``Track.attrs['fields']``; a line's wind is then their median speed and
circular-mean direction, with the speed's spread over the line as its uncertainty. A wind
measured at a site (``FlightLine.site_winds``) replaces the line's wind near that site.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from plumewatch.errors import PlumewatchError
from plumewatch.geo.footprint import distance_m
from plumewatch.io.survey import FlightLine, SiteWind

log = logging.getLogger(__name__)

MIN_TELEMETRY_SIGMA_M_S = 0.5
# A mast reading without a stated spread: gusts over the minutes of an overflight alone are this large.
DEFAULT_SITE_WIND_SIGMA_M_S = 0.5


@dataclass(frozen=True)
class LineWind:
    """A flight line's 10 m wind (m/s, meteorological direction it blows from), or None with the reason."""

    speed_m_s: float | None
    from_deg: float | None
    speed_sigma_m_s: float | None
    source: str


def line_wind(line: FlightLine) -> LineWind:
    """The wind for a flight line: the manifest's, else the telemetry's, else none (with the reason)."""
    if line.wind_speed_m_s is not None and line.wind_from_deg is not None:
        return LineWind(line.wind_speed_m_s, line.wind_from_deg, line.wind_speed_sigma_m_s, "survey.json")
    if line.telemetry is not None:
        wind = telemetry_wind(line.telemetry)
        if wind is not None:
            return wind
    return LineWind(None, None, None, "no wind in survey.json or telemetry")


def wind_at(line: LineWind, site_winds: Sequence[SiteWind], lon_deg: float, lat_deg: float) -> LineWind:
    """The wind at a point: the nearest site wind whose radius holds it, else the line's wind."""
    best, best_m = None, np.inf
    for site in site_winds:
        metres = distance_m(lon_deg, lat_deg, site.lon_deg, site.lat_deg)
        if metres <= site.radius_m and metres < best_m:
            best, best_m = site, metres
    if best is None:
        return line
    sigma = best.speed_sigma_m_s if best.speed_sigma_m_s is not None else DEFAULT_SITE_WIND_SIGMA_M_S
    source = f"site wind {best.name or 'unnamed'} at {best_m:.0f} m"
    return LineWind(best.speed_m_s, best.from_deg, sigma, source)


def telemetry_wind(path: Path) -> LineWind | None:
    """Wind from a telemetry file's per-fix wind fields, or None when it has none."""
    from plumewatch.io.telemetry import read_track

    try:
        track = read_track(path)
    except PlumewatchError as err:
        log.warning("%s: telemetry unreadable, no wind from it (%s)", path, err)
        return None
    fields = track.attrs.get("fields", {})
    speed = np.asarray(fields.get("wind_speed_m_s", []), dtype=np.float64)
    direction = np.asarray(fields.get("wind_from_deg", []), dtype=np.float64)
    good = (
        np.isfinite(speed) & np.isfinite(direction) if speed.shape == direction.shape else np.zeros(0, bool)
    )
    if not good.any():
        return None
    angle = np.deg2rad(direction[good])
    from_deg = float(np.rad2deg(np.arctan2(np.sin(angle).mean(), np.cos(angle).mean())) % 360.0)
    sigma = max(float(np.std(speed[good])), MIN_TELEMETRY_SIGMA_M_S)
    return LineWind(float(np.median(speed[good])), from_deg, sigma, f"telemetry {Path(path).name}")
