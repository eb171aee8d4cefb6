"""Say what a file is: sensor, size, bands, wavelengths, geometry, time range, telemetry health.

`describe` looks only at headers, metadata, geometry and telemetry, never at a cube's
pixels, so it is quick on any size of flight line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from plumewatch.errors import InputFileError
from plumewatch.io.survey import MANIFEST_NAME

TELEMETRY_SUFFIXES = (".klv", ".bin", ".csv", ".gpx")


def describe(path: str | Path) -> dict[str, Any]:
    """A plain dictionary describing a radiance file, product, telemetry log or survey folder."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(path, "file not found")
    if path.is_dir() or path.name == MANIFEST_NAME:
        return describe_survey(path)
    suffix = path.suffix.lower()
    if suffix in TELEMETRY_SUFFIXES:
        return describe_telemetry(path)
    if suffix in (".tif", ".tiff") and _is_product(path):
        return describe_product(path)
    from plumewatch.io.scene_readers import open_scene

    try:
        return describe_scene(open_scene(path))
    except InputFileError as err:
        if "no 'wavelength' list" not in str(err):
            raise
        return describe_envi_raster(path)


def describe_scene(scene) -> dict[str, Any]:
    """Description of an opened Scene (no pixel data is read)."""
    lines, samples, bands = scene.shape
    out: dict[str, Any] = {
        "kind": "radiance cube",
        "path": str(scene.path),
        "format": scene.attrs.get("format", "unknown"),
        "sensor": scene.sensor,
        "lines": lines,
        "samples": samples,
        "bands": bands,
        "good_bands": int(scene.band_mask.sum()),
        "wavelength_nm": [float(np.nanmin(scene.wavelength_nm)), float(np.nanmax(scene.wavelength_nm))],
        "wavelength_order": scene.attrs.get("wavelength_order"),
        "units": scene.radiance_units,
        "acquired": scene.acquired.isoformat() if scene.acquired else None,
        "geolocation": scene.attrs.get("geolocation_source") if scene.lon_deg is not None else None,
        "pixel_size_m": scene.pixel_size_m,
        "solar_zenith_deg": scene.solar_zenith_deg,
        "view_zenith_deg": scene.view_zenith_deg,
    }
    if scene.lon_deg is not None:
        out["bbox_lonlat"] = _bbox(scene.lon_deg, scene.lat_deg)
    for key in (
        "interleave",
        "data_type",
        "byte_order",
        "wavelength_steps_back_at",
        "companions",
        "quantity",
    ):
        if key in scene.attrs:
            out[key] = scene.attrs[key]
    return out


def describe_envi_raster(path: Path) -> dict[str, Any]:
    """Description of an ENVI file without band centres (a _loc, _obs, _igm or _glt companion)."""
    from plumewatch.io.envi_header import check_data_size, data_path_for, read_header

    header = read_header(path)
    check_data_size(header, data_path_for(header.path))
    return {
        "kind": "ENVI raster (no wavelengths: geometry companion or other)",
        "path": str(header.path),
        "lines": header.lines,
        "samples": header.samples,
        "bands": header.bands,
        "band_names": header.band_names,
        "interleave": header.interleave,
        "data_type": header.dtype.name,
        "map_info": "map info" in header.raw,
        "acquired": header.acquired.isoformat() if header.acquired else None,
    }


def describe_telemetry(path: Path) -> dict[str, Any]:
    """Description of a telemetry log: fixes, time range, gaps, packet health (KLV), security marking."""
    from plumewatch.io.telemetry import read_track, time_gaps

    out: dict[str, Any] = {"kind": "telemetry", "path": str(path)}
    if path.suffix.lower() in (".klv", ".bin"):
        from plumewatch.io.klv import scan_packets

        packets = list(scan_packets(path.read_bytes()))
        out["packets_good"] = sum(p.ok for p in packets)
        out["packets_bad"] = sum(not p.ok for p in packets)
        if not out["packets_good"]:
            out["first_problem"] = packets[0].problem if packets else "no ST 0601 key found"
            return out
    track = read_track(path)
    out.update(
        {
            "format": track.attrs.get("format"),
            "fixes": len(track),
            "time_start": str(track.time[0]) + "Z",
            "time_end": str(track.time[-1]) + "Z",
            "duration_s": float(track.seconds_since_start()[-1]),
            "gaps_over_2s": len(time_gaps(track)),
            "time_steps_backwards": track.attrs.get("time_steps_backwards", 0),
            "bbox_lonlat": _bbox(track.lon_deg, track.lat_deg),
            "alt_m": [float(np.nanmin(track.alt_m)), float(np.nanmax(track.alt_m))]
            if np.isfinite(track.alt_m).any()
            else None,
            "attitude": bool(np.isfinite(track.roll_deg).any() and np.isfinite(track.pitch_deg).any()),
        }
    )
    for key in ("platform", "mission_id"):
        if key in track.attrs:
            out[key] = track.attrs[key]
    security = track.attrs.get("security")
    if security:
        out["classification"] = security.get("classification")
        out["releasability"] = security.get("releasing_instructions")
    if track.attrs.get("fields"):
        out["extra_fields"] = sorted(track.attrs["fields"])
    return out


