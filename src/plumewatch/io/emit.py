"""NASA EMIT L1B radiance granules (NetCDF4) as lazy Scenes, with the OBS granule beside them.

Layout (as the EMIT SDS writes it): root variable ``radiance`` (downtrack, crosstrack,
bands; float32, ``_FillValue`` -9999, ``units``); group ``sensor_band_parameters``
with ``wavelengths`` and ``fwhm`` (nm); group ``location`` with ``lon``, ``lat``,
``elev`` (downtrack, crosstrack) and ``glt_x``/``glt_y`` (ortho_y, ortho_x; 1-based,
0 = none) on the grid of root attributes ``geotransform`` (GDAL order) and
``spatial_ref`` (WKT); ``time_coverage_start``/``_end``. The OBS granule
(``EMIT_L1B_OBS_...nc``) holds ``obs`` (downtrack, crosstrack, 11) with band names
in ``sensor_band_parameters/observation_bands``.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from rasterio.transform import Affine

from plumewatch.errors import InputFileError
from plumewatch.geo.geolocation import invert_glt, pixel_size_m, pixel_spacing_m
from plumewatch.io.envi import fwhm_from_spacing, wavelength_order
from plumewatch.scene import Scene

log = logging.getLogger(__name__)

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
CHUNK_BYTES = 32 * 2**20
OBS_SAMPLE_LINES = 200
_NAME_TIME = re.compile(r"_(\d{8}T\d{6})_")
_EMIT_UNITS = {
    "uw/cm^2/sr/nm",
    "uw nm-1 cm-2 sr-1",
    "microwatts per centimeter squared per steradian per nanometer",
}


def can_open(path: Path) -> bool:
    """True for an HDF5/NetCDF4 file whose name or content says it is an EMIT radiance granule."""
    if not path.is_file() or path.suffix.lower() not in (".nc", ".nc4", ".h5"):
        return False
    with open(path, "rb") as f:
        if f.read(8) != HDF5_SIGNATURE:
            return False
    if "EMIT" in path.name.upper():
        return True
    try:
        with xr.open_dataset(path, engine="h5netcdf") as ds:
            return "radiance" in ds.variables
    except (OSError, ValueError):
        return False


def open_emit(path: str | Path) -> Scene:
    """A lazy Scene from an EMIT L1B radiance NetCDF (plus its OBS granule when present beside it)."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "file not found")
    root = _open(path)
    bands_ds = _open(path, "sensor_band_parameters")
    for name, ds in (("radiance", root), ("wavelengths", bands_ds), ("fwhm", bands_ds)):
        if name not in ds.variables:
            where = "" if ds is root else " in group sensor_band_parameters"
            raise InputFileError(path, f"EMIT granule lacks variable '{name}'{where}")
    radiance_var = root["radiance"]
    if radiance_var.ndim != 3:
        raise InputFileError(
            path, f"'radiance' must be (downtrack, crosstrack, bands), has dims {radiance_var.dims}"
        )
    lines, samples, bands = radiance_var.shape
    wavelength = np.asarray(bands_ds["wavelengths"].values, dtype=np.float64)
    fwhm = np.asarray(bands_ds["fwhm"].values, dtype=np.float64)
    if wavelength.size != bands or fwhm.size != bands:
        raise InputFileError(
            path, f"{wavelength.size} wavelengths / {fwhm.size} fwhm for {bands} radiance bands"
        )
    line_chunk = max(1, min(lines, CHUNK_BYTES // max(samples * bands * 4, 1)))
    radiance = radiance_var.chunk({radiance_var.dims[0]: line_chunk}).data.astype(np.float32)
    attrs: dict[str, Any] = {"format": "emit_l1b_netcdf", **wavelength_order(wavelength)}
    good = np.isfinite(wavelength) & np.isfinite(fwhm) & (fwhm > 0)
    if not (fwhm > 0).all():
        attrs["fwhm_source"] = "file (bands with fwhm 0 marked unusable)"
        fwhm = np.where(fwhm > 0, fwhm, fwhm_from_spacing(wavelength))
    lon, lat, source = _positions(path, root, lines, samples)
    if source:
        attrs["geolocation_source"] = source
    size = None
    if lon is not None and lat is not None:
        attrs.update(pixel_spacing_m(lon, lat))
        size = pixel_size_m(lon, lat)
    angles = _obs_angles(obs_path_for(path), lines, samples)
    if angles:
        attrs["companions"] = ["obs"]
    return Scene(
        name=path.stem,
        path=path,
        radiance=radiance,
        wavelength_nm=wavelength,
        fwhm_nm=fwhm,
        radiance_units=_units(str(radiance_var.attrs.get("units", ""))),
        sensor="emit",
        good_bands=good,
        acquired=_acquired(path, root.attrs),
        lon_deg=lon,
        lat_deg=lat,
        solar_zenith_deg=angles.get("solar_zenith"),
        view_zenith_deg=angles.get("view_zenith"),
        pixel_size_m=size,
        attrs=attrs,
    )


def obs_path_for(path: Path) -> Path:
    """The OBS granule name for an EMIT RAD granule (``EMIT_L1B_RAD_...`` -> ``EMIT_L1B_OBS_...``)."""
    return path.with_name(path.name.replace("_RAD_", "_OBS_"))


def _open(path: Path, group: str | None = None) -> xr.Dataset:
    try:
        return xr.open_dataset(path, engine="h5netcdf", group=group, mask_and_scale=True, decode_times=False)
    except OSError as err:
        if group is not None and "group not found" in str(err).lower():
            raise InputFileError(path, f"EMIT granule lacks group '{group}'") from None
        raise InputFileError(path, f"not a readable NetCDF4 file ({err})") from None
    except ValueError as err:
        raise InputFileError(path, f"not a readable NetCDF4 file ({err})") from None


def _positions(path: Path, root: xr.Dataset, lines: int, samples: int):
    try:
        location = _open(path, "location")
    except InputFileError:
        return None, None, None
    if "lon" in location.variables and "lat" in location.variables:
        lon = np.asarray(location["lon"].values, dtype=np.float64)
        lat = np.asarray(location["lat"].values, dtype=np.float64)
        if lon.shape != (lines, samples) or lat.shape != (lines, samples):
            raise InputFileError(path, f"location lon/lat are {lon.shape}, radiance is {(lines, samples)}")
        return lon, lat, "location group (lon, lat)"
    if "glt_x" in location.variables and "glt_y" in location.variables:
        geotransform = root.attrs.get("geotransform")
        wkt = root.attrs.get("spatial_ref")
        if geotransform is None or wkt is None:
            raise InputFileError(
                path, "GLT present but no 'geotransform'/'spatial_ref' attributes to place it"
            )
        transform = Affine.from_gdal(*[float(v) for v in np.asarray(geotransform).ravel()])
        lon, lat, _ = invert_glt(
            location["glt_x"].values, location["glt_y"].values, transform, str(wkt), lines, samples
        )
        return lon, lat, "location group GLT (mean of map-cell centres)"
    return None, None, None


def _obs_angles(obs_path: Path, lines: int, samples: int) -> dict[str, float]:
    if not obs_path.is_file():
        return {}
    root = _open(obs_path)
    if "obs" not in root.variables:
        raise InputFileError(obs_path, "EMIT OBS granule lacks variable 'obs'")
    names = [str(n).lower() for n in _open(obs_path, "sensor_band_parameters")["observation_bands"].values]
    obs = root["obs"]
    if obs.shape[:2] != (lines, samples):
        raise InputFileError(obs_path, f"obs is {obs.shape[:2]}, its radiance granule is {(lines, samples)}")
    rows = np.unique(np.linspace(0, lines - 1, num=min(OBS_SAMPLE_LINES, lines)).astype(int))
    angles = {}
    for key, hint in (("solar_zenith", "to-sun zenith"), ("view_zenith", "to-sensor zenith")):
        band = next((i for i, n in enumerate(names) if n.startswith(hint)), None)
        if band is not None:
            values = np.asarray(obs[rows, :, band].values, dtype=np.float64)
            values = values[np.isfinite(values)]
            if values.size:
                angles[key] = float(np.median(values))
    return angles


def _acquired(path: Path, attrs: dict) -> datetime | None:
    text = attrs.get("time_coverage_start")
    if isinstance(text, str):
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        except ValueError:
            log.info("%s: time_coverage_start %r not ISO-8601; using the name", path, text)
    match = _NAME_TIME.search(path.name)
    if match:
        return datetime.strptime(match.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    return None


def _units(text: str) -> str:
    return "uW nm-1 cm-2 sr-1" if text.strip().lower() in _EMIT_UNITS else (text or "uW nm-1 cm-2 sr-1")
