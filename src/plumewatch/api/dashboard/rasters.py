"""Enhancement overlays: one plume's pixels of a retrieval GeoTIFF, put on a lon/lat grid as a PNG.

Retrieval products stay on the sensor grid with ground control points; GDAL's GCP transform
(through rasterio) resamples them onto a regular WGS84 grid a web map can lay down with two
corners. Only pixels inside the plume's outline (grown by two pixels) are drawn: the rest of the
flight line may show other sites the viewer is not cleared for.
"""

from __future__ import annotations

import io
import logging
import math
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from matplotlib import colormaps
from PIL import Image
from rasterio.errors import NotGeoreferencedWarning, RasterioIOError
from rasterio.features import geometry_mask
from rasterio.warp import Resampling, calculate_default_transform, reproject
from shapely import wkt

from plumewatch.errors import InputFileError

log = logging.getLogger(__name__)

COLORMAP = "inferno"
MARGIN_FRACTION = 0.25
OUTLINE_GROWTH_PX = 2.0
MAX_SIDE_PX = 1024
OPACITY = 0.85


@dataclass(frozen=True)
class Overlay:
    """A PNG of enhancement (ppm·m) over the W S E N box ``bounds_deg``, coloured 0..``vmax_ppmm``."""

    png: bytes
    bounds_deg: tuple[float, float, float, float]
    vmax_ppmm: float
    colormap: str = COLORMAP


def find_product(products_dir: Path | None, scene_name: str, gas: str) -> Path | None:
    """The retrieval GeoTIFF ``<scene>_<gas>.tif`` in ``products_dir`` or below it, or None."""
    if products_dir is None or not products_dir.is_dir():
        return None
    name = f"{scene_name}_{gas}.tif"
    direct = products_dir / name
    if direct.is_file():
        return direct
    return next(iter(sorted(products_dir.rglob(name))), None)


def plume_overlay(product: Path, outline_wkt: str, vmax_ppmm: float) -> Overlay:
    """The overlay of one plume (its outline as lon/lat WKT) from a retrieval GeoTIFF."""
    return _overlay_cached(product, product.stat().st_mtime_ns, outline_wkt, float(vmax_ppmm))


@lru_cache(maxsize=512)
def _overlay_cached(product: Path, mtime_ns: int, outline_wkt: str, vmax_ppmm: float) -> Overlay:
    outline = wkt.loads(outline_wkt)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with rasterio.open(product) as src:
                enhancement = src.read(1, masked=True).astype(np.float32).filled(np.nan)
                gcps, gcp_crs = src.gcps
    except RasterioIOError as err:
        raise InputFileError(product, f"not a readable GeoTIFF ({err})") from None
    if not gcps:
        raise InputFileError(product, "no ground control points: the product cannot be placed on a map")
    lines, samples = enhancement.shape
    native, _, _ = calculate_default_transform(gcp_crs, "EPSG:4326", samples, lines, gcps=gcps)
    res_x, res_y = abs(native.a), abs(native.e)
    west, south, east, north = outline.bounds
    pad_x = max((east - west) * MARGIN_FRACTION, 3 * res_x)
    pad_y = max((north - south) * MARGIN_FRACTION, 3 * res_y)
    west, south, east, north = west - pad_x, south - pad_y, east + pad_x, north + pad_y
    width = min(MAX_SIDE_PX, max(1, math.ceil((east - west) / res_x)))
    height = min(MAX_SIDE_PX, max(1, math.ceil((north - south) / res_y)))
    transform = Affine((east - west) / width, 0.0, west, 0.0, -(north - south) / height, north)
    grid = np.full((height, width), np.nan, dtype=np.float32)
    grown = outline.buffer(OUTLINE_GROWTH_PX * max(res_x, res_y))
    with warnings.catch_warnings():
        # GDAL's in-memory datasets behind reproject and rasterize say they lack a geotransform: expected.
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        reproject(
            enhancement,
            grid,
            gcps=gcps,
            src_crs=gcp_crs,
            dst_transform=transform,
            dst_crs="EPSG:4326",
            src_nodata=np.nan,
            dst_nodata=np.nan,
            resampling=Resampling.nearest,
        )
        inside = geometry_mask([grown], out_shape=grid.shape, transform=transform, invert=True)
    vmax = vmax_ppmm if math.isfinite(vmax_ppmm) and vmax_ppmm > 0 else 1.0
    rgba = colormaps[COLORMAP](np.clip(np.nan_to_num(grid) / vmax, 0.0, 1.0), bytes=True)
    rgba[..., 3] = np.where(inside & np.isfinite(grid) & (grid > 0), round(255 * OPACITY), 0)
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buffer, format="PNG", optimize=True)
    log.debug("overlay %s: %dx%d px", product.name, width, height)
    return Overlay(buffer.getvalue(), (west, south, east, north), vmax)
