"""The wind for a flight line: from the survey manifest, else from the telemetry's wind tags.

MISB ST 0601 tags 35 (wind direction) and 36 (wind speed), or the same-named CSV columns,
arrive per fix in ``Track.attrs['fields']``; a line's wind is then their median speed and
circular-mean direction, with the speed's spread over the line as its uncertainty.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from plumewatch.errors import PlumewatchError
from plumewatch.io.survey import FlightLine

log = logging.getLogger(__name__)

MIN_TELEMETRY_SIGMA_M_S = 0.5


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
