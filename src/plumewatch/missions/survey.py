"""Survey planning: parallel flight lines over an area, heading chosen for the shortest flight.

Swath = 2 h tan(FOV / 2) and ground sample distance = h * IFOV for a nadir
pushbroom at height h above ground. Lines are spaced swath * (1 - sidelap).
With ``heading_deg=None`` the heading is searched: every hull-edge direction of
the area (rotating calipers: the minimum-width direction is one of them) and a
5-degree fan are scored by line length plus one U-turn per line, and the best
few are planned fully (gap filling, Dubins turns, greedy order) and timed.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import shapely
from shapely.geometry import LineString, Polygon
from shapely.geometry.base import BaseGeometry

from plumewatch.errors import PlanningError
from plumewatch.missions.aoi import AreaOfInterest
from plumewatch.missions.coverage import Coverage, cover, sweep_offsets
from plumewatch.missions.detour import NoFlyRouter
from plumewatch.missions.dubins import dubins_length_m
from plumewatch.missions.plan import MissionPlan, PlannedLine, Transit
from plumewatch.missions.projection import MAX_FRAME_RADIUS_M, frame_radius_m
from plumewatch.missions.routing import order_lines

log = logging.getLogger(__name__)

GRAVITY_M_S2 = 9.80665
DEFAULT_BANK_DEG = 25.0
DEFAULT_SPEED_M_S = 60.0
DEFAULT_MAX_ALTITUDE_M = 20_000.0
HEADING_FAN_STEP_DEG = 5.0
FULL_PLANS = 3
MIN_GAP_LINE_SWATHS = 0.25


def swath_width_m(altitude_m: float, fov_deg: float) -> float:
    """Cross-track swath width (m) of a nadir imager with full field of view ``fov_deg`` at ``altitude_m``."""
    return 2.0 * altitude_m * math.tan(math.radians(fov_deg) / 2.0)


def gsd_m(altitude_m: float, ifov_mrad: float) -> float:
    """Ground sample distance in metres at nadir: altitude times the instantaneous field of view."""
    return altitude_m * ifov_mrad * 1e-3


def turn_radius_for(speed_m_s: float, bank_deg: float = DEFAULT_BANK_DEG) -> float:
    """Turn radius in metres of a coordinated level turn: v^2 / (g tan(bank))."""
    return speed_m_s**2 / (GRAVITY_M_S2 * math.tan(math.radians(bank_deg)))


def check_geometry(
    altitude_m: float,
    fov_deg: float,
    sidelap: float,
    speed_m_s: float,
    turn_radius_m: float,
    max_altitude_m: float,
) -> None:
    """Raise PlanningError for parameters that give no coverage or cannot be flown."""
    if not altitude_m > 0:
        raise PlanningError(f"altitude {altitude_m} m gives no coverage: it must be above ground (> 0 m)")
    if altitude_m > max_altitude_m:
        raise PlanningError(
            f"altitude {altitude_m:.0f} m is above the platform ceiling {max_altitude_m:.0f} m"
        )
    if not 0.0 < fov_deg < 180.0:
        raise PlanningError(f"field of view {fov_deg} degrees must lie between 0 and 180")
    if not 0.0 <= sidelap < 1.0:
        raise PlanningError(f"sidelap {sidelap} must be at least 0 and below 1")
    if not speed_m_s > 0:
        raise PlanningError(f"speed {speed_m_s} m/s must be positive")
    if turn_radius_m < 0:
        raise PlanningError(f"turn radius {turn_radius_m} m must not be negative")


def candidate_headings(area: BaseGeometry, step_deg: float = HEADING_FAN_STEP_DEG) -> np.ndarray:
    """Headings (degrees in [0, 180)) to try: the hull's edge directions and a fan every ``step_deg``."""
    hull = (
        np.asarray(area.convex_hull.exterior.coords)
        if area.convex_hull.geom_type == "Polygon"
        else np.zeros((0, 2))
    )
    d = np.diff(hull, axis=0)
    edges = np.degrees(np.arctan2(d[:, 0], d[:, 1]))[np.hypot(d[:, 0], d[:, 1]) > 0] % 180.0
    fan = np.arange(0.0, 180.0, step_deg)
    return np.unique(np.round(np.concatenate([edges, fan]), 6))


