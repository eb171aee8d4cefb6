"""Retrieval GeoTIFFs: enhancement and 1-sigma uncertainty (ppm·m) on the cube's line x sample grid.

The product stays on the sensor grid (no resampling, so pixel values are exactly
what the detector gave); GDAL places it from ground control points taken from the
per-pixel lon/lat grid (WGS84, a regular lattice of at most 32 x 32 points), so
``gdalwarp`` or QGIS can reproject it. Orthorectified COGs are `plumewatch.io.cog`.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np
import rasterio
from rasterio.control import GroundControlPoint
from rasterio.crs import CRS
from rasterio.errors import NotGeoreferencedWarning, RasterioIOError

from plumewatch.atomic import atomic_path
from plumewatch.errors import InputFileError

log = logging.getLogger(__name__)

NODATA = -9999.0
BAND_NAMES = ("enhancement_ppmm", "uncertainty_ppmm")
MAX_GCPS_PER_AXIS = 32


def write_retrieval_geotiff(
    path: str | Path,
    enhancement_ppmm: np.ndarray,
    uncertainty_ppmm: np.ndarray,
    *,
    lon_deg: np.ndarray | None,
    lat_deg: np.ndarray | None,
    tags: dict[str, object] | None = None,
    band_names: tuple[str, str] = BAND_NAMES,
    units: tuple[str, str] = ("ppm m", "ppm m"),
) -> Path:
    """Write a 2-band float32 GeoTIFF (enhancement, uncertainty ppm·m; nodata -9999, GCPs); returns path.

    ``band_names`` and ``units`` describe the bands of other two-band products on the same grid.
    """
    path = Path(path)
    enhancement = np.asarray(enhancement_ppmm, dtype=np.float32)
    uncertainty = np.asarray(uncertainty_ppmm, dtype=np.float32)
    if enhancement.ndim != 2 or enhancement.shape != uncertainty.shape:
        raise ValueError(
            f"enhancement {enhancement.shape} and uncertainty {uncertainty.shape} must be one 2-D shape"
        )
    lines, samples = enhancement.shape
    profile = {
        "driver": "GTiff",
        "width": samples,
        "height": lines,
        "count": 2,
        "dtype": "float32",
        "nodata": NODATA,
        "compress": "deflate",
        "predictor": 3,
        "tiled": lines >= 256 and samples >= 256,
        "BIGTIFF": "IF_SAFER",
    }
    gcps = None
    if lon_deg is not None and lat_deg is not None:
        if np.shape(lon_deg) != enhancement.shape or np.shape(lat_deg) != enhancement.shape:
            raise ValueError(
                f"lon/lat grids {np.shape(lon_deg)} must match the product shape {enhancement.shape}"
            )
        gcps = ground_control_points(np.asarray(lon_deg), np.asarray(lat_deg))
    with atomic_path(path) as tmp, warnings.catch_warnings():
        # Sensor-grid products carry GCPs, not an affine transform; GDAL's warning about that is expected.
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(np.where(np.isfinite(enhancement), enhancement, NODATA), 1)
            dst.write(np.where(np.isfinite(uncertainty), uncertainty, NODATA), 2)
            for band, (name, unit) in enumerate(zip(band_names, units, strict=True), start=1):
                dst.set_band_description(band, name)
                dst.update_tags(band, units=unit)
            if gcps:
                dst.gcps = (gcps, CRS.from_epsg(4326))
            dst.update_tags(**{str(k): str(v) for k, v in (tags or {}).items()})
    return path


def read_retrieval_geotiff(path: str | Path) -> tuple[np.ndarray, np.ndarray, dict[str, str]]:
    """Enhancement and uncertainty (ppm·m, float32, NaN for nodata) and the file's tags."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "file not found")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with rasterio.open(path) as src:
                if src.count < 2:
                    raise InputFileError(path, f"a retrieval GeoTIFF has 2 bands, this one has {src.count}")
                data = src.read([1, 2], masked=True).astype(np.float32).filled(np.nan)
                tags = {k: v for k, v in src.tags().items() if k != "AREA_OR_POINT"}
    except RasterioIOError as err:
        raise InputFileError(path, f"not a readable GeoTIFF ({err})") from None
    return data[0], data[1], tags


def read_retrieval_gcps(path: str | Path) -> list[GroundControlPoint]:
    """The ground control points (row, col -> lon, lat) a retrieval GeoTIFF carries."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(path) as src:
            return list(src.gcps[0])


def ground_control_points(lon_deg: np.ndarray, lat_deg: np.ndarray) -> list[GroundControlPoint]:
    """GCPs on a lattice of pixel centres (<= 32 per axis, edges included) where lon/lat are finite."""
    lines, samples = lon_deg.shape
    rows = np.unique(np.linspace(0, lines - 1, num=min(lines, MAX_GCPS_PER_AXIS)).round().astype(int))
    cols = np.unique(np.linspace(0, samples - 1, num=min(samples, MAX_GCPS_PER_AXIS)).round().astype(int))
    gcps = []
    for r in rows:
        for c in cols:
            lon, lat = float(lon_deg[r, c]), float(lat_deg[r, c])
            if np.isfinite(lon) and np.isfinite(lat):
                gcps.append(GroundControlPoint(row=r + 0.5, col=c + 0.5, x=lon, y=lat, z=0.0, id=f"{r}_{c}"))
    if len(gcps) < 3:
        log.warning("only %d finite lon/lat points: product written without ground control points", len(gcps))
        return []
    return gcps
