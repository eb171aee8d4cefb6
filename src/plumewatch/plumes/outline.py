"""Pixel masks to ground geometry: lon/lat outlines and local metric coordinates."""

from __future__ import annotations

import numpy as np
import pyproj
import rasterio.features
import shapely
from scipy import ndimage
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.ops import unary_union

from plumewatch.geo.footprint import utm_crs_for


def outline_polygon(mask: np.ndarray, lon_deg: np.ndarray, lat_deg: np.ndarray) -> Polygon | MultiPolygon:
    """Lon/lat outline of a (line, sample) pixel mask, traced along pixel edges."""
    rows, cols = np.nonzero(mask)
    r0, r1, c0, c1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    crop = np.ascontiguousarray(mask[r0:r1, c0:c1], dtype=np.uint8)
    pieces = [shape(geom) for geom, value in rasterio.features.shapes(crop, mask=crop.astype(bool)) if value]
    pixel_outline = unary_union(pieces)
    # Edge coordinates (x=sample, y=line) run from 0 at a pixel's outer edge; centres sit at +0.5.
    lon_pad = np.pad(lon_deg, 1, mode="reflect", reflect_type="odd")
    lat_pad = np.pad(lat_deg, 1, mode="reflect", reflect_type="odd")

    def to_lonlat(xy: np.ndarray) -> np.ndarray:
        line = xy[:, 1] + r0 - 0.5 + 1.0
        sample = xy[:, 0] + c0 - 0.5 + 1.0
        coords = np.vstack([line, sample])
        lon = ndimage.map_coordinates(lon_pad, coords, order=1, mode="nearest")
        lat = ndimage.map_coordinates(lat_pad, coords, order=1, mode="nearest")
        return np.column_stack([lon, lat])

    return shapely.make_valid(shapely.transform(pixel_outline, to_lonlat))


def local_metres(
    lon_deg: np.ndarray, lat_deg: np.ndarray, origin: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """East and north offsets (m) of lon/lat points from an origin, in the origin's UTM zone."""
    crs = utm_crs_for(*origin)
    to_utm = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x0, y0 = to_utm.transform(*origin)
    x, y = to_utm.transform(np.asarray(lon_deg, dtype=np.float64), np.asarray(lat_deg, dtype=np.float64))
    return np.asarray(x) - x0, np.asarray(y) - y0


def downwind_unit(wind_from_deg: float) -> np.ndarray:
    """(east, north) unit vector pointing downwind for a meteorological wind direction (from, degrees)."""
    to_rad = np.deg2rad((wind_from_deg + 180.0) % 360.0)
    return np.array([np.sin(to_rad), np.cos(to_rad)])


def principal_axis(east_m: np.ndarray, north_m: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Unit vector (east, north) of the weighted principal axis of a point cloud."""
    w = np.clip(weights, 0.0, None) + 1e-12
    xy = np.column_stack([east_m, north_m])
    centred = xy - np.average(xy, axis=0, weights=w)
    covariance = (centred * w[:, None]).T @ centred / w.sum()
    values, vectors = np.linalg.eigh(covariance)
    return vectors[:, np.argmax(values)]
