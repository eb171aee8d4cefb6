"""The MissionPlan record: flight lines in flying order, the turns between them, and the totals.

Survey and revisit planners both return a MissionPlan; the exporters
(``missions.exports``) write it as a QGroundControl plan, KML or GeoJSON.
Coordinates are WGS84 lon/lat with lon in [-180, 180); a line's ``lonlat``
is continuous in flying order (``geometry()`` splits it at the antimeridian).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyproj
from shapely.geometry import LineString, Polygon
from shapely.geometry.base import BaseGeometry

from plumewatch.missions.projection import split_antimeridian

log = logging.getLogger(__name__)

GEOD = pyproj.Geod(ellps="WGS84")


@dataclass(frozen=True)
class PlannedLine:
    """One flight line: vertices (N, 2 lon/lat degrees) in flying order, heading, length, altitude, swath."""

    number: int
    lonlat: np.ndarray
    heading_deg: float
    length_m: float
    altitude_m: float
    swath_width_m: float
    site_id: str | None = None
    kind: str = "sweep"

    @classmethod
    def from_lonlat(
        cls,
        number: int,
        lonlat: np.ndarray,
        *,
        altitude_m: float,
        swath_width_m: float,
        site_id: str | None = None,
        kind: str = "sweep",
    ) -> PlannedLine:
        """The line through these vertices, with heading (degrees, first to last) and geodesic length (m)."""
        azimuth, _, _ = GEOD.inv(lonlat[0, 0], lonlat[0, 1], lonlat[-1, 0], lonlat[-1, 1])
        return cls(
            number=number,
            lonlat=lonlat,
            heading_deg=float(azimuth) % 360.0,
            length_m=float(GEOD.line_length(lonlat[:, 0], lonlat[:, 1])),
            altitude_m=altitude_m,
            swath_width_m=swath_width_m,
            site_id=site_id,
            kind=kind,
        )

    def geometry(self) -> BaseGeometry:
        """The line as a lon/lat LineString, or a MultiLineString where it crosses the antimeridian."""
        return split_antimeridian(LineString(self.lonlat))


@dataclass(frozen=True)
class Transit:
    """The turn from the end of one line to the start of the next: Dubins word (or ``"detour"``), length (m).

    ``via_lonlat`` (N, 2) holds waypoints of a way round no-fly zones, None for a plain turn;
    ``clear`` is False when no way round was found and the turn crosses a no-fly zone.
    """

    from_line: int
    to_line: int
    length_m: float
    word: str
    via_lonlat: np.ndarray | None = None
    clear: bool = True


@dataclass(frozen=True)
class MissionPlan:
    """A planned flight: lines in order, transits, speeds and totals (seconds, metres), geofence and notes."""

    kind: str
    lines: list[PlannedLine]
    transits: list[Transit]
    speed_m_s: float
    altitude_m: float
    turn_radius_m: float
    swath_width_m: float
    gsd_m: float | None = None
    spacing_m: float | None = None
    heading_deg: float | None = None
    sensor: str | None = None
    home_lonlat: tuple[float, float] | None = None
    fence_inclusion: list[Polygon] = field(default_factory=list)
    fence_exclusion: list[Polygon] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def line_length_m(self) -> float:
        """Sum of flight-line lengths in metres."""
        return float(sum(line.length_m for line in self.lines))

    @property
    def transit_length_m(self) -> float:
        """Sum of turn and transit lengths in metres."""
        return float(sum(t.length_m for t in self.transits))

    @property
    def flight_time_s(self) -> float:
        """Estimated flight time in seconds: lines plus transits at the planned ground speed."""
        return (self.line_length_m + self.transit_length_m) / self.speed_m_s

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary: geometry parameters, counts, lengths (m), time (s, h) and notes."""
        return {
            "kind": self.kind,
            "sensor": self.sensor,
            "altitude_m": self.altitude_m,
            "swath_width_m": round(self.swath_width_m, 3),
            "gsd_m": None if self.gsd_m is None else round(self.gsd_m, 4),
            "line_spacing_m": None if self.spacing_m is None else round(self.spacing_m, 3),
            "heading_deg": None if self.heading_deg is None else round(self.heading_deg, 2),
            "n_lines": len(self.lines),
            "line_length_m": round(self.line_length_m, 1),
            "transit_length_m": round(self.transit_length_m, 1),
            "speed_m_s": self.speed_m_s,
            "turn_radius_m": self.turn_radius_m,
            "flight_time_s": round(self.flight_time_s, 1),
            "flight_time_h": round(self.flight_time_s / 3600.0, 3),
            "turns": [
                {
                    "from_line": t.from_line,
                    "to_line": t.to_line,
                    "word": t.word,
                    "length_m": round(t.length_m, 1),
                    "clear_of_no_fly": t.clear,
                }
                for t in self.transits
            ],
            "notes": list(self.notes),
            **self.extra,
        }
