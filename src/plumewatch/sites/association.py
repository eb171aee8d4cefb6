"""Associating plumes with sites: distance gates from geolocation uncertainty and plume extent, and gas.

A plume joins the known site that scores best, if any passes its gate:

- same gas: the plume's source lies within ``GATE_SIGMAS`` combined 1-sigma of the site
  (bounded to [``MIN_GATE_M``, ``max_gate_m``]), or the plume's outline, widened by that
  1-sigma, covers the site and the source is within ``max_gate_m`` (a source point placed
  downwind of the true source still covers it). ``max_gate_m`` is ``MAX_GATE_M``, which stops
  facilities a few hundred metres apart from merging, but never less than ``COARSE_GATE_SIGMAS``
  combined 1-sigma: a coarse sensor's source points (EMIT's 60 m pixels: 1-sigma ~135 m)
  scatter over more than ``MAX_GATE_M`` around one facility;
- another gas: only within ``COLOCATED_SIGMAS`` combined 1-sigma of the site: gases seen at
  the same spot are one facility, gases from a site next door are not;
- a plume that lies inside another gas's plume of the same scene and starts where it starts
  (``Plume.within_plume``) joins that plume's site: one release seen in two gases, or one gas's
  echo in the other's retrieval, never a site of its own;
- failing all those, a downwind fragment: the plume's source lies downwind of a site of its gas,
  inside the cone about the plume's wind and within a plausible plume length
  (``plumewatch.plumes.fragments``). It joins that site, and says nothing about where the site
  is or how much it emits (``Match.downwind_m``).

Positions are inverse-variance weighted means of the plumes' source points.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from plumewatch.geo.footprint import distance_m
from plumewatch.plumes.fragments import downwind_distance_m, plausible_length_m
from plumewatch.plumes.outline import downwind_unit

GATE_SIGMAS = 3.0
COLOCATED_SIGMAS = 2.0
MIN_GATE_M = 15.0
MAX_GATE_M = 100.0
COARSE_GATE_SIGMAS = 2.0
METRES_PER_DEG_LAT = 111_195.0


@dataclass
class SiteState:
    """A site as association sees it: position and gases (``key`` is the database row, or None if new)."""

    key: int | None
    lon_deg: float
    lat_deg: float
    sigma_m: float
    gases: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class SourceFix:
    """One plume's source point with its 1-sigma (m), gas, outline and the wind it was seen in."""

    lon_deg: float
    lat_deg: float
    sigma_m: float
    gas: str
    outline: BaseGeometry | None = None
    wind_from_deg: float | None = None
    wind_speed_m_s: float | None = None


@dataclass(frozen=True)
class Match:
    """The site a plume joins; ``downwind_m`` is set when it joined as a fragment that far downwind."""

    site: SiteState
    downwind_m: float | None = None


def gate_m(site_sigma_m: float, source_sigma_m: float) -> float:
    """Association gate (m) for a site and a source point with these 1-sigma uncertainties."""
    combined = float(np.hypot(site_sigma_m, source_sigma_m))
    return float(np.clip(GATE_SIGMAS * combined, MIN_GATE_M, max_gate_m(combined)))


def max_gate_m(combined_sigma_m: float) -> float:
    """Largest association distance (m) for a combined 1-sigma (m): MAX_GATE_M or, if wider, 2 sigma."""
    return max(MAX_GATE_M, COARSE_GATE_SIGMAS * combined_sigma_m)


def best_site(fix: SourceFix, sites: Sequence[SiteState], *, host: SiteState | None = None) -> Match | None:
    """The site a source point belongs to, or None when it passes no site's gate.

    ``host`` is the site of the other-gas plume this plume lies inside, if any.
    """
    if host is not None:
        return Match(host)
    best, best_score = None, np.inf
    for site in sites:
        d = distance_m(fix.lon_deg, fix.lat_deg, site.lon_deg, site.lat_deg)
        combined = float(np.hypot(site.sigma_m, fix.sigma_m))
        if fix.gas in site.gases or not site.gases:
            gate = gate_m(site.sigma_m, fix.sigma_m)
            score = d / gate
            cap = max_gate_m(combined)
            if score > 1.0 and _outline_covers(fix, site, combined) and d <= cap:
                score = 1.0 + d / cap
            elif score > 1.0:
                continue
        else:
            colocated = COLOCATED_SIGMAS * combined
            if d > colocated:
                continue
            score = 2.0 + d / colocated
        if score < best_score:
            best, best_score = site, score
    if best is not None:
        return Match(best)
    return _downwind_site(fix, [s for s in sites if fix.gas in s.gases])


def _downwind_site(fix: SourceFix, sites: Sequence[SiteState]) -> Match | None:
    """The nearest site that the source point lies downwind of, within the cone and plume length."""
    if fix.wind_from_deg is None:
        return None
    downwind = downwind_unit(fix.wind_from_deg)
    best = None
    for site in sites:
        east, north = _offset_m(site, fix)
        along = downwind_distance_m(
            east,
            north,
            downwind,
            max_distance_m=plausible_length_m(fix.wind_speed_m_s),
            margin_m=gate_m(site.sigma_m, fix.sigma_m),
        )
        if along is not None and (best is None or along < best.downwind_m):
            best = Match(site, along)
    return best


def weighted_position(fixes: Sequence[SourceFix]) -> tuple[float, float, float]:
    """(lon, lat, 1-sigma m) of the inverse-variance weighted mean of source points."""
    lon = np.array([f.lon_deg for f in fixes])
    lat = np.array([f.lat_deg for f in fixes])
    weights = 1.0 / np.array([max(f.sigma_m, 1e-3) for f in fixes]) ** 2
    lat0 = float(np.average(lat, weights=weights))
    lon0 = float(np.average(lon, weights=weights))
    east = (lon - lon0) * METRES_PER_DEG_LAT * np.cos(np.deg2rad(lat0))
    north = (lat - lat0) * METRES_PER_DEG_LAT
    formal = 1.0 / weights.sum()
    if len(fixes) > 1:
        # The scatter of the fixes, when it exceeds their stated errors, is the better error of the mean.
        scatter = float(np.average(east**2 + north**2, weights=weights)) / 2.0 / (len(fixes) - 1)
        return lon0, lat0, float(np.sqrt(max(formal, scatter)))
    return lon0, lat0, float(np.sqrt(formal))


def _offset_m(site: SiteState, fix: SourceFix) -> tuple[float, float]:
    """(east, north) metres from a site to a source point (local flat-earth, fine over a few km)."""
    east = (fix.lon_deg - site.lon_deg) * METRES_PER_DEG_LAT * np.cos(np.deg2rad(site.lat_deg))
    return float(east), float((fix.lat_deg - site.lat_deg) * METRES_PER_DEG_LAT)


def _outline_covers(fix: SourceFix, site: SiteState, combined_sigma_m: float) -> bool:
    if fix.outline is None or fix.outline.is_empty:
        return False
    widen_deg = combined_sigma_m / METRES_PER_DEG_LAT
    return fix.outline.buffer(widen_deg).covers(Point(site.lon_deg, site.lat_deg))
