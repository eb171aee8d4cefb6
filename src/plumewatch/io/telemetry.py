"""Platform telemetry: read any supported log into a Track, and interpolate it to scan-line times.

Formats by suffix: ``.klv``/``.bin`` MISB ST 0601 KLV (`plumewatch.io.klv`), ``.csv``
(`plumewatch.io.track_csv`), ``.gpx`` (`plumewatch.io.track_gpx`). Interpolation never
bridges a gap longer than ``max_gap_s`` or reaches outside the track: such times get
NaN and are counted in the result's attrs, so a missing fix can't become a wrong position.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from plumewatch.errors import InputFileError
from plumewatch.io.klv import read_klv, write_klv
from plumewatch.io.track import Track
from plumewatch.io.track_csv import read_track_csv, write_track_csv
from plumewatch.io.track_gpx import read_track_gpx, write_track_gpx

log = logging.getLogger(__name__)

__all__ = ["read_track", "write_track_csv", "write_track_gpx", "write_klv", "interpolate_track", "time_gaps"]

READERS = {".klv": read_klv, ".bin": read_klv, ".csv": read_track_csv, ".gpx": read_track_gpx}
DEFAULT_MAX_GAP_S = 2.0
_CIRCULAR = {"heading_deg", "wind_from_deg"}


def read_track(path: str | Path) -> Track:
    """A Track from a .klv/.bin (MISB ST 0601), .csv or .gpx telemetry log."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise InputFileError(path, f"unknown telemetry format {path.suffix!r} (use {', '.join(READERS)})")
    if not path.is_file():
        raise InputFileError(path, "file not found")
    return reader(path)


def time_gaps(track: Track, max_gap_s: float = DEFAULT_MAX_GAP_S) -> list[dict[str, object]]:
    """Intervals between consecutive fixes longer than ``max_gap_s``: start/end (ISO UTC) and seconds."""
    seconds = track.seconds_since_start()
    steps = np.diff(seconds)
    return [
        {"start": str(track.time[i]) + "Z", "end": str(track.time[i + 1]) + "Z", "seconds": float(steps[i])}
        for i in np.flatnonzero(steps > max_gap_s)
    ]


def interpolate_track(track: Track, times: np.ndarray, *, max_gap_s: float = DEFAULT_MAX_GAP_S) -> Track:
    """The track at ``times`` (datetime64, UTC): linear in time, heading on the circle; NaN in gaps/outside.

    ``attrs`` of the result: ``interpolated_from`` (source), ``times_outside_track``,
    ``times_in_gaps`` (counts of NaN results), ``gaps`` (from `time_gaps`), and the
    source's attrs otherwise; per-fix ``fields`` are interpolated the same way.
    """
    if len(track) == 0:
        raise InputFileError(track.source, "telemetry has no fixes to interpolate")
    times = np.asarray(times, dtype="datetime64[us]")
    origin = track.time[0]
    x = (track.time - origin) / np.timedelta64(1, "s")
    t = (times - origin) / np.timedelta64(1, "s")
    outside = (t < x[0]) | (t > x[-1])
    in_gap = np.zeros(t.shape, dtype=bool)
    if len(x) > 1:
        right = np.clip(np.searchsorted(x, t, side="left"), 1, len(x) - 1)
        on_fix = (x[right] == t) | (x[right - 1] == t)
        in_gap = ~outside & ~on_fix & ((x[right] - x[right - 1]) > max_gap_s)
    invalid = outside | in_gap

    def at(name: str, values: np.ndarray) -> np.ndarray:
        out = _interp_circular(t, x, values) if name in _CIRCULAR else np.interp(t, x, values)
        return np.where(invalid, np.nan, out)

    lon = _unwrapped_lon(track.lon_deg)
    result = {
        name: at(name, getattr(track, name))
        for name in ("lat_deg", "alt_m", "heading_deg", "pitch_deg", "roll_deg")
    }
    result["lon_deg"] = (at("lon_deg", lon) + 180.0) % 360.0 - 180.0
    attrs = dict(track.attrs)
    attrs.update(
        {
            "interpolated_from": str(track.source),
            "times_outside_track": int(outside.sum()),
            "times_in_gaps": int(in_gap.sum()),
            "gaps": time_gaps(track, max_gap_s),
            "fields": {name: at(name, values) for name, values in track.attrs.get("fields", {}).items()},
        }
    )
    if invalid.any():
        log.warning(
            "%s: %d of %d times fall outside the track or in gaps over %.1f s; left as NaN",
            track.source,
            int(invalid.sum()),
            t.size,
            max_gap_s,
        )
    return Track(source=track.source, time=times, attrs=attrs, **result)


def _interp_circular(t: np.ndarray, x: np.ndarray, degrees: np.ndarray) -> np.ndarray:
    radians = np.deg2rad(degrees)
    sin = np.interp(t, x, np.sin(radians))
    cos = np.interp(t, x, np.cos(radians))
    return np.mod(np.rad2deg(np.arctan2(sin, cos)), 360.0)


def _unwrapped_lon(lon_deg: np.ndarray) -> np.ndarray:
    """Longitudes made continuous across the antimeridian so linear interpolation stays local."""
    finite = np.isfinite(lon_deg)
    out = lon_deg.astype(np.float64).copy()
    if finite.sum() > 1:
        out[finite] = np.rad2deg(np.unwrap(np.deg2rad(lon_deg[finite])))
    return out
