"""Revisit planning: which catalog sites to fly over again within a flight-time budget, and in what order.

Value of a site (each term in [0, 1], weights ``W_*`` below)::

    value = W_CANDIDATE * [status == candidate]
          + W_RISING    * clip((E_last - mean(E_before)) / mean(E_before), 0, 1)   (0 unless the rise
                                                                               exceeds sigma_last)
          + W_UNSEEN    * (1 - exp(-days_since_last_overflight / UNSEEN_TAU_DAYS))

E are emission rates (kg/h) of the site's detections in time order; a never-overflown site has unseen = 1.
Cost of a site: the extra tour length its visit adds (cheapest insertion) plus its line and a half-turn
(pi R) to line up with the wind. Sites are added greedily by value / cost^a while the tour fits the budget,
and the tour (base first) is re-optimised by 2-opt after each insertion; a nearest-neighbour + 2-opt tour
of the chosen sites replaces it if shorter. Several greedy runs (seeds, exponents a) are tried and the
most valuable kept (see ``choose_sites``). The flown plan is then timed leg by leg (geodesic distance
plus R times each heading change, in radians) and the least valuable site dropped until it fits.
Each chosen site gets a short line along the wind through it, a quarter upwind and three quarters
downwind, where its plume lies.
The wind comes from ``wind_from_deg`` if given, else from the axis of the site's latest plume (source to
outline centroid points downwind), else it is unknown and the line runs north-south (noted).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pyproj
import shapely

from plumewatch.errors import PlanningError
from plumewatch.missions.plan import MissionPlan, PlannedLine, Transit
from plumewatch.missions.routing import nearest_neighbour_tour, tour_length, two_opt
from plumewatch.sites.records import SiteDetail

log = logging.getLogger(__name__)

W_CANDIDATE = 1.0
W_RISING = 1.0
W_UNSEEN = 1.0
UNSEEN_TAU_DAYS = 30.0
UPWIND_FRACTION = 0.25
MIN_PLUME_AXIS_M = 10.0
SEEDS = 8
COST_EXPONENTS = (0.5, 1.0, 2.0)
GEOD = pyproj.Geod(ellps="WGS84")


@dataclass(frozen=True)
class SiteValue:
    """A site's revisit value and its parts, with the wind its line will follow (degrees from north)."""

    site_id: str
    lon_deg: float
    lat_deg: float
    value: float
    candidate: float
    rising: float
    unseen: float
    wind_from_deg: float | None
    wind_source: str


def rising_term(detail: SiteDetail) -> float:
    """Relative rise (0..1) of the latest emission rate over the mean of earlier ones; 0 if insignificant."""
    rated = sorted(
        (o for o in detail.observations if o.detected and o.emission_kg_h is not None), key=lambda o: o.time
    )
    if len(rated) < 2:
        return 0.0
    earlier = float(np.mean([o.emission_kg_h for o in rated[:-1]]))
    last = rated[-1]
    rise = last.emission_kg_h - earlier
    if earlier <= 0 or rise <= (last.emission_sigma_kg_h or 0.0):
        return 0.0
    return float(min(1.0, rise / earlier))


def last_overflight(detail: SiteDetail) -> datetime | None:
    """Time of the latest look at the site (any observation, else the summary's last_seen)."""
    times = [o.time for o in detail.observations]
    return max(times) if times else detail.summary.last_seen


def plume_wind_from_deg(detail: SiteDetail) -> float | None:
    """Wind direction (degrees the wind blows from) read off the latest plume's axis, or None."""
    plumes = sorted((p for p in detail.plumes if p.outline_wkt), key=lambda p: p.time)
    if not plumes:
        return None
    latest = plumes[-1]
    centroid = shapely.from_wkt(latest.outline_wkt).centroid
    azimuth, _, distance = GEOD.inv(latest.source_lon_deg, latest.source_lat_deg, centroid.x, centroid.y)
    if distance < MIN_PLUME_AXIS_M:
        return None
    return float((azimuth + 180.0) % 360.0)


def site_value(detail: SiteDetail, now: datetime, *, wind_from_deg: float | None = None) -> SiteValue:
    """The revisit value of one site (formula in the module docstring) and the wind for its line."""
    s = detail.summary
    candidate = 1.0 if s.status == "candidate" else 0.0
    rising = rising_term(detail)
    seen = last_overflight(detail)
    unseen = (
        1.0
        if seen is None
        else 1.0 - math.exp(-max(0.0, (now - seen).total_seconds()) / 86400.0 / UNSEEN_TAU_DAYS)
    )
    if wind_from_deg is not None:
        wind, source = float(wind_from_deg) % 360.0, "option"
    else:
        wind = plume_wind_from_deg(detail)
        source = "plume_axis" if wind is not None else "unknown"
    value = W_CANDIDATE * candidate + W_RISING * rising + W_UNSEEN * unseen
    return SiteValue(s.site_id, s.lon_deg, s.lat_deg, value, candidate, rising, unseen, wind, source)


