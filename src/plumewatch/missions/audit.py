"""Airspace audit: did a flown track stay inside its permitted airspace, and where and when did it not?

Between two fixes the aircraft is taken to fly straight (in a local azimuthal
equidistant frame) at a steady rate of climb, so each step is cut exactly where
it crosses a volume boundary or an altitude limit, and crossing times come
from linear interpolation along the step. A step longer than ``max_gap_s`` is
a gap: nothing is assumed about it, it is reported as unknown coverage.

Horizontal excursion: outside every permitted polygon. Altitude excursion:
above the highest ceiling (or below the lowest floor) of the volumes overhead,
or above ``max_alt_m`` anywhere. Overlapping volumes are merged into one band
[lowest floor, highest ceiling], exact when their bands touch or overlap.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from plumewatch.errors import PlanningError
from plumewatch.io.track import Track
from plumewatch.missions.airspace import AirspaceVolume
from plumewatch.missions.projection import frame_for, split_antimeridian

log = logging.getLogger(__name__)

DEFAULT_MAX_GAP_S = 5.0
DISTANCE_STEP_M = 5.0
MAX_DISTANCE_SAMPLES = 20_000


@dataclass
class Excursion:
    """One excursion: kind, start and end (datetime64[us] UTC), worst distance outside, altitude excess (m).

    ``lonlat_alt`` (N, 3) traces the offending path; ``open_start``/``open_end`` mark an excursion
    cut short by a gap or by the end of the track (it may have lasted longer).
    """

    kind: str
    start: np.datetime64
    end: np.datetime64
    max_distance_m: float = 0.0
    max_altitude_excess_m: float = 0.0
    side: str = ""
    lonlat_alt: list[tuple[float, float, float]] = field(default_factory=list)
    open_start: bool = False
    open_end: bool = False

    @property
    def duration_s(self) -> float:
        """Length of the excursion in seconds."""
        return float((self.end - self.start) / np.timedelta64(1, "s"))


@dataclass(frozen=True)
class AuditReport:
    """The audit of one track: excursions in time order, gaps of unknown coverage, notes."""

    excursions: list[Excursion]
    gaps: list[dict[str, Any]]
    n_fixes: int
    start: np.datetime64
    end: np.datetime64
    notes: list[str]

    @property
    def verdict(self) -> str:
        """``"violations"`` if any excursion was seen, else ``"compliant"`` (gaps are reported apart)."""
        return "violations" if self.excursions else "compliant"

    @property
    def unknown_s(self) -> float:
        """Seconds of the flight inside gaps, where compliance is unknown."""
        return float(sum(g["seconds"] for g in self.gaps))

    def to_json(self) -> dict[str, Any]:
        """The report as JSON: verdict, excursions (kind, start, end, distance, excess), gaps, notes."""
        return {
            "verdict": self.verdict,
            "excursions": [
                {
                    "kind": e.kind,
                    "start": iso(e.start),
                    "end": iso(e.end),
                    "max_distance_m": round(e.max_distance_m, 2),
                    "max_altitude_excess_m": round(e.max_altitude_excess_m, 2),
                    "duration_s": round(e.duration_s, 3),
                    "side": e.side,
                    "open_start": e.open_start,
                    "open_end": e.open_end,
                }
                for e in self.excursions
            ],
            "coverage": "partial" if self.gaps else "complete",
            "unknown_s": round(self.unknown_s, 3),
            "gaps": self.gaps,
            "n_fixes": self.n_fixes,
            "start": iso(self.start),
            "end": iso(self.end),
            "notes": self.notes,
        }


def iso(moment: np.datetime64) -> str:
    """ISO-8601 UTC text of a datetime64, e.g. ``2026-06-11T10:15:00.250000Z``."""
    return np.datetime_as_string(np.datetime64(moment, "us"), unit="us") + "Z"


def check_time_order(track: Track) -> None:
    """Raise PlanningError if the track's time ever goes backwards."""
    steps = np.diff(track.time)
    back = np.flatnonzero(steps < np.timedelta64(0, "us"))
    if back.size:
        i = int(back[0]) + 1
        raise PlanningError(
            f"{track.source}: time goes backwards at fix {i + 1} ({iso(track.time[i])} after "
            f"{iso(track.time[i - 1])}); sort or fix the log first"
        )


