"""Geometry companions of an ENVI radiance cube: `_loc`, `_igm`, `_glt`, `_obs` (AVIRIS-NG layout).

For ``X_rdn.hdr`` (or AVIRIS-NG's ``X_rdn_v2p9_img.hdr``) the companions are
``X_loc`` (lon, lat, elevation), ``X_igm`` (map x, y, elevation in the header's CRS),
``X_glt`` (map grid of 1-based raw sample/line indices) and ``X_obs`` (path length,
to-sensor azimuth/zenith, to-sun azimuth/zenith, ..., UTC time). Positions come from
the first of loc, igm, glt, or the cube's own map info; each is checked against the
cube's size and the source is recorded in ``attrs['geolocation_source']``. A `_loc` written by
``plumewatch georef`` carries its expected 1-sigma error (``geolocation sigma m``), surfaced as
``attrs['geolocation_sigma_m']``.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import rasterio
from rasterio.errors import NotGeoreferencedWarning, RasterioIOError

from plumewatch.errors import InputFileError
from plumewatch.geo.geolocation import grid_lonlat, invert_glt, map_to_lonlat, pixel_size_m, pixel_spacing_m
from plumewatch.io.envi_header import EnviHeader, data_path_for, read_header

log = logging.getLogger(__name__)

KINDS = ("loc", "igm", "glt", "obs")
_STEM_TOKENS = ("_rdn", "_img")
_OBS_DEFAULT_BANDS = {"view_zenith": 2, "solar_zenith": 4}
_OBS_NAME_HINTS = {
    "view_zenith": ("sensor zenith", "view zenith"),
    "solar_zenith": ("sun zenith", "solar zenith"),
}
_OBS_UTC_HINTS = ("utc time",)
_OBS_UTC_DEFAULT_BAND = 9
OBS_SAMPLE_LINES = 200
SIGMA_KEY = "geolocation sigma m"


@dataclass(frozen=True)
class Geometry:
    """What the companions say about where and how a cube looked: positions, angles, pixel size."""

    lon_deg: np.ndarray | None = None
    lat_deg: np.ndarray | None = None
    elevation_m: np.ndarray | None = None
    solar_zenith_deg: float | None = None
    view_zenith_deg: float | None = None
    pixel_size_m: float | None = None
    acquired: datetime | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


def companion_headers(header: Path) -> dict[str, Path]:
    """The companion headers that exist beside a radiance header, by kind (loc, igm, glt, obs)."""
    stem = header.with_suffix("").name
    found: dict[str, Path] = {}
    for token in _STEM_TOKENS:
        if not stem.endswith(token):
            continue
        base = stem[: -len(token)]
        for kind in KINDS:
            candidate = header.parent / f"{base}_{kind}.hdr"
            if kind not in found and candidate.is_file():
                found[kind] = candidate
    return found


def companion_header_path(header: Path, kind: str) -> Path | None:
    """Where the ``kind`` companion of a radiance header goes (X_rdn.hdr -> X_loc.hdr); None if it can't."""
    stem = header.with_suffix("").name
    for token in _STEM_TOKENS:
        if stem.endswith(token):
            return header.parent / f"{stem[: -len(token)]}_{kind}.hdr"
    return None


