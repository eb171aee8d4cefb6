"""Orthorectified Cloud-Optimized GeoTIFFs of enhancement and uncertainty (ppm·m).

The sensor-grid product is resampled onto a regular north-up grid (the scene's UTM
zone in metres, or WGS84 degrees) by nearest neighbour: each output cell takes the
pixel whose centre is closest (a k-d tree over pixel centres), so values are never
blended, and cells farther than 0.75 pixel from any pixel centre stay nodata (-9999).
GDAL's geolocation-array warper (``reproject(src_geoloc_array=...)``) was tried first
and placed values about half a pixel off on a rotated test grid, hence the tree.
rio-cogeo then writes the tiled, overviewed COG.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pyproj
from rasterio.crs import CRS
from rasterio.errors import NotGeoreferencedWarning
from rasterio.io import MemoryFile
from rasterio.transform import Affine
from rio_cogeo.cogeo import cog_translate, cog_validate
from rio_cogeo.profiles import cog_profiles
from scipy.spatial import cKDTree

from plumewatch.atomic import atomic_path
from plumewatch.errors import InputFileError
from plumewatch.geo.footprint import utm_crs_for
from plumewatch.geo.geolocation import pixel_size_m

NODATA = -9999.0
BAND_NAMES = ("enhancement_ppmm", "uncertainty_ppmm")


def output_crs(lon_deg: np.ndarray, lat_deg: np.ndarray, crs: str) -> pyproj.CRS:
    """``'utm'`` -> the UTM zone holding the scene centre; ``'wgs84'`` -> EPSG:4326; else any CRS string."""
    if crs.lower() == "utm":
        return utm_crs_for(float(np.nanmedian(lon_deg)), float(np.nanmedian(lat_deg)))
    if crs.lower() == "wgs84":
        return pyproj.CRS.from_epsg(4326)
    return pyproj.CRS.from_user_input(crs)


def write_cog(
    path: str | Path,
    enhancement_ppmm: np.ndarray,
    uncertainty_ppmm: np.ndarray,
    *,
    lon_deg: np.ndarray,
    lat_deg: np.ndarray,
    crs: str = "utm",
    resolution: float | None = None,
    tags: dict[str, object] | None = None,
) -> Path:
    """Write an orthorectified 2-band float32 COG (enhancement, uncertainty; ppm·m); returns the path.

    ``resolution`` is in the output CRS's units (default: the scene's pixel size in metres,
    or its equivalent in degrees for WGS84).
    """
    path = Path(path)
    lon, lat = np.asarray(lon_deg, np.float64), np.asarray(lat_deg, np.float64)
    data = np.stack([np.asarray(enhancement_ppmm, np.float32), np.asarray(uncertainty_ppmm, np.float32)])
    if data.shape[1:] != lon.shape or lon.shape != lat.shape:
        raise ValueError(f"product {data.shape[1:]} and lon/lat {lon.shape}/{lat.shape} must share one shape")
    finite = np.isfinite(lon) & np.isfinite(lat)
    if finite.sum() < 4:
        raise InputFileError(path, "fewer than 4 geolocated pixels: cannot orthorectify")
    dst_crs = output_crs(lon, lat, crs)
    x, y = _project(lon, lat, dst_crs)
    if resolution is None:
        resolution = _default_resolution(lon, lat, dst_crs)
    transform, width, height = _grid(x[finite], y[finite], resolution)
    source = np.where(np.isfinite(data) & finite, data, NODATA).astype(np.float32)
    grid = nearest_resample(
        source,
        x,
        y,
        finite,
        transform,
        (height, width),
        max_distance=0.75 * max(resolution, _source_spacing(x, y)),
    )
    _write(path, grid, transform, dst_crs, tags or {})
    return path


def nearest_resample(
    source: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    finite: np.ndarray,
    transform: Affine,
    shape: tuple[int, int],
    *,
    max_distance: float,
    rows_per_block: int = 512,
) -> np.ndarray:
    """(bands, height, width) grid: each cell takes the nearest pixel, or nodata if none is close enough."""
    tree = cKDTree(np.column_stack([x[finite], y[finite]]))
    values = source[:, finite]
    grid = np.full((source.shape[0], *shape), NODATA, dtype=np.float32)
    cols = np.arange(shape[1]) + 0.5
    for start in range(0, shape[0], rows_per_block):
        rows = np.arange(start, min(start + rows_per_block, shape[0])) + 0.5
        cc, rr = np.meshgrid(cols, rows)
        cx = transform.a * cc + transform.b * rr + transform.c
        cy = transform.d * cc + transform.e * rr + transform.f
        distance, index = tree.query(
            np.column_stack([cx.ravel(), cy.ravel()]), distance_upper_bound=max_distance
        )
        hit = np.isfinite(distance)
        block = np.full((source.shape[0], cx.size), NODATA, dtype=np.float32)
        block[:, hit] = values[:, index[hit]]
        grid[:, start : start + rows.size] = block.reshape(source.shape[0], rows.size, shape[1])
    return grid


def validate_cog(path: str | Path) -> tuple[bool, list[str], list[str]]:
    """rio-cogeo's COG check: (valid, errors, warnings)."""
    return cog_validate(str(path), quiet=True)