@dataclass
class _Piece:
    t0: float
    t1: float
    outside: bool
    excess0: float
    excess1: float
    side: str
    distance_m: float
    xyz: np.ndarray


class _Airspace:
    """Permitted volumes in the local frame, with the queries the audit needs."""

    def __init__(self, frame, volumes: list[AirspaceVolume], max_alt_m: float | None):
        self.polygons = [shapely.make_valid(frame.to_local(v.polygon)) for v in volumes]
        self.floors = np.array([v.floor_m for v in volumes])
        self.ceilings = np.array([v.ceiling_m for v in volumes])
        self.union = shapely.union_all(self.polygons)
        self.boundary = shapely.union_all([p.boundary for p in self.polygons])
        self.max_alt_m = math.inf if max_alt_m is None else max_alt_m
        for geom in (self.union, self.boundary, *self.polygons):
            shapely.prepare(geom)

    def band(self, x: float, y: float) -> tuple[bool, float, float]:
        """(inside any volume, lowest floor, highest ceiling capped by max_alt_m) at a local point."""
        if not self.polygons:
            return True, -math.inf, self.max_alt_m
        inside = np.array([shapely.contains_xy(p, x, y) for p in self.polygons])
        if not inside.any():
            return False, -math.inf, self.max_alt_m
        return True, float(self.floors[inside].min()), float(min(self.ceilings[inside].max(), self.max_alt_m))

    def quiet_steps(self, x: np.ndarray, y: np.ndarray, alt: np.ndarray) -> np.ndarray:
        """Per step between fixes: True when it meets no boundary and both ends are inside their band."""
        segments = shapely.linestrings(
            np.stack([np.column_stack([x[:-1], y[:-1]]), np.column_stack([x[1:], y[1:]])], axis=1)
        )
        crosses = (
            shapely.intersects(self.boundary, segments)
            if not self.boundary.is_empty
            else np.zeros(len(segments), dtype=bool)
        )
        inside = np.array([shapely.contains_xy(p, x, y) for p in self.polygons], dtype=bool).reshape(
            len(self.polygons), len(x)
        )
        any_inside = inside.any(axis=0) if len(self.polygons) else np.ones(len(x), dtype=bool)
        floor = (
            np.where(inside, self.floors[:, None], np.inf).min(axis=0)
            if len(self.polygons)
            else np.full(len(x), -np.inf)
        )
        ceiling = (
            np.where(inside, self.ceilings[:, None], -np.inf).max(axis=0)
            if len(self.polygons)
            else np.full(len(x), np.inf)
        )
        ok = any_inside & (alt >= floor) & (alt <= np.minimum(ceiling, self.max_alt_m))
        return ~crosses & ok[:-1] & ok[1:]

    def crossings(self, segment: LineString) -> list[float]:
        """Fractions (0..1) along a segment where it meets a volume boundary."""
        if segment.length == 0 or not self.boundary.intersects(segment):
            return []
        hit = segment.intersection(self.boundary)
        coords = shapely.get_coordinates(hit)
        return sorted({float(segment.project(shapely.Point(c))) / segment.length for c in coords})