def _distances(points: np.ndarray) -> np.ndarray:
    n = len(points)
    i, j = np.triu_indices(n, 1)
    _, _, d = GEOD.inv(points[i, 0], points[i, 1], points[j, 0], points[j, 1])
    out = np.zeros((n, n))
    out[i, j] = out[j, i] = d
    return out


def choose_sites(
    values: list[SiteValue], dist: np.ndarray, visit_cost_m: float, budget_m: float, *, closed: bool
) -> list[int]:
    """Indices (into ``values``; node 0 of ``dist`` is the start) of the chosen sites in tour order.

    The greedy insertion is run from several starts (no seed, and each of the ``SEEDS`` most valuable
    sites forced in first) with insertion scores value / cost^a for a in ``COST_EXPONENTS``; the run
    collecting the most value wins (ties: the shorter tour). An open route (no return to the start) is a
    closed tour whose legs back to node 0 cost nothing.
    """
    dist = dist.copy()
    if not closed:
        dist[:, 0] = 0.0
    ranked = sorted(range(len(values)), key=lambda k: -values[k].value)[:SEEDS]
    best: tuple[float, float, list[int]] | None = None
    for seed in [None, *ranked]:
        for exponent in COST_EXPONENTS:
            tour = _greedy_tour(values, dist, visit_cost_m, budget_m, seed, exponent)
            if tour is None:
                continue
            score = (sum(values[n - 1].value for n in tour[1:]), -tour_length(dist, tour))
            if best is None or score > best[:2]:
                best = (*score, tour)
    return [] if best is None else [node - 1 for node in best[2][1:]]


def _greedy_tour(
    values: list[SiteValue],
    dist: np.ndarray,
    visit_cost_m: float,
    budget_m: float,
    seed: int | None,
    exponent: float,
) -> list[int] | None:
    """One greedy insertion run (closed tour from node 0), or None if the seed alone breaks the budget."""
    tour = [0]
    if seed is not None:
        tour.append(seed + 1)
        if tour_length(dist, tour) + visit_cost_m > budget_m:
            return None
    while True:
        current = tour_length(dist, tour) + visit_cost_m * (len(tour) - 1)
        pick = None
        for node in range(1, len(dist)):
            if node in tour or values[node - 1].value <= 0:
                continue
            extra, where = _cheapest_insertion(dist, tour, node)
            cost = extra + visit_cost_m
            if current + cost > budget_m:
                continue
            score = values[node - 1].value / max(cost, 1.0) ** exponent
            if pick is None or score > pick[0]:
                pick = (score, node, where)
        if pick is None:
            break
        tour.insert(pick[2], pick[1])
        tour = two_opt(dist, tour)
    sub = np.array(tour)
    nn = [tour[k] for k in two_opt(dist[np.ix_(sub, sub)], nearest_neighbour_tour(dist[np.ix_(sub, sub)]))]
    return nn if tour_length(dist, nn) < tour_length(dist, tour) else tour


def _cheapest_insertion(dist: np.ndarray, tour: list[int], node: int) -> tuple[float, int]:
    """Extra closed-tour length (m) of inserting ``node``, and the position that gives it."""
    prev = np.array(tour)
    nxt = np.roll(prev, -1)
    extra = dist[prev, node] + dist[node, nxt] - dist[prev, nxt]
    pos = int(np.argmin(extra))
    return float(extra[pos]), pos + 1


def plan_revisit(
    details: list[SiteDetail],
    *,
    budget_h: float,
    now: datetime,
    base_lonlat: tuple[float, float] | None = None,
    speed_m_s: float = 60.0,
    turn_radius_m: float = 0.0,
    altitude_m: float = 3000.0,
    swath_width_m: float = 1800.0,
    line_length_m: float = 3000.0,
    wind_from_deg: float | None = None,
) -> MissionPlan:
    """A revisit MissionPlan: the most valuable sites that fit ``budget_h`` hours, from ``base_lonlat``."""
    if not budget_h > 0:
        raise PlanningError(f"flight-time budget {budget_h} h must be positive")
    if not speed_m_s > 0 or not line_length_m > 0:
        raise PlanningError("speed and line length must be positive")
    values = [site_value(d, now, wind_from_deg=wind_from_deg) for d in details]
    if not values:
        raise PlanningError("the catalog holds no sites to revisit")
    closed = base_lonlat is not None
    start = base_lonlat if closed else _start_site(values)
    points = np.array([start, *[(v.lon_deg, v.lat_deg) for v in values]], dtype=float)
    dist = _distances(points)
    visit_cost = line_length_m + math.pi * turn_radius_m
    budget_m = budget_h * 3600.0 * speed_m_s
    order = choose_sites(values, dist, visit_cost, budget_m, closed=closed)
    while True:
        plan = _build_plan(
            values, order, start, closed, speed_m_s, turn_radius_m, altitude_m, swath_width_m, line_length_m
        )
        if plan.flight_time_s <= budget_h * 3600.0 or not order:
            break
        drop = min(order, key=lambda k: values[k].value)
        order = [k for k in order if k != drop]
    if not order:
        raise PlanningError(f"no site fits a {budget_h} h budget at {speed_m_s} m/s")
    return plan


