"""Telemetry CSV logs: one fix per row, header row required.

Columns (names fixed, order free): ``time_utc`` (ISO-8601; a trailing Z or offset is
honoured, naive times are UTC), ``lon_deg``, ``lat_deg``, ``alt_m`` required;
``heading_deg``, ``pitch_deg``, ``roll_deg`` optional (NaN when absent). Any other
numeric column (e.g. ``wind_speed_m_s``) is kept per fix in ``Track.attrs['fields']``.
Empty cells are NaN.
"""

from __future__ import annotations

import csv
import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from plumewatch.atomic import atomic_path
from plumewatch.errors import InputFileError
from plumewatch.io.track import Track, sorted_track

REQUIRED = ("time_utc", "lon_deg", "lat_deg", "alt_m")
OPTIONAL = ("heading_deg", "pitch_deg", "roll_deg")


def read_track_csv(path: str | Path) -> Track:
    """A Track from a telemetry CSV (columns in the module docstring), sorted by time."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            columns = [c.strip() for c in reader.fieldnames or []]
            missing = [c for c in REQUIRED if c not in columns]
            if missing:
                raise InputFileError(
                    path, f"telemetry CSV lacks column(s) {', '.join(missing)} (needs {', '.join(REQUIRED)})"
                )
            rows = [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in reader]
    except FileNotFoundError:
        raise InputFileError(path, "file not found") from None
    except (UnicodeDecodeError, csv.Error) as err:
        raise InputFileError(path, f"not a readable CSV ({err})") from None
    if not rows:
        raise InputFileError(path, "telemetry CSV has no rows")
    times = [_time(path, i, row["time_utc"]) for i, row in enumerate(rows, start=2)]
    numeric = {name: _column(path, rows, name) for name in columns if name != "time_utc"}
    extras = {name: values for name, values in numeric.items() if name not in REQUIRED + OPTIONAL}
    attrs = {"format": "csv", "altitude_reference": "see source", "fields": extras}
    return sorted_track(path, np.array(times, dtype="datetime64[us]"), numeric, attrs)


def write_track_csv(path: str | Path, track: Track) -> Path:
    """Write a Track (plus its ``attrs['fields']``) as a telemetry CSV; returns the path."""
    path = Path(path)
    fields = track.attrs.get("fields", {})
    names = ["lon_deg", "lat_deg", "alt_m", *OPTIONAL]
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["time_utc", *names, *fields])
        for i, moment in enumerate(track.time.astype("datetime64[us]")):
            stamp = np.datetime_as_string(moment, unit="us") + "Z"
            values = [getattr(track, n)[i] for n in names] + [fields[n][i] for n in fields]
            writer.writerow([stamp, *(_cell(v) for v in values)])
    return path


def _time(path: Path, line: int, text: str) -> np.datetime64:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputFileError(path, f"line {line}: time_utc {text!r} is not an ISO-8601 time") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return np.datetime64(moment, "us")


def _column(path: Path, rows: list[dict[str, str]], name: str) -> np.ndarray:
    out = np.empty(len(rows))
    for i, row in enumerate(rows):
        text = row.get(name, "")
        try:
            out[i] = float(text) if text else math.nan
        except ValueError:
            raise InputFileError(path, f"line {i + 2}: {name} {text!r} is not a number") from None
    return out


def _cell(value: float) -> str:
    return "" if not np.isfinite(value) else repr(float(value))