def audit_track(
    track: Track,
    volumes: list[AirspaceVolume],
    *,
    max_alt_m: float | None = None,
    max_gap_s: float = DEFAULT_MAX_GAP_S,
) -> AuditReport:
    """Audit a flown track against permitted volumes: every excursion, every gap, and notes."""
    if len(track) < 2:
        raise PlanningError(f"{track.source}: a track needs at least two fixes to audit")
    check_time_order(track)
    if not volumes and max_alt_m is None:
        raise PlanningError("no permitted airspace and no altitude limit: nothing to audit against")
    notes = _track_notes(track)
    good = np.isfinite(track.lon_deg) & np.isfinite(track.lat_deg) & np.isfinite(track.alt_m)
    if (~good).any():
        notes.append(f"{int((~good).sum())} fix(es) without position or altitude ignored")
    t = track.seconds_since_start()[good]
    lon, lat, alt = track.lon_deg[good], track.lat_deg[good], track.alt_m[good]
    frame = frame_for(shapely.MultiPoint(np.column_stack([lon, lat])))
    x, y = frame.xy(lon, lat)
    airspace = _Airspace(frame, volumes, max_alt_m)
    quiet = airspace.quiet_steps(x, y, alt)
    gaps, pieces = [], []
    time0 = track.time[good][0]
    for i in range(len(t) - 1):
        if t[i + 1] - t[i] > max_gap_s:
            gaps.append(
                {
                    "start": iso(_at(time0, t[i])),
                    "end": iso(_at(time0, t[i + 1])),
                    "seconds": round(float(t[i + 1] - t[i]), 3),
                }
            )
            pieces.append(None)
        elif t[i + 1] == t[i]:
            continue
        elif quiet[i]:
            pieces.append(_Piece(float(t[i]), float(t[i + 1]), False, 0.0, 0.0, "", 0.0, np.zeros((2, 3))))
        else:
            pieces.extend(_step_pieces(airspace, t[i : i + 2], x[i : i + 2], y[i : i + 2], alt[i : i + 2]))
    excursions = _excursions([*pieces, None], frame, time0)
    return AuditReport(
        excursions=excursions,
        gaps=gaps,
        n_fixes=int(good.sum()),
        start=time0,
        end=track.time[good][-1],
        notes=notes,
    )


def _at(time0: np.datetime64, seconds: float) -> np.datetime64:
    return time0 + np.timedelta64(int(round(seconds * 1e6)), "us")


def _track_notes(track: Track) -> list[str]:
    notes = []
    back = int(track.attrs.get("time_steps_backwards", 0) or 0)
    if back:
        notes.append(f"the log stepped back in time {back} time(s); its reader sorted the fixes by time")
    dropped = int(track.attrs.get("duplicate_times_dropped", 0) or 0)
    if dropped:
        notes.append(f"{dropped} fix(es) repeating an earlier time dropped by the reader")
    if str(track.attrs.get("altitude_reference", "")).lower() == "hae":
        notes.append(
            "altitudes are heights above the ellipsoid; limits are compared without a geoid correction"
        )
    return notes


def _step_pieces(airspace: _Airspace, t, x, y, alt) -> list[_Piece]:
    """One step between fixes cut where it crosses a boundary or a limit, each piece classified."""
    segment = LineString([(x[0], y[0]), (x[1], y[1])])
    cuts = {0.0, 1.0, *airspace.crossings(segment)}
    fractions = sorted(cuts)
    for a, b in zip(fractions[:-1], fractions[1:], strict=True):
        m = 0.5 * (a + b)
        _, floor, ceiling = airspace.band(x[0] + m * (x[1] - x[0]), y[0] + m * (y[1] - y[0]))
        for limit in (floor, ceiling):
            if math.isfinite(limit) and alt[1] != alt[0]:
                f = (limit - alt[0]) / (alt[1] - alt[0])
                if a < f < b:
                    cuts.add(float(f))
    fractions = sorted(cuts)
    pieces = []
    for a, b in zip(fractions[:-1], fractions[1:], strict=True):
        if b - a < 1e-12:
            continue
        m = 0.5 * (a + b)
        xm, ym = x[0] + m * (x[1] - x[0]), y[0] + m * (y[1] - y[0])
        inside, floor, ceiling = airspace.band(xm, ym)
        alt_a, alt_b = alt[0] + a * (alt[1] - alt[0]), alt[0] + b * (alt[1] - alt[0])
        excess_a, side = _excess(alt_a, floor, ceiling)
        excess_b, side_b = _excess(alt_b, floor, ceiling)
        xyz = np.array(
            [
                [x[0] + f * (x[1] - x[0]), y[0] + f * (y[1] - y[0]), alt[0] + f * (alt[1] - alt[0])]
                for f in (a, b)
            ]
        )
        distance = _distance_outside(airspace, xyz) if not inside else 0.0
        pieces.append(
            _Piece(
                t0=float(t[0] + a * (t[1] - t[0])),
                t1=float(t[0] + b * (t[1] - t[0])),
                outside=not inside,
                excess0=excess_a,
                excess1=excess_b,
                side=side or side_b,
                distance_m=distance,
                xyz=xyz,
            )
        )
    return pieces


