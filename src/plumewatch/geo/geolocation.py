"""Per-pixel ground positions from the geometry arrays a file brings: map grids, IGM and GLT.

All functions return WGS84 lon/lat in degrees on the raw (line, sample) grid,
NaN where the geometry says nothing.
"""

from __future__ import annotations

import numpy as np
import pyproj
from rasterio.transform import Affine

WGS84 = pyproj.CRS.from_epsg(4326)
_GEOD = pyproj.Geod(ellps="WGS84")


def map_to_lonlat(x: np.ndarray, y: np.ndarray, crs: pyproj.CRS | str) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 lon/lat (deg) of map coordinates ``x``, ``y`` in ``crs``."""
    crs = pyproj.CRS.from_user_input(crs)
    if crs.equals(WGS84, ignore_axis_order=True):
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    transformer = pyproj.Transformer.from_crs(crs, WGS84, always_xy=True)
    lon, lat = transformer.transform(np.asarray(x, np.float64), np.asarray(y, np.float64))
    return np.asarray(lon), np.asarray(lat)


def grid_lonlat(
    transform: Affine, crs: pyproj.CRS | str, lines: int, samples: int
) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 lon/lat (deg) of every pixel centre of a map grid (line, sample) with this affine transform."""
    cols, rows = np.meshgrid(np.arange(samples) + 0.5, np.arange(lines) + 0.5)
    return map_to_lonlat(*apply_affine(transform, cols, rows), crs)


def apply_affine(transform: Affine, cols: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Map x, y of fractional pixel positions (col, row) under an affine transform."""
    t = transform
    return t.a * cols + t.b * rows + t.c, t.d * cols + t.e * rows + t.f


def invert_glt(
    glt_sample: np.ndarray,
    glt_line: np.ndarray,
    transform: Affine,
    crs: pyproj.CRS | str,
    lines: int,
    samples: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw-grid lon/lat (deg) from a geographic lookup table, and the count of map cells behind each pixel.

    A GLT holds, per map cell, the 1-based (sample, line) of the raw pixel seen there;
    negative values mark cells filled from a neighbour and 0 means no data, so only
    positive cells count. Each raw pixel's position is the mean of its cells' centres
    (so it is quantised to the map grid); pixels with no cell are NaN.
    """
    glt_sample = np.asarray(glt_sample)
    glt_line = np.asarray(glt_line)
    valid = (glt_sample > 0) & (glt_line > 0) & (glt_sample <= samples) & (glt_line <= lines)
    rows, cols = np.nonzero(valid)
    lon, lat = map_to_lonlat(*apply_affine(transform, cols + 0.5, rows + 0.5), crs)
    index = (glt_line[valid].astype(np.int64) - 1) * samples + (glt_sample[valid].astype(np.int64) - 1)
    count = np.bincount(index, minlength=lines * samples).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        lon_raw = np.bincount(index, weights=lon, minlength=lines * samples) / count
        lat_raw = np.bincount(index, weights=lat, minlength=lines * samples) / count
    shape = (lines, samples)
    return lon_raw.reshape(shape), lat_raw.reshape(shape), count.reshape(shape).astype(np.int64)


def pixel_spacing_m(lon_deg: np.ndarray, lat_deg: np.ndarray, *, max_lines: int = 256) -> dict[str, float]:
    """Median distance (m) between neighbouring pixels: ``along_track_m`` (lines), ``cross_track_m``."""
    lines = lon_deg.shape[0]
    rows = np.unique(np.linspace(0, max(lines - 2, 0), num=min(max_lines, max(lines - 1, 1))).astype(int))
    out: dict[str, float] = {}
    if lon_deg.shape[1] > 1:
        _, _, d = _GEOD.inv(lon_deg[rows, :-1], lat_deg[rows, :-1], lon_deg[rows, 1:], lat_deg[rows, 1:])
        out["cross_track_m"] = _finite_median(d)
    if lines > 1:
        _, _, d = _GEOD.inv(lon_deg[rows], lat_deg[rows], lon_deg[rows + 1], lat_deg[rows + 1])
        out["along_track_m"] = _finite_median(d)
    return out


def pixel_size_m(lon_deg: np.ndarray, lat_deg: np.ndarray) -> float | None:
    """Square-equivalent pixel size (m): sqrt(along * cross) of median neighbour spacings; None if unknown."""
    spacing = [v for v in pixel_spacing_m(lon_deg, lat_deg).values() if np.isfinite(v) and v > 0]
    if not spacing:
        return None
    return float(np.sqrt(np.prod(spacing))) if len(spacing) == 2 else float(spacing[0])


def _finite_median(values: np.ndarray) -> float:
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    return float(np.median(values)) if values.size else float("nan")