def read_companions(radiance: EnviHeader) -> Geometry:
    """Geometry for the radiance cube with this (checked) header, from whichever companions exist."""
    found = companion_headers(radiance.path)
    attrs: dict[str, Any] = {"companions": sorted(found)}
    lon = lat = elevation = None
    if "loc" in found:
        lon, lat, elevation = read_loc(found["loc"], radiance)
        attrs["geolocation_source"] = f"loc ({found['loc'].name})"
        sigma = read_header(found["loc"]).raw.get(SIGMA_KEY)
        if sigma is not None:
            attrs["geolocation_sigma_m"] = _positive_float(found["loc"], SIGMA_KEY, sigma)
    elif "igm" in found:
        lon, lat, elevation = read_igm(found["igm"], radiance)
        attrs["geolocation_source"] = f"igm ({found['igm'].name})"
    elif "glt" in found:
        lon, lat, cells = read_glt(found["glt"], radiance)
        attrs["geolocation_source"] = f"glt ({found['glt'].name}; mean of map-cell centres)"
        attrs["pixels_without_glt_cell"] = int((cells == 0).sum())
    elif "map info" in radiance.raw:
        lon, lat = _map_grid(radiance)
        attrs["geolocation_source"] = "map info of the cube itself"
    size = None
    if lon is not None and lat is not None:
        attrs.update(pixel_spacing_m(lon, lat))
        size = pixel_size_m(lon, lat)
    angles = read_obs_angles(found["obs"], radiance) if "obs" in found else {}
    return Geometry(
        lon_deg=lon,
        lat_deg=lat,
        elevation_m=elevation,
        pixel_size_m=size,
        solar_zenith_deg=angles.get("solar_zenith"),
        view_zenith_deg=angles.get("view_zenith"),
        attrs=attrs,
    )


def read_loc(path: Path, radiance: EnviHeader) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Lon, lat (deg) and elevation (m) from a `_loc` file (bands lon, lat[, elevation])."""
    header, array = _companion_array(path, radiance, min_bands=2)
    lon_band, lat_band = _lonlat_bands(header)
    cube = np.asarray(array)
    lon, lat = cube[:, :, lon_band], cube[:, :, lat_band]
    finite = np.isfinite(lon) & np.isfinite(lat)
    if finite.any() and (np.abs(lon[finite]).max() > 360 or np.abs(lat[finite]).max() > 90):
        raise InputFileError(
            path, "loc values are not degrees of lon/lat (map coordinates belong in an _igm file)"
        )
    elevation = cube[:, :, 2] if header.bands > 2 else None
    return lon, lat, elevation


def read_igm(path: Path, radiance: EnviHeader) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Lon, lat (deg) and elevation (m) from an `_igm` file of map x, y, z in its header's CRS."""
    header, array = _companion_array(path, radiance, min_bands=2)
    crs = _crs(header)
    cube = np.asarray(array)
    lon, lat = map_to_lonlat(cube[:, :, 0], cube[:, :, 1], crs)
    elevation = cube[:, :, 2] if header.bands > 2 else None
    return lon, lat, elevation


def read_glt(path: Path, radiance: EnviHeader) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw-grid lon, lat (deg) and cells-per-pixel counts from a `_glt` lookup table on a map grid."""
    header = read_header(path)
    if header.bands < 2:
        raise InputFileError(path, f"a GLT needs 2 bands (sample, line), this one has {header.bands}")
    from plumewatch.io.envi import read_envi_array

    _, array = read_envi_array(path, dtype=np.float64)
    transform, crs = _map_georeference(header)
    glt = np.asarray(array[:, :, :2])
    return invert_glt(glt[:, :, 0], glt[:, :, 1], transform, crs, radiance.lines, radiance.samples)


def read_obs_angles(path: Path, radiance: EnviHeader) -> dict[str, float]:
    """Median solar and view zenith angles (deg) from an `_obs` file, sampled over at most 200 lines."""
    header, array = _companion_array(path, radiance, min_bands=1)
    rows = np.unique(np.linspace(0, header.lines - 1, num=min(OBS_SAMPLE_LINES, header.lines)).astype(int))
    angles: dict[str, float] = {}
    for key, default in _OBS_DEFAULT_BANDS.items():
        band = _named_band(header, _OBS_NAME_HINTS[key], default)
        if band is None:
            continue
        values = np.asarray(array[rows, :, band])
        values = values[np.isfinite(values)]
        if values.size:
            median = float(np.median(values))
            if not 0.0 <= median <= 90.0:
                raise InputFileError(path, f"{key.replace('_', ' ')} median {median:.1f} deg is outside 0-90")
            angles[key] = median
    return angles


def read_obs_utc_hours(path: Path, radiance: EnviHeader) -> np.ndarray | None:
    """Each line's UTC time (decimal hours, NaN if none) from an `_obs` UTC time band; None if no band."""
    header, array = _companion_array(path, radiance, min_bands=1)
    band = _named_band(header, _OBS_UTC_HINTS, _OBS_UTC_DEFAULT_BAND)
    if band is None:
        return None
    values = np.asarray(array[:, :, band])
    finite = np.isfinite(values)
    count = finite.sum(axis=1)
    # Every sample of a line shares its exposure time; samples without one (no data) are skipped.
    with np.errstate(invalid="ignore", divide="ignore"):
        hours = np.where(finite, values, 0.0).sum(axis=1) / count
    known = hours[count > 0]
    if known.size and (known.min() < 0.0 or known.max() >= 48.0):
        raise InputFileError(
            path, f"UTC time band holds {known.min():g} to {known.max():g}, not decimal hours of the day"
        )
    return hours


