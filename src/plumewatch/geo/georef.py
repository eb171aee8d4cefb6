"""Georeference a pushbroom cube from its platform's telemetry: every pixel's ground position and its error.

Joins what a user would otherwise wire by hand: scan-line times (`plumewatch.geo.scanlines`), the
telemetry log (`plumewatch.io.telemetry`), the imager's field of view, the terrain (flat at a height, or
a DEM GeoTIFF), ray casting (`plumewatch.geo.pushbroom`) and the error budget (`plumewatch.geo.accuracy`).
Lines whose time falls in a telemetry gap, outside the log or has no time get NaN positions, never
guessed ones. `write_loc` stores the result as the cube's `_loc` companion, which every reader finds.

The telemetry altitude and the terrain height (flat or DEM) must share one vertical datum (both above
the ellipsoid, or both above mean sea level): only their difference moves the ground points.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from plumewatch.errors import InputFileError, UnknownSensorError
from plumewatch.geo.accuracy import TelemetryAccuracy, summarize_geolocation_error
from plumewatch.geo.geolocation import pixel_size_m, pixel_spacing_m
from plumewatch.geo.pushbroom import PushbroomGeometry, project_pushbroom
from plumewatch.geo.scanlines import ScanLineTimes, scan_line_times
from plumewatch.geo.terrain import Terrain
from plumewatch.io.companions import SIGMA_KEY, companion_header_path, companion_headers
from plumewatch.io.envi import sensor_name, write_envi
from plumewatch.io.envi_header import EnviHeader, data_path_for, read_header
from plumewatch.io.telemetry import DEFAULT_MAX_GAP_S, interpolate_track, read_track
from plumewatch.io.track import Track
from plumewatch.scene import Scene
from plumewatch.spectra import get_sensor

log = logging.getLogger(__name__)

# Lines projected at once: keeps the (lines, samples, 3) ray arrays small on long flight lines.
LINES_PER_BLOCK = 2048
_TRACK_ARRAYS = ("lon_deg", "lat_deg", "alt_m", "heading_deg", "pitch_deg", "roll_deg")


@dataclass(frozen=True)
class Pointing:
    """How the imager looks: its field of view (deg) or the sensor to take it from, and boresight offsets."""

    sensor: str | None = None
    fov_deg: float | None = None
    boresight_roll_deg: float = 0.0
    boresight_pitch_deg: float = 0.0
    boresight_yaw_deg: float = 0.0
    flip_samples: bool = False


AS_BUILT = Pointing()
DEFAULT_ACCURACY = TelemetryAccuracy()


@dataclass(frozen=True)
class Georeference:
    """Ground position (WGS84 deg, height m) of every pixel from telemetry, what it rests on and its error."""

    lon_deg: np.ndarray
    lat_deg: np.ndarray
    elevation_m: np.ndarray
    telemetry: Path
    time_source: str
    fov_deg: float
    fov_source: str
    terrain_source: str
    height_above_ground_m: float
    sigma_median_m: float
    sigma_edge_m: float
    accuracy: TelemetryAccuracy
    lines_without_time: int
    lines_without_attitude: int
    times_in_gaps: int
    times_outside_track: int
    gaps: list[dict[str, Any]]

    @property
    def lines(self) -> int:
        """Scan lines in the cube."""
        return int(self.lon_deg.shape[0])

    @property
    def lines_without_position(self) -> int:
        """Lines where no pixel has a position (telemetry gap, outside the log, no time, no terrain)."""
        return int((~np.isfinite(self.lon_deg).any(axis=1)).sum())

    @property
    def source(self) -> str:
        """One line naming the telemetry, terrain and field of view the positions come from."""
        return (
            f"telemetry {self.telemetry.name} projected onto {self.terrain_source}; "
            f"field of view {self.fov_deg:.4f} deg ({self.fov_source}); times from {self.time_source}"
        )


def georeference_cube(
    cube: str | Path,
    telemetry: str | Path,
    *,
    pointing: Pointing = AS_BUILT,
    height_m: float | None = None,
    dem: str | Path | None = None,
    line_rate_hz: float | None = None,
    accuracy: TelemetryAccuracy = DEFAULT_ACCURACY,
    assume_level: bool = False,
    max_gap_s: float = DEFAULT_MAX_GAP_S,
) -> Georeference:
    """Positions of every pixel of an ENVI cube from a telemetry log (KLV/CSV/GPX) and the expected error (m).

    Terrain: ``dem`` (GeoTIFF), else flat at ``height_m``, else flat at the telemetry's own ground height
    (ST 0601 frame-centre elevation, or altitude minus height above ground), else 0 m with a warning.
    A log without roll and pitch (GPX) is refused unless ``assume_level`` (a stabilised mount): then
    missing roll/pitch count as 0 and ``accuracy`` should say how level the mount holds.
    """
    header = read_header(cube)
    times = scan_line_times(header, line_rate_hz=line_rate_hz)
    if times.lines_without_time == header.lines:
        raise InputFileError(header.path, f"no scan line has a time ({times.source} is empty)")
    track = read_track(telemetry)
    if assume_level:
        track = replace(
            track, roll_deg=np.nan_to_num(track.roll_deg), pitch_deg=np.nan_to_num(track.pitch_deg)
        )
    elif np.isnan(track.roll_deg).all() or np.isnan(track.pitch_deg).all():
        raise InputFileError(
            Path(telemetry),
            "has no roll/pitch; for a stabilised imager use --assume-level (and --attitude-sigma-deg)",
        )
    fov_deg, fov_source = field_of_view_deg(header, track, pointing)
    geometry = PushbroomGeometry(
        header.samples,
        fov_deg,
        pointing.boresight_roll_deg,
        pointing.boresight_pitch_deg,
        pointing.boresight_yaw_deg,
        pointing.flip_samples,
    )
    terrain, terrain_source = terrain_for(track, height_m=height_m, dem=dem)
    at_lines = track_at_lines(track, times, max_gap_s=max_gap_s)
    shape = (header.lines, header.samples)
    lon, lat, elevation = (np.full(shape, np.nan) for _ in range(3))
    for start in range(0, header.lines, LINES_PER_BLOCK):
        block = slice(start, start + LINES_PER_BLOCK)
        lon[block], lat[block], elevation[block] = project_pushbroom(
            _track_lines(at_lines, block), geometry, terrain
        )
    located = np.isfinite(lon)
    without_attitude = np.isfinite(at_lines.lat_deg) & ~np.isfinite(_attitude(at_lines)).all(axis=0)
    if not located.any():
        raise InputFileError(Path(telemetry), _nothing_located(track, times, at_lines, without_attitude))
    line_located = located.any(axis=1)
    above_ground_m = float(np.median(at_lines.alt_m[line_located]) - np.median(elevation[located]))
    # Positive boresight roll swings every look to the left, like platform roll.
    error = summarize_geolocation_error(
        above_ground_m, geometry.look_angles_deg() - pointing.boresight_roll_deg, accuracy
    )
    return Georeference(
        lon_deg=lon,
        lat_deg=lat,
        elevation_m=elevation,
        telemetry=Path(telemetry),
        time_source=times.source,
        fov_deg=fov_deg,
        fov_source=fov_source,
        terrain_source=terrain_source,
        height_above_ground_m=above_ground_m,
        sigma_median_m=error["median_radial_m"],
        sigma_edge_m=error["max_radial_m"],
        accuracy=accuracy,
        lines_without_time=times.lines_without_time,
        lines_without_attitude=int(without_attitude.sum()),
        times_in_gaps=int(at_lines.attrs["times_in_gaps"]),
        times_outside_track=int(at_lines.attrs["times_outside_track"]),
        gaps=list(at_lines.attrs["gaps"]),
    )


def field_of_view_deg(header: EnviHeader, track: Track, pointing: Pointing) -> tuple[float, str]:
    """Full cross-track field of view (deg) and where it came from: given, sensor, telemetry or header."""
    if pointing.fov_deg is not None:
        if not 0.0 < pointing.fov_deg < 180.0:
            raise InputFileError(header.path, f"field of view {pointing.fov_deg} deg must be in (0, 180)")
        return float(pointing.fov_deg), "given"
    if pointing.sensor:
        return sensor_fov_deg(pointing.sensor, header.samples)
    hfov = np.asarray(track.attrs.get("fields", {}).get("sensor_hfov_deg", []), dtype=np.float64)
    if np.isfinite(hfov).any():
        return _finite_median(hfov), f"sensor horizontal field of view in {track.source.name}"
    try:
        return sensor_fov_deg(sensor_name(header), header.samples)
    except UnknownSensorError:
        raise InputFileError(
            header.path,
            "no field of view: give --sensor or --fov-deg (the telemetry carries none and the header "
            "names no modelled sensor)",
        ) from None


def sensor_fov_deg(sensor: str, samples: int) -> tuple[float, str]:
    """A modelled sensor's field of view (deg) for a cube of ``samples``: full swath, or samples x IFOV."""
    spec = get_sensor(sensor)
    if samples == spec.samples:
        return spec.fov_deg, f"{spec.name} full swath"
    # A cube narrower than the detector (a subset or a simulation): its samples are taken to sit
    # side by side at the sensor's IFOV, centred on the boresight.
    fov_deg = float(np.rad2deg(samples * spec.ifov_mrad * 1e-3))
    log.info(
        "%d samples of %s's %d: field of view %.4f deg from its IFOV",
        samples,
        spec.name,
        spec.samples,
        fov_deg,
    )
    return fov_deg, f"{spec.name} IFOV {spec.ifov_mrad:g} mrad x {samples} samples"