def _quick_time_s(coverage: Coverage, spacing_m: float, radius_m: float, speed_m_s: float) -> float:
    lengths = sum(line.length for line in coverage.lines)
    uturn = float(dubins_length_m(0.0, 0.0, math.pi / 2, spacing_m, 0.0, -math.pi / 2, radius_m))
    return (lengths + max(0, len(coverage.lines) - 1) * uturn) / speed_m_s


def _ordered(coverage: Coverage, radius_m: float):
    starts = np.array([line.coords[0] for line in coverage.lines])
    ends = np.array([line.coords[-1] for line in coverage.lines])
    h = math.radians(coverage.heading_deg)
    across = starts[:, 0] * math.cos(h) - starts[:, 1] * math.sin(h)
    return order_lines(starts, ends, radius_m, across=across)


def plan_survey(
    aoi: AreaOfInterest,
    *,
    altitude_m: float,
    fov_deg: float,
    ifov_mrad: float | None = None,
    sidelap: float = 0.2,
    heading_deg: float | None = None,
    speed_m_s: float = DEFAULT_SPEED_M_S,
    turn_radius_m: float | None = None,
    sensor: str | None = None,
    max_altitude_m: float = DEFAULT_MAX_ALTITUDE_M,
    clearance_m: float | None = None,
    permitted_lonlat: list[Polygon] | None = None,
) -> MissionPlan:
    """A survey MissionPlan covering the AOI: lines, order, turns and flight time (s) at ``speed_m_s``.

    Lines end ``clearance_m`` (default: the turn radius) short of no-fly zones so the aircraft can turn
    away; turns that would still cross a zone are routed round it. Gap-fill lines shorter than a quarter
    swath are left out; what stays unseen is reported in the notes.
    """
    radius = turn_radius_for(speed_m_s) if turn_radius_m is None else turn_radius_m
    check_geometry(altitude_m, fov_deg, sidelap, speed_m_s, radius, max_altitude_m)
    swath = swath_width_m(altitude_m, fov_deg)
    spacing = swath * (1.0 - sidelap)
    if frame_radius_m(aoi.area) > MAX_FRAME_RADIUS_M:
        raise PlanningError("the AOI reaches more than 2000 km from its centre; split it into smaller areas")
    clearance = radius if clearance_m is None else clearance_m
    free = aoi.free
    forbidden = aoi.no_fly.buffer(clearance) if clearance > 0 and not aoi.no_fly.is_empty else aoi.no_fly
    notes = list(aoi.notes)
    if heading_deg is None:
        fan = candidate_headings(aoi.area)
        quick = [
            (
                _quick_time_s(
                    cover(free, forbidden, h, swath, spacing, fill_gaps=False), spacing, radius, speed_m_s
                ),
                h,
            )
            for h in fan
        ]
        shortlist = [h for _, h in sorted(quick)[:FULL_PLANS]]
        log.info("heading search: %d candidates, planning %s fully", len(fan), shortlist)
    else:
        shortlist = [float(heading_deg) % 360.0]
    best = None
    for h in shortlist:
        coverage = cover(free, forbidden, h, swath, spacing, min_gap_line_m=MIN_GAP_LINE_SWATHS * swath)
        order = _ordered(coverage, radius)
        time_s = (sum(line.length for line in coverage.lines) + order.turn_length_m) / speed_m_s
        if best is None or time_s < best[0]:
            best = (time_s, coverage, order)
    assert best is not None
    _, coverage, order = best
    notes.extend(_coverage_notes(coverage, free, swath, spacing))
    router = NoFlyRouter(aoi.no_fly, clearance, radius)
    lines, transits, paths = _plan_lines(aoi, coverage, order, altitude_m, swath, router)
    if permitted_lonlat:
        notes.extend(_outside_permitted(aoi, coverage, paths, permitted_lonlat))
    blocked = [f"{t.from_line}->{t.to_line}" for t in transits if not t.clear]
    if blocked:
        notes.append(f"no way round the no-fly zones found for turns {', '.join(blocked)}")
    detours = sum(t.word == "detour" for t in transits)
    if detours:
        notes.append(f"{detours} turn(s) routed round no-fly zones")
    fence_exclusion = [aoi.frame.to_lonlat(p) for p in aoi.no_fly_parts]
    return MissionPlan(
        kind="survey",
        lines=lines,
        transits=transits,
        speed_m_s=speed_m_s,
        altitude_m=altitude_m,
        turn_radius_m=radius,
        swath_width_m=swath,
        gsd_m=None if ifov_mrad is None else gsd_m(altitude_m, ifov_mrad),
        spacing_m=spacing,
        heading_deg=float(coverage.heading_deg),
        sensor=sensor,
        home_lonlat=(float(lines[0].lonlat[0, 0]), float(lines[0].lonlat[0, 1])),
        fence_inclusion=list(permitted_lonlat or []),
        fence_exclusion=fence_exclusion,
        notes=notes,
        extra={
            "area_km2": round(coverage.area_m2 / 1e6, 4),
            "uncovered_m2": round(coverage.uncovered_m2, 1),
            "gap_fill_lines": coverage.n_gap_lines,
            "frame": aoi.frame.proj4,
            "no_fly_clearance_m": clearance,
        },
    )


