"""Multi-band GeoTIFF / COG radiance cubes as lazy Scenes (rasterio, window reads per line chunk).

Band centres come from, in order: per-band tags ``wavelength`` (+ ``wavelength_units``,
``fwhm``) as GDAL writes them for converted ENVI files; a number in each band
description (``"2105.3 nm"``, ``"Band 7 (2.1053 um)"``); a dataset tag ``wavelength``
holding a comma-separated list. Positions: the affine grid with its CRS, else the
file's GCPs (GDAL's GCP transformer), else none.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dask.array as da
import numpy as np
import pyproj
import rasterio
from rasterio.errors import NotGeoreferencedWarning, RasterioIOError
from rasterio.transform import GCPTransformer
from rasterio.windows import Window

from plumewatch.errors import InputFileError
from plumewatch.geo.geolocation import grid_lonlat, map_to_lonlat, pixel_size_m, pixel_spacing_m
from plumewatch.io.envi import fwhm_from_spacing, wavelength_order
from plumewatch.io.envi_header import time_from_name
from plumewatch.scene import Scene

CHUNK_BYTES = 32 * 2**20
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(nm|nanometers?|um|µm|micrometers?|microns?)?", re.IGNORECASE)
_MICRO = ("um", "µm", "micrometer", "micrometers", "micron", "microns")


def can_open(path: Path) -> bool:
    """True for a TIFF (classic or BigTIFF) with more than 2 bands."""
    if not path.is_file() or path.suffix.lower() not in (".tif", ".tiff"):
        return False
    try:
        with _quiet(), rasterio.open(path) as src:
            return src.count > 2
    except RasterioIOError:
        return False


class TiffBlockReader:
    """Array-like over a multi-band GeoTIFF: indexing returns float32 (line, sample, band), nodata as NaN."""

    ndim = 3
    dtype = np.dtype(np.float32)

    def __init__(self, path: Path, shape: tuple[int, int, int], nodata: float | None):
        self.path = path
        self.shape = shape
        self.nodata = nodata

    def __getitem__(self, key: tuple[slice, slice, slice]) -> np.ndarray:
        rows, cols, bands = (k.indices(n) for k, n in zip(key, self.shape, strict=True))
        window = Window(cols[0], rows[0], cols[1] - cols[0], rows[1] - rows[0])
        indexes = list(range(bands[0] + 1, bands[1] + 1))
        with _quiet(), rasterio.open(self.path) as src:
            block = src.read(indexes, window=window).transpose(1, 2, 0)
        out = block.astype(np.float32)
        if self.nodata is not None:
            out[block == self.nodata] = np.nan
        return out


def open_geotiff_scene(path: str | Path) -> Scene:
    """A lazy Scene from a multi-band GeoTIFF/COG with wavelengths in band tags or descriptions."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "file not found")
    try:
        with _quiet(), rasterio.open(path) as src:
            meta = _metadata(path, src)
    except RasterioIOError as err:
        raise InputFileError(path, f"not a readable GeoTIFF ({err})") from None
    lines, samples, bands = meta["shape"]
    reader = TiffBlockReader(path, meta["shape"], meta["nodata"])
    line_chunk = max(1, min(lines, CHUNK_BYTES // max(samples * bands * 4, 1)))
    radiance = da.from_array(
        reader,
        chunks=(line_chunk, -1, -1),
        asarray=False,
        fancy=False,
        name=f"tiff-{path.resolve()}-{path.stat().st_mtime_ns}",
        meta=np.empty((0, 0, 0), np.float32),
    )
    attrs: dict[str, Any] = {
        "format": "geotiff",
        "wavelength_source": meta["wavelength_source"],
        **wavelength_order(meta["wavelength_nm"]),
    }
    fwhm = meta["fwhm_nm"]
    if fwhm is None:
        fwhm = fwhm_from_spacing(meta["wavelength_nm"])
        attrs["fwhm_source"] = "estimated from band spacing (file has no fwhm)"
    lon, lat = meta["lon_deg"], meta["lat_deg"]
    size = None
    if lon is not None:
        attrs["geolocation_source"] = meta["geolocation_source"]
        attrs.update(pixel_spacing_m(lon, lat))
        size = pixel_size_m(lon, lat)
    tags = meta["tags"]
    return Scene(
        name=path.stem,
        path=path,
        radiance=radiance,
        wavelength_nm=meta["wavelength_nm"],
        fwhm_nm=fwhm,
        radiance_units=tags.get("radiance_units", tags.get("units", "uW nm-1 cm-2 sr-1")),
        sensor=tags.get("sensor", "unknown").lower(),
        acquired=time_from_name(path.name),
        lon_deg=lon,
        lat_deg=lat,
        pixel_size_m=size,
        attrs=attrs,
    )


def _metadata(path: Path, src) -> dict[str, Any]:
    bands = src.count
    band_tags = [src.tags(i) for i in range(1, bands + 1)]
    wavelength, fwhm, source = _wavelengths(path, src, band_tags)
    lon = lat = None
    geolocation = None
    if src.crs is not None and not src.transform.is_identity:
        lon, lat = grid_lonlat(
            src.transform, pyproj.CRS.from_user_input(src.crs.to_wkt()), src.height, src.width
        )
        geolocation = "affine grid"
    elif src.gcps[0]:
        gcps, crs = src.gcps
        rows, cols = np.mgrid[0 : src.height, 0 : src.width]
        xs, ys = GCPTransformer(gcps).xy(rows.ravel(), cols.ravel())
        lon, lat = map_to_lonlat(np.reshape(xs, rows.shape), np.reshape(ys, rows.shape), crs.to_wkt())
        geolocation = "ground control points"
    return {
        "shape": (src.height, src.width, bands),
        "nodata": src.nodata,
        "wavelength_nm": wavelength,
        "fwhm_nm": fwhm,
        "wavelength_source": source,
        "lon_deg": lon,
        "lat_deg": lat,
        "geolocation_source": geolocation,
        "tags": src.tags(),
    }


def _wavelengths(path: Path, src, band_tags: list[dict]) -> tuple[np.ndarray, np.ndarray | None, str]:
    bands = src.count
    if all("wavelength" in t for t in band_tags):
        scale = [1000.0 if t.get("wavelength_units", "nm").lower() in _MICRO else 1.0 for t in band_tags]
        wavelength = np.array([float(t["wavelength"]) * s for t, s in zip(band_tags, scale, strict=True)])
        fwhm = None
        if all("fwhm" in t for t in band_tags):
            fwhm = np.array([float(t["fwhm"]) * s for t, s in zip(band_tags, scale, strict=True)])
        return wavelength, fwhm, "band tags"
    described = [_number(d) for d in src.descriptions]
    if all(v is not None for v in described):
        return np.array(described), None, "band descriptions"
    listed = src.tags().get("wavelength")
    if listed:
        values = np.array([float(v) for v in re.split(r"[,\s{}]+", listed) if v])
        if values.size == bands:
            units = src.tags().get("wavelength_units", "nm").lower()
            return values * (1000.0 if units in _MICRO else 1.0), None, "dataset tag"
    raise InputFileError(
        path,
        f"no wavelength for each of its {bands} bands (band tags 'wavelength', "
        "band descriptions with nm/um values, or a dataset tag 'wavelength')",
    )


def _number(description: str | None) -> float | None:
    if not description:
        return None
    with_unit = [(v, u) for v, u in _NUMBER.findall(description) if u]
    if with_unit:
        value, unit = with_unit[-1]
        return float(value) * (1000.0 if unit.lower() in _MICRO else 1.0)
    try:
        return float(description.strip())
    except ValueError:
        return None


@contextmanager
def _quiet() -> Iterator[None]:
    # Sensor-grid cubes have no affine transform by design; GDAL's warning about that is noise here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        yield