def terrain_for(
    track: Track, *, height_m: float | None = None, dem: str | Path | None = None
) -> tuple[Terrain | float, str]:
    """The terrain to project onto and a description: a DEM, a given flat height, the telemetry's, or 0 m."""
    if dem is not None:
        return Terrain.from_geotiff(dem), f"DEM {Path(dem).name}"
    if height_m is not None:
        return float(height_m), f"flat terrain at {height_m:g} m"
    ground = telemetry_ground_height_m(track)
    if ground is not None:
        return ground[0], f"flat terrain at {ground[0]:.1f} m ({ground[1]})"
    log.warning(
        "%s: no terrain height given and none in the telemetry; projecting onto flat terrain at 0 m",
        track.source,
    )
    return 0.0, "flat terrain at 0 m (assumed: no height given or in the telemetry)"


def telemetry_ground_height_m(track: Track) -> tuple[float, str] | None:
    """Median ground height (m) the telemetry reports, and from what; None if it reports none."""
    fields = track.attrs.get("fields", {})
    if "frame_center_elev_m" in fields:
        elevation = np.asarray(fields["frame_center_elev_m"], dtype=np.float64)
        if np.isfinite(elevation).any():
            return _finite_median(elevation), "telemetry frame-centre elevation"
    if "altitude_agl_m" in fields:
        ground = track.alt_m - np.asarray(fields["altitude_agl_m"], dtype=np.float64)
        if np.isfinite(ground).any():
            return _finite_median(ground), "telemetry altitude minus height above ground"
    return None