def _project(lon: np.ndarray, lat: np.ndarray, crs: pyproj.CRS) -> tuple[np.ndarray, np.ndarray]:
    x, y = pyproj.Transformer.from_crs(4326, crs, always_xy=True).transform(lon, lat)
    return np.asarray(x), np.asarray(y)


def _source_spacing(x: np.ndarray, y: np.ndarray) -> float:
    """Median distance (output CRS units) between neighbouring pixel centres along lines and samples."""
    steps = [np.hypot(np.diff(x, axis=a), np.diff(y, axis=a)) for a in (0, 1) if x.shape[a] > 1]
    finite = np.concatenate([s[np.isfinite(s)] for s in steps]) if steps else np.zeros(0)
    return float(np.median(finite)) if finite.size else 0.0


def _default_resolution(lon: np.ndarray, lat: np.ndarray, crs: pyproj.CRS) -> float:
    size_m = pixel_size_m(lon, lat) or 1.0
    if crs.is_geographic:
        return size_m / (111_320.0 * np.cos(np.deg2rad(float(np.nanmedian(lat)))))
    return size_m


def _grid(x: np.ndarray, y: np.ndarray, resolution: float) -> tuple[Affine, int, int]:
    west, east = x.min() - resolution, x.max() + resolution
    south, north = y.min() - resolution, y.max() + resolution
    west, north = np.floor(west / resolution) * resolution, np.ceil(north / resolution) * resolution
    width = int(np.ceil((east - west) / resolution))
    height = int(np.ceil((north - south) / resolution))
    return Affine(resolution, 0.0, west, 0.0, -resolution, north), width, height


def _write(path: Path, grid: np.ndarray, transform: Affine, crs: pyproj.CRS, tags: dict[str, object]) -> None:
    profile = {
        "driver": "GTiff",
        "width": grid.shape[2],
        "height": grid.shape[1],
        "count": 2,
        "dtype": "float32",
        "nodata": NODATA,
        "crs": CRS.from_wkt(crs.to_wkt()),
        "transform": transform,
    }
    cog_profile = {**cog_profiles.get("deflate"), "blockxsize": 256, "blockysize": 256, "predictor": 3}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with MemoryFile() as memory:
            with memory.open(**profile) as mem:
                mem.write(grid)
                for band, name in enumerate(BAND_NAMES, start=1):
                    mem.set_band_description(band, name)
                    mem.update_tags(band, units="ppm m")
                mem.update_tags(**{str(k): str(v) for k, v in tags.items()})
            with memory.open() as src, atomic_path(path) as tmp:
                cog_translate(
                    src,
                    str(tmp),
                    cog_profile,
                    quiet=True,
                    forward_band_tags=True,
                    overview_resampling="nearest",
                    in_memory=True,
                )