def _positive_float(path: Path, key: str, value: Any) -> float:
    try:
        number = float(str(value).strip())
    except ValueError:
        number = float("nan")
    if not np.isfinite(number) or number < 0:
        raise InputFileError(path, f"'{key}' must be a non-negative number, not {value!r}")
    return number


def _companion_array(path: Path, radiance: EnviHeader, *, min_bands: int):
    from plumewatch.io.envi import read_envi_array

    header, array = read_envi_array(path, dtype=np.float64)
    if (header.lines, header.samples) != (radiance.lines, radiance.samples):
        raise InputFileError(
            path,
            f"is {header.lines} lines x {header.samples} samples but its radiance cube "
            f"{radiance.path.name} is {radiance.lines} x {radiance.samples}",
        )
    if header.bands < min_bands:
        raise InputFileError(path, f"has {header.bands} bands, expected at least {min_bands}")
    return header, array


def _lonlat_bands(header: EnviHeader) -> tuple[int, int]:
    names = [n.lower() for n in header.band_names or []]
    lon = next((i for i, n in enumerate(names) if n.startswith("lon")), 0)
    lat = next((i for i, n in enumerate(names) if n.startswith("lat")), 1)
    return lon, lat


def _named_band(header: EnviHeader, hints: tuple[str, ...], default: int) -> int | None:
    if header.band_names:
        for i, name in enumerate(header.band_names):
            if any(h in name.lower().replace("-", " ") for h in hints):
                return i
        return None
    return default if header.bands > default else None


def _crs(header: EnviHeader) -> pyproj.CRS:
    wkt = header.raw.get("coordinate system string")
    if wkt:
        text = ",".join(wkt) if isinstance(wkt, list) else str(wkt)
        try:
            return pyproj.CRS.from_wkt(text)
        except pyproj.exceptions.CRSError:
            raise InputFileError(
                header.path, "'coordinate system string' is not a CRS pyproj understands"
            ) from None
    if "map info" in header.raw:
        return _map_georeference(header)[1]
    raise InputFileError(
        header.path, "no 'map info' or 'coordinate system string': cannot tell the map projection"
    )


def _map_grid(header: EnviHeader) -> tuple[np.ndarray, np.ndarray]:
    transform, crs = _map_georeference(header)
    return grid_lonlat(transform, crs, header.lines, header.samples)


def _map_georeference(header: EnviHeader):
    """Affine transform and CRS of an ENVI file's map info, read by GDAL's ENVI driver."""
    data = data_path_for(header.path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with rasterio.open(data) as dataset:
                transform, crs = dataset.transform, dataset.crs
    except RasterioIOError as err:
        raise InputFileError(data, f"GDAL cannot read its map info ({err})") from None
    if crs is None or transform.is_identity:
        raise InputFileError(header.path, "'map info' does not give a map projection GDAL understands")
    return transform, pyproj.CRS.from_user_input(crs.to_wkt())
