"""A local metric frame for planning: azimuthal equidistant about the area's centre.

One projection serves everywhere, poles and antimeridian included: the frame is
centred on the 3-D mean of the geometry's densified vertices, edges are taken as
straight in lon/lat (RFC 7946) and densified before projecting, so a polygon split
at +/-180 degrees joins up again in the plane, a polar cap written as RFC 7946
asks becomes a disc, and longitudes past 180 also work. Lines come back to WGS84
split at the antimeridian. Distances from the centre are exact; the scale error elsewhere is about
(d / R)^2 / 6, under 0.1 % within 400 km of the centre.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property

import antimeridian
import numpy as np
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

log = logging.getLogger(__name__)

LONLAT_EDGE_STEP_DEG = 0.05
LOCAL_EDGE_STEP_M = 1000.0
MAX_FRAME_RADIUS_M = 2_000_000.0


@dataclass(frozen=True)
class LocalFrame:
    """Azimuthal equidistant projection (WGS84) centred at ``lon0_deg``, ``lat0_deg``."""

    lon0_deg: float
    lat0_deg: float

    @property
    def proj4(self) -> str:
        """The frame as a PROJ string."""
        return (
            f"+proj=aeqd +lat_0={self.lat0_deg:.9f} +lon_0={self.lon0_deg:.9f} +datum=WGS84 +units=m +no_defs"
        )

    @property
    def crs(self) -> pyproj.CRS:
        """The frame's projected CRS (metres)."""
        return pyproj.CRS.from_proj4(self.proj4)

    @cached_property
    def _transformers(self) -> tuple[pyproj.Transformer, pyproj.Transformer]:
        forward = pyproj.Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)
        inverse = pyproj.Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)
        return forward, inverse

    def xy(self, lon_deg: np.ndarray, lat_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Local x, y in metres of lon/lat points."""
        forward, _ = self._transformers
        x, y = forward.transform(np.asarray(lon_deg, dtype=float), np.asarray(lat_deg, dtype=float))
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def lonlat(self, x_m: np.ndarray, y_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Lon/lat (degrees, lon in [-180, 180)) of local points."""
        _, inverse = self._transformers
        lon, lat = inverse.transform(np.asarray(x_m, dtype=float), np.asarray(y_m, dtype=float))
        return (np.asarray(lon) + 180.0) % 360.0 - 180.0, np.asarray(lat, dtype=float)

    def to_local(self, geom: BaseGeometry) -> BaseGeometry:
        """A lon/lat geometry in local metres; edges (straight in lon/lat, per GeoJSON) densified first."""
        forward, _ = self._transformers

        def project(coords: np.ndarray) -> np.ndarray:
            return np.column_stack(forward.transform(coords[:, 0], coords[:, 1]))

        return shapely.transform(shapely.segmentize(geom, LONLAT_EDGE_STEP_DEG), project)

    def to_lonlat(self, geom: BaseGeometry, *, step_m: float = LOCAL_EDGE_STEP_M) -> BaseGeometry:
        """A local geometry back in lon/lat (lon in [-180, 180]), densified every ``step_m`` metres first."""
        _, inverse = self._transformers

        def unproject(coords: np.ndarray) -> np.ndarray:
            lon, lat = inverse.transform(coords[:, 0], coords[:, 1])
            return np.column_stack([(np.asarray(lon) + 180.0) % 360.0 - 180.0, lat])

        return shapely.transform(shapely.segmentize(geom, step_m), unproject)


def frame_for(geom_lonlat: BaseGeometry) -> LocalFrame:
    """The local frame centred on a lon/lat geometry (3-D mean of its densified vertices)."""
    coords = shapely.get_coordinates(shapely.segmentize(geom_lonlat, LONLAT_EDGE_STEP_DEG))
    if len(coords) == 0:
        raise ValueError("empty geometry has no centre")
    lon, lat = np.radians(coords[:, 0]), np.radians(coords[:, 1])
    xyz = np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)]).mean(axis=0)
    norm = float(np.linalg.norm(xyz))
    if norm < 1e-9:
        raise ValueError("geometry spans the globe; no local frame fits it")
    lat0 = float(np.degrees(np.arcsin(np.clip(xyz[2] / norm, -1.0, 1.0))))
    lon0 = float(np.degrees(np.arctan2(xyz[1], xyz[0]))) if abs(lat0) < 89.999999 else 0.0
    return LocalFrame(lon0, lat0)


def frame_radius_m(geom_local: BaseGeometry) -> float:
    """Largest distance (m) of a local geometry's vertices from the frame centre."""
    coords = shapely.get_coordinates(geom_local)
    return float(np.hypot(coords[:, 0], coords[:, 1]).max()) if len(coords) else 0.0


def split_antimeridian(line_lonlat: BaseGeometry) -> BaseGeometry:
    """A lon/lat LineString split into a MultiLineString where it crosses +/-180 degrees (RFC 7946 3.1.9)."""
    if line_lonlat.geom_type != "LineString":
        return line_lonlat
    lon = shapely.get_coordinates(line_lonlat)[:, 0]
    if len(lon) < 2 or np.abs(np.diff(lon)).max() <= 180.0:
        return line_lonlat
    return antimeridian.fix_line_string(line_lonlat, great_circle=False)
