"""Where look rays meet the ground: a flat surface at a given height, or a DEM GeoTIFF.

Rays are Earth-centred (ECEF, metres). Flat terrain is solved by Newton steps on the
ray parameter using geodetic height (exact on the ellipsoid, curvature included). A
DEM is ray-marched from the DEM's highest point down to its lowest in steps of at
most half a DEM cell; the first crossing is refined by linear interpolation between
the bracketing steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyproj
import rasterio
from rasterio.errors import RasterioIOError
from scipy.ndimage import map_coordinates

from plumewatch.errors import InputFileError

_TO_GEODETIC = pyproj.Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True)
NEWTON_STEPS = 6
RAYS_PER_BLOCK = 20_000


@dataclass(frozen=True)
class Terrain:
    """A DEM: heights (m above the WGS84 ellipsoid) on a grid with an affine transform and CRS."""

    height_m: np.ndarray
    transform: rasterio.Affine
    crs: pyproj.CRS
    cell_size_m: float

    @classmethod
    def from_geotiff(cls, path: str | Path) -> Terrain:
        """The terrain of a single-band DEM GeoTIFF (heights in metres; nodata becomes NaN)."""
        path = Path(path)
        try:
            with rasterio.open(path) as src:
                if src.crs is None:
                    raise InputFileError(path, "DEM has no CRS")
                height = src.read(1, masked=True).astype(np.float64).filled(np.nan)
                transform, crs = src.transform, pyproj.CRS.from_user_input(src.crs.to_wkt())
        except RasterioIOError as err:
            raise InputFileError(path, f"not a readable DEM GeoTIFF ({err})") from None
        if not np.isfinite(height).any():
            raise InputFileError(path, "DEM holds no valid heights")
        cell = abs(transform.a)
        if crs.is_geographic:
            cell *= 111_320.0 * np.cos(np.deg2rad(transform.f))
        return cls(height, transform, crs, float(cell))

    def height_at(self, lon_deg: np.ndarray, lat_deg: np.ndarray) -> np.ndarray:
        """Bilinear DEM height (m) at lon/lat; NaN outside the DEM."""
        x, y = pyproj.Transformer.from_crs(4326, self.crs, always_xy=True).transform(lon_deg, lat_deg)
        inverse = ~self.transform
        col = inverse.a * np.asarray(x) + inverse.b * np.asarray(y) + inverse.c - 0.5
        row = inverse.d * np.asarray(x) + inverse.e * np.asarray(y) + inverse.f - 0.5
        return map_coordinates(self.height_m, [row, col], order=1, mode="constant", cval=np.nan)


def intersect(origin: np.ndarray, direction: np.ndarray, terrain: Terrain | float):
    """Lon, lat (deg) and height (m) where rays (n, 3) from ``origin`` (n, 3) ECEF meet the terrain."""
    direction = direction / np.linalg.norm(direction, axis=-1, keepdims=True)
    if isinstance(terrain, Terrain):
        out = [
            _intersect_dem(origin[i : i + RAYS_PER_BLOCK], direction[i : i + RAYS_PER_BLOCK], terrain)
            for i in range(0, len(origin), RAYS_PER_BLOCK)
        ]
        return tuple(np.concatenate(parts) for parts in zip(*out, strict=True))
    t = _flat_range(origin, direction, float(terrain))
    lon, lat, height = _geodetic(origin + t[:, None] * direction)
    return lon, lat, height


def _geodetic(points: np.ndarray):
    lon, lat, height = _TO_GEODETIC.transform(points[..., 0], points[..., 1], points[..., 2])
    return np.asarray(lon), np.asarray(lat), np.asarray(height)


def _flat_range(origin: np.ndarray, direction: np.ndarray, height_m: float) -> np.ndarray:
    """Distance along each ray to the surface at ``height_m`` above the ellipsoid (NaN if never reached)."""
    lon, lat, h0 = _geodetic(origin)
    up = _up(lon, lat)
    descent = -np.einsum("ij,ij->i", direction, up)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(descent > 0, (h0 - height_m) / descent, np.nan)
        for _ in range(NEWTON_STEPS):
            lon, lat, h = _geodetic(origin + t[:, None] * direction)
            rate = -np.einsum("ij,ij->i", direction, _up(lon, lat))
            t = t + (h - height_m) / rate
    return np.where(t >= 0, t, np.nan)


def _intersect_dem(origin: np.ndarray, direction: np.ndarray, terrain: Terrain):
    top, bottom = float(np.nanmax(terrain.height_m)), float(np.nanmin(terrain.height_m))
    t_start = np.nan_to_num(_flat_range(origin, direction, top + 1.0), nan=0.0)
    t_end = _flat_range(origin, direction, bottom - 1.0)
    span = np.nanmax(t_end - t_start) if np.isfinite(t_end).any() else 0.0
    steps = int(np.clip(np.ceil(span / (0.5 * terrain.cell_size_m)), 2, 20_000))
    fractions = np.linspace(0.0, 1.0, steps + 1)
    lon = np.full(len(origin), np.nan)
    lat = np.full(len(origin), np.nan)
    height = np.full(len(origin), np.nan)
    previous_gap = None
    previous_t = None
    found = np.zeros(len(origin), dtype=bool)
    for fraction in fractions:
        t = t_start + fraction * (t_end - t_start)
        plon, plat, ph = _geodetic(origin + t[:, None] * direction)
        gap = ph - terrain.height_at(plon, plat)
        if previous_gap is not None:
            crossing = ~found & (previous_gap > 0) & (gap <= 0)
            if crossing.any():
                share = previous_gap[crossing] / (previous_gap[crossing] - gap[crossing])
                t_hit = previous_t[crossing] + share * (t[crossing] - previous_t[crossing])
                hit = origin[crossing] + t_hit[:, None] * direction[crossing]
                lon[crossing], lat[crossing], height[crossing] = _geodetic(hit)
                found |= crossing
        if found.all():
            break
        previous_gap, previous_t = gap, t
    return lon, lat, height


def _up(lon_deg: np.ndarray, lat_deg: np.ndarray) -> np.ndarray:
    lam, phi = np.deg2rad(lon_deg), np.deg2rad(lat_deg)
    return np.stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)], axis=-1)