def _start_site(values: list[SiteValue]) -> tuple[float, float]:
    best = max(values, key=lambda v: v.value)
    return best.lon_deg, best.lat_deg


def _site_line(v: SiteValue, line_length_m: float) -> np.ndarray:
    wind_from = 0.0 if v.wind_from_deg is None else v.wind_from_deg
    lon0, lat0, _ = GEOD.fwd(v.lon_deg, v.lat_deg, wind_from, UPWIND_FRACTION * line_length_m)
    lon1, lat1, _ = GEOD.fwd(
        v.lon_deg, v.lat_deg, (wind_from + 180.0) % 360.0, (1.0 - UPWIND_FRACTION) * line_length_m
    )
    points = GEOD.npts(lon0, lat0, lon1, lat1, 8)
    lonlat = np.array([(lon0, lat0), *points, (lon1, lat1)])
    lonlat[:, 0] = (lonlat[:, 0] + 180.0) % 360.0 - 180.0
    return lonlat


def _turn_m(from_heading: float, to_heading: float, radius_m: float) -> float:
    change = abs((to_heading - from_heading + 180.0) % 360.0 - 180.0)
    return math.radians(change) * radius_m


def _build_plan(values, order, start, closed, speed_m_s, radius_m, altitude_m, swath_m, line_length_m):
    lines: list[PlannedLine] = []
    transits: list[Transit] = []
    position = np.asarray(start, float)
    heading = None
    for number, k in enumerate(order, start=1):
        v = values[k]
        lonlat = _site_line(v, line_length_m)
        nxt = (
            np.array([values[order[number]].lon_deg, values[order[number]].lat_deg])
            if number < len(order)
            else (np.asarray(start, float) if closed else None)
        )
        lonlat = _oriented(lonlat, position, nxt)
        az_in, _, approach = GEOD.inv(position[0], position[1], lonlat[0, 0], lonlat[0, 1])
        line_heading, _, _ = GEOD.inv(lonlat[0, 0], lonlat[0, 1], lonlat[-1, 0], lonlat[-1, 1])
        turn = _turn_m(az_in if heading is None else heading, az_in, radius_m) + _turn_m(
            az_in, line_heading, radius_m
        )
        if number > 1 or closed:
            transits.append(
                Transit(from_line=number - 1, to_line=number, length_m=float(approach) + turn, word="transit")
            )
        line = PlannedLine.from_lonlat(
            number, lonlat, altitude_m=altitude_m, swath_width_m=swath_m, site_id=v.site_id, kind="revisit"
        )
        lines.append(line)
        _, back_az, _ = GEOD.inv(lonlat[0, 0], lonlat[0, 1], lonlat[-1, 0], lonlat[-1, 1])
        heading = (back_az + 180.0) % 360.0
        position = lonlat[-1]
    if closed and lines:
        az_home, _, home = GEOD.inv(position[0], position[1], start[0], start[1])
        transits.append(
            Transit(
                from_line=len(lines),
                to_line=0,
                length_m=float(home) + _turn_m(heading, az_home, radius_m),
                word="return",
            )
        )
    chosen = {values[k].site_id for k in order}
    notes = [
        f"site {values[k].site_id}: wind unknown, line runs north-south"
        for k in order
        if values[k].wind_source == "unknown"
    ]
    skipped = [v.site_id for v in values if v.site_id not in chosen and v.value > 0]
    if skipped:
        notes.append(f"{len(skipped)} site(s) with value did not fit the budget")
    return MissionPlan(
        kind="revisit",
        lines=lines,
        transits=transits,
        speed_m_s=speed_m_s,
        altitude_m=altitude_m,
        turn_radius_m=radius_m,
        swath_width_m=swath_m,
        home_lonlat=(float(start[0]), float(start[1])),
        notes=notes,
        extra={
            "sites": [
                {
                    "order": i + 1,
                    "site_id": values[k].site_id,
                    "value": round(values[k].value, 4),
                    "candidate": values[k].candidate,
                    "rising": round(values[k].rising, 4),
                    "unseen": round(values[k].unseen, 4),
                    "wind_from_deg": None
                    if values[k].wind_from_deg is None
                    else round(values[k].wind_from_deg, 1),
                    "wind_source": values[k].wind_source,
                }
                for i, k in enumerate(order)
            ],
            "skipped_sites": skipped,
            "closed_tour": closed,
        },
    )


def _oriented(lonlat: np.ndarray, position: np.ndarray, nxt: np.ndarray | None) -> np.ndarray:
    """The line flown in whichever direction makes approach plus departure shorter."""

    def cost(line: np.ndarray) -> float:
        _, _, a = GEOD.inv(position[0], position[1], line[0, 0], line[0, 1])
        b = 0.0 if nxt is None else GEOD.inv(line[-1, 0], line[-1, 1], nxt[0], nxt[1])[2]
        return float(a + b)

    return lonlat if cost(lonlat) <= cost(lonlat[::-1]) else lonlat[::-1].copy()
