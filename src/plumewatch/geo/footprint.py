"""Footprints: the ground a flight line looked at, and metric projections for it."""

from __future__ import annotations

import numpy as np
import pyproj
from shapely.geometry import Polygon


def footprint_polygon(lon_deg: np.ndarray, lat_deg: np.ndarray) -> Polygon:
    """Lon/lat polygon traced around the edge pixels of a (line, sample) geolocation grid."""
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