def _coverage_notes(coverage: Coverage, free: BaseGeometry, swath: float, spacing: float) -> list[str]:
    notes = []
    rotated = shapely.affinity.rotate(free, coverage.heading_deg - 90.0, origin=(0, 0))
    _, ymin, _, ymax = rotated.bounds
    if len(sweep_offsets(ymin, ymax, swath, spacing)) == 1:
        notes.append(
            f"the AOI is {ymax - ymin:.0f} m across the lines, narrower than one swath ({swath:.0f} m): "
            "one line covers it"
        )
    if coverage.n_gap_lines:
        notes.append(f"{coverage.n_gap_lines} short line(s) added to fill gaps beside no-fly zones")
    if coverage.uncovered_m2 > 1.0:
        notes.append(f"{coverage.uncovered_m2:.0f} m^2 of the area stays uncovered beside no-fly zones")
    return notes


def _plan_lines(
    aoi: AreaOfInterest, coverage: Coverage, order, altitude_m: float, swath: float, router: NoFlyRouter
) -> tuple[list[PlannedLine], list[Transit], list[np.ndarray]]:
    """Lines and transits in flying order (lon/lat), and each transit's flown path in local metres."""
    local = [
        LineString(coverage.lines[i].coords[::-1]) if rev else coverage.lines[i] for i, rev in order.order
    ]
    lines = []
    for number, ((i, _), line) in enumerate(zip(order.order, local, strict=True), start=1):
        lonlat = np.asarray(aoi.frame.to_lonlat(line).coords)
        kind = "sweep" if i < coverage.n_sweep_lines else "gap_fill"
        lines.append(
            PlannedLine.from_lonlat(number, lonlat, altitude_m=altitude_m, swath_width_m=swath, kind=kind)
        )
    transits, paths = [], []
    for k, (a, b) in enumerate(zip(local[:-1], local[1:], strict=True)):
        end, start = np.asarray(a.coords[-1]), np.asarray(b.coords[0])
        path = router.transit(end, _theta(a, -1), start, _theta(b, 0))
        paths.append(path)
        via = None
        if path.word == "detour":
            xy = path.points[1:-1]
            lon, lat = aoi.frame.lonlat(xy[:, 0], xy[:, 1])
            via = np.column_stack([lon, lat])
        transits.append(
            Transit(
                from_line=k + 1,
                to_line=k + 2,
                length_m=path.length_m,
                word=path.word,
                via_lonlat=via,
                clear=path.clear,
            )
        )
    return lines, transits, [p.points for p in paths]


def _outside_permitted(
    aoi: AreaOfInterest, coverage: Coverage, paths: list[np.ndarray], permitted_lonlat: list[Polygon]
) -> list[str]:
    """Notes naming the lines and turns that leave the permitted airspace, with how far (m)."""
    permitted = shapely.union_all([aoi.frame.to_local(p) for p in permitted_lonlat])
    notes = []
    lines_out = [line for line in coverage.lines if not permitted.covers(line)]
    if lines_out:
        notes.append(f"{len(lines_out)} line(s) leave the permitted airspace")
    worst = [
        (k + 1, float(shapely.distance(permitted, shapely.points(p)).max()))
        for k, p in enumerate(paths)
        if len(p) > 1 and not permitted.covers(LineString(p))
    ]
    if worst:
        listed = ", ".join(f"{k}->{k + 1} ({d:.0f} m)" for k, d in worst)
        notes.append(f"turns leaving the permitted airspace (furthest out): {listed}")
    return notes


def _theta(line: LineString, at: int) -> float:
    coords = np.asarray(line.coords)
    d = coords[-1] - coords[-2] if at == -1 else coords[1] - coords[0]
    return float(np.arctan2(d[1], d[0]))