def track_at_lines(track: Track, times: ScanLineTimes, *, max_gap_s: float = DEFAULT_MAX_GAP_S) -> Track:
    """The track interpolated to every scan line's time; NaN for lines without a time, in gaps or outside."""
    timed = ~np.isnat(times.time)
    at = interpolate_track(track, times.time[timed], max_gap_s=max_gap_s)

    def every_line(values: np.ndarray) -> np.ndarray:
        column = np.full(times.time.shape, np.nan)
        column[timed] = values
        return column

    attrs = dict(at.attrs)
    attrs["fields"] = {name: every_line(values) for name, values in at.attrs["fields"].items()}
    columns = {name: every_line(getattr(at, name)) for name in _TRACK_ARRAYS}
    return replace(at, time=times.time, attrs=attrs, **columns)


def write_loc(cube: str | Path, result: Georeference, *, force: bool = False) -> Path:
    """Write the cube's `_loc` companion (lon, lat, elevation, float64 ENVI, atomic); returns its header path.

    Refuses when the cube already has a `_loc`, `_igm` or `_glt` unless ``force``; the header carries
    the expected 1-sigma error (``geolocation sigma m``, median over the swath) and its source.
    """
    header = read_header(cube)
    target = loc_path_for(header.path, force=force)
    metadata: dict[str, Any] = {
        "description": "per-pixel ground position, WGS84, from platform telemetry (plumewatch georef)",
        "band names": ["Longitude", "Latitude", "Elevation"],
        "geolocation source": result.source,
        SIGMA_KEY: round(result.sigma_median_m, 3),
        "geolocation sigma edge m": round(result.sigma_edge_m, 3),
        "telemetry accuracy": accuracy_text(result.accuracy),
        "lines without position": result.lines_without_position,
    }
    if header.acquired is not None:
        metadata["acquisition time"] = header.acquired
    loc = np.stack([result.lon_deg, result.lat_deg, result.elevation_m], axis=-1).astype(np.float64)
    return write_envi(target, loc, metadata=metadata)


