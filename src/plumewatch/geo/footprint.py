"""Footprints: the ground a flight line looked at, and metric projections for it."""

from __future__ import annotations

import numpy as np
import pyproj
from scipy import ndimage
from shapely.geometry import MultiPolygon, Polygon
from shapely.ops import unary_union


def footprint_polygon(lon_deg: np.ndarray, lat_deg: np.ndarray) -> Polygon | MultiPolygon:
    """Lon/lat outline of a (line, sample) geolocation grid: one polygon per run of lines with positions.

    Lines without any position (telemetry gaps) split the footprint, so a gap never counts as looked at.
    """
    located = (np.isfinite(lon_deg) & np.isfinite(lat_deg)).any(axis=1)
    runs, count = ndimage.label(located)
    pieces = [_run_polygon(lon_deg[run], lat_deg[run]) for run in ndimage.find_objects(runs, count)]
    if len(pieces) == 1:
        return pieces[0]
    return unary_union(pieces) if pieces else Polygon()


def _run_polygon(lon_deg: np.ndarray, lat_deg: np.ndarray) -> Polygon:
    edges = [
        (lon_deg[0, :], lat_deg[0, :]),
        (lon_deg[:, -1], lat_deg[:, -1]),
        (lon_deg[-1, ::-1], lat_deg[-1, ::-1]),
        (lon_deg[::-1, 0], lat_deg[::-1, 0]),
    ]
    lon = np.concatenate([e[0] for e in edges])
    lat = np.concatenate([e[1] for e in edges])
    ring = [(float(x), float(y)) for x, y in zip(lon, lat, strict=True) if np.isfinite(x) and np.isfinite(y)]
    return Polygon(ring).buffer(0).simplify(1e-6)


def utm_crs_for(lon_deg: float, lat_deg: float) -> pyproj.CRS:
    """The UTM zone CRS (WGS84) that contains a lon/lat point."""
    zone = int((lon_deg + 180.0) // 6.0) % 60 + 1
    return pyproj.CRS.from_dict({"proj": "utm", "zone": zone, "south": lat_deg < 0, "datum": "WGS84"})


def distance_m(lon1_deg: float, lat1_deg: float, lon2_deg: float, lat2_deg: float) -> float:
    """Geodesic distance in metres between two lon/lat points on the WGS84 ellipsoid."""
    _, _, dist = pyproj.Geod(ellps="WGS84").inv(lon1_deg, lat1_deg, lon2_deg, lat2_deg)
    return float(dist)