def describe_product(path: Path) -> dict[str, Any]:
    """Description of a retrieval GeoTIFF or COG: gas, method, grid, value range (ppm·m)."""
    import rasterio

    from plumewatch.io.cog import validate_cog
    from plumewatch.io.geotiff import read_retrieval_geotiff

    enhancement, uncertainty, tags = read_retrieval_geotiff(path)
    with rasterio.open(path) as src:
        crs = src.crs.to_string() if src.crs else None
        placed = "map grid" if crs else ("ground control points" if src.gcps[0] else None)
    finite = enhancement[np.isfinite(enhancement)]
    return {
        "kind": "retrieval product",
        "path": str(path),
        "gas": tags.get("gas"),
        "method": tags.get("method"),
        "lines": enhancement.shape[0],
        "samples": enhancement.shape[1],
        "crs": crs,
        "geolocation": placed,
        "cloud_optimized": validate_cog(path)[0],
        "enhancement_ppmm": [float(finite.min()), float(np.median(finite)), float(finite.max())]
        if finite.size
        else None,
        "median_uncertainty_ppmm": float(np.nanmedian(uncertainty))
        if np.isfinite(uncertainty).any()
        else None,
        "valid_pixels": int(finite.size),
    }


def describe_survey(path: Path) -> dict[str, Any]:
    """Description of a survey folder: flight lines, time range, which have telemetry and wind."""
    from plumewatch.io.survey import read_survey

    survey = read_survey(path)
    times = sorted(line.acquired for line in survey.flight_lines)
    missing = [line.name for line in survey.flight_lines if not line.radiance.exists()]
    return {
        "kind": "survey",
        "path": str(survey.root),
        "name": survey.name,
        "sensor": survey.sensor,
        "flight_lines": len(survey.flight_lines),
        "time_start": times[0].isoformat(),
        "time_end": times[-1].isoformat(),
        "with_telemetry": sum(line.telemetry is not None for line in survey.flight_lines),
        "with_wind": sum(line.wind_speed_m_s is not None for line in survey.flight_lines),
        "missing_radiance": missing or None,
    }


def format_description(description: dict[str, Any]) -> str:
    """The description as aligned ``key: value`` lines for a terminal."""
    width = max((len(k) for k in description), default=0)
    rows = []
    for key, value in description.items():
        if value is None:
            value = "-"
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        elif isinstance(value, float):
            value = f"{value:.4g}"
        elif isinstance(value, list | tuple):
            value = ", ".join(f"{v:.6g}" if isinstance(v, float) else str(v) for v in value) or "-"
        rows.append(f"{key.replace('_', ' ').ljust(width)}  {value}")
    return "\n".join(rows)


def _bbox(lon: np.ndarray, lat: np.ndarray) -> list[float] | None:
    finite = np.isfinite(lon) & np.isfinite(lat)
    if not finite.any():
        return None
    return [
        float(lon[finite].min()),
        float(lat[finite].min()),
        float(lon[finite].max()),
        float(lat[finite].max()),
    ]


def _is_product(path: Path) -> bool:
    import warnings

    import rasterio
    from rasterio.errors import NotGeoreferencedWarning, RasterioIOError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with rasterio.open(path) as src:
                return src.count == 2 and src.descriptions[0] == "enhancement_ppmm"
    except RasterioIOError:
        return False