def loc_path_for(cube_header: Path, *, force: bool = False) -> Path:
    """Where the cube's `_loc` goes; InputFileError if its name has no companions or geometry exists."""
    target = companion_header_path(cube_header, "loc")
    if target is None:
        raise InputFileError(
            cube_header, "name must end in _rdn or _img so readers find its _loc (X_rdn.hdr -> X_loc.hdr)"
        )
    existing = [
        path for kind, path in companion_headers(cube_header).items() if kind in ("loc", "igm", "glt")
    ]
    if existing and not force:
        names = ", ".join(path.name for path in existing)
        raise InputFileError(
            cube_header, f"already has geolocation ({names}); use --force to write {target.name}"
        )
    if target.is_file() and data_path_for(target) != target.with_suffix(".img"):
        raise InputFileError(
            target, f"cannot replace: its data file {data_path_for(target).name} is not {target.stem}.img"
        )
    return target


def georeference_scene(scene: Scene, telemetry: str | Path, *, sensor: str | None = None) -> Scene:
    """An ENVI scene with every pixel's position from telemetry, in memory (nothing written); flat terrain."""
    modelled = None if sensor in (None, "", "unknown") else sensor
    result = georeference_cube(scene.path, telemetry, pointing=Pointing(sensor=modelled))
    log.info(
        "%s: positions from %s; %d of %d lines without position; expected 1-sigma error %.1f m",
        scene.name,
        result.source,
        result.lines_without_position,
        result.lines,
        result.sigma_median_m,
    )
    return scene_with_georeference(scene, result)


def scene_with_georeference(scene: Scene, result: Georeference) -> Scene:
    """The scene with telemetry positions, pixel size and 1-sigma error (``attrs['geolocation_sigma_m']``)."""
    attrs = dict(scene.attrs)
    attrs.update(pixel_spacing_m(result.lon_deg, result.lat_deg))
    attrs["geolocation_source"] = result.source
    attrs["geolocation_sigma_m"] = result.sigma_median_m
    return replace(
        scene,
        lon_deg=result.lon_deg,
        lat_deg=result.lat_deg,
        pixel_size_m=pixel_size_m(result.lon_deg, result.lat_deg),
        attrs=attrs,
    )


def accuracy_text(accuracy: TelemetryAccuracy) -> str:
    """The 1-sigma telemetry accuracy in one line."""
    return (
        f"position {accuracy.horizontal_m:g} m horizontal, {accuracy.vertical_m:g} m vertical; "
        f"roll {accuracy.roll_deg:g} deg, pitch {accuracy.pitch_deg:g} deg, "
        f"heading {accuracy.heading_deg:g} deg"
    )


def _attitude(track: Track) -> np.ndarray:
    return np.stack([track.heading_deg, track.pitch_deg, track.roll_deg])


def _finite_median(values: np.ndarray) -> float:
    return float(np.median(values[np.isfinite(values)]))


def _track_lines(track: Track, block: slice) -> Track:
    return replace(
        track, time=track.time[block], **{name: getattr(track, name)[block] for name in _TRACK_ARRAYS}
    )


def _nothing_located(
    track: Track, times: ScanLineTimes, at_lines: Track, without_attitude: np.ndarray
) -> str:
    timed = times.time[~np.isnat(times.time)]
    missed = int(at_lines.attrs["times_outside_track"]) + int(at_lines.attrs["times_in_gaps"])
    if missed == timed.size:
        return (
            f"no scan line falls within the telemetry: lines {timed.min()}Z to {timed.max()}Z "
            f"({times.source}), fixes {track.time.min()}Z to {track.time.max()}Z"
        )
    if missed + int(without_attitude.sum()) == timed.size:
        return "no heading, pitch and roll at any scan line's time"
    return (
        "no look ray meets the terrain (is the platform above it, in the same vertical datum, "
        "and does the DEM cover the swath?)"
    )