def _excess(alt: float, floor: float, ceiling: float) -> tuple[float, str]:
    if alt > ceiling:
        return alt - ceiling, "above"
    if alt < floor:
        return floor - alt, "below"
    return 0.0, ""


def _distance_outside(airspace: _Airspace, xyz: np.ndarray) -> float:
    """Largest distance (m) from the permitted area along a straight piece, sampled every few metres."""
    if airspace.union.is_empty:
        return 0.0
    length = float(np.hypot(*(xyz[1, :2] - xyz[0, :2])))
    n = int(min(MAX_DISTANCE_SAMPLES, max(2, math.ceil(length / DISTANCE_STEP_M) + 1)))
    f = np.linspace(0.0, 1.0, n)
    px = xyz[0, 0] + f * (xyz[1, 0] - xyz[0, 0])
    py = xyz[0, 1] + f * (xyz[1, 1] - xyz[0, 1])
    return float(shapely.distance(airspace.union, shapely.points(px, py)).max())


def _excursions(pieces: list[_Piece | None], frame, time0: np.datetime64) -> list[Excursion]:
    """Runs of offending pieces merged into excursions of each kind, in time order.

    A gap (None) or the end of the track closes a run as open; a run that starts the track or follows
    a gap is open at its start: the aircraft may have been outside before.
    """
    found: list[Excursion] = []
    for kind in ("horizontal", "altitude"):
        current: Excursion | None = None
        after_gap = True
        for piece in pieces:
            bad = piece is not None and (
                piece.outside if kind == "horizontal" else max(piece.excess0, piece.excess1) > 1e-9
            )
            if not bad:
                if current is not None:
                    current.open_end = piece is None
                    found.append(current)
                    current = None
                after_gap = piece is None
                continue
            if current is None:
                current = Excursion(
                    kind=kind, start=_at(time0, piece.t0), end=_at(time0, piece.t1), open_start=after_gap
                )
                current.lonlat_alt.append(_lonlat_alt(frame, piece.xyz[0]))
            current.end = _at(time0, piece.t1)
            current.lonlat_alt.append(_lonlat_alt(frame, piece.xyz[1]))
            if kind == "horizontal":
                current.max_distance_m = max(current.max_distance_m, piece.distance_m)
            else:
                current.max_altitude_excess_m = max(
                    current.max_altitude_excess_m, piece.excess0, piece.excess1
                )
                current.side = current.side or piece.side
            after_gap = False
        if current is not None:
            current.open_end = True
            found.append(current)
    return sorted(found, key=lambda e: (e.start, e.kind))


def _lonlat_alt(frame, xyz: np.ndarray) -> tuple[float, float, float]:
    lon, lat = frame.lonlat(xyz[0], xyz[1])
    return float(lon), float(lat), float(xyz[2])


def excursion_features(report: AuditReport) -> list[tuple[str, str, BaseGeometry, dict[str, Any]]]:
    """The offending stretches of track as lon/lat/alt features (for KML or GeoJSON), one per excursion."""
    features = []
    for k, e in enumerate(report.excursions, start=1):
        coords = e.lonlat_alt if len(e.lonlat_alt) > 1 else e.lonlat_alt * 2
        geom = split_antimeridian(LineString(coords))
        props = {
            "kind": e.kind,
            "start": iso(e.start),
            "end": iso(e.end),
            "max_distance_m": round(e.max_distance_m, 2),
            "max_altitude_excess_m": round(e.max_altitude_excess_m, 2),
            "side": e.side,
        }
        features.append((f"excursion {k} ({e.kind})", f"{e.kind} excursions", geom, props))
    return features
