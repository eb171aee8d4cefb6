"""The Track record: a platform's flown path, as every telemetry reader returns it.

Readers for MISB ST 0601 KLV, CSV and GPX all give a Track; georeferencing
interpolates it to scan-line times and the airspace audit checks it against
permitted areas. Arrays share one length, sorted by time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Track:
    """Platform fixes over time (WGS84 lon/lat, altitude in metres above the ellipsoid or MSL, see attrs).

    ``time`` is datetime64[us] UTC. Attitude arrays are NaN where the source had none.
    ``attrs`` carries what the source said beyond positions: ``altitude_reference``
    (``"msl"`` or ``"hae"``), ``security`` (classification/releasability from an
    ST 0102 set), ``packets_good``/``packets_bad`` for KLV, sensor geometry tags.
    """

    source: Path
    time: np.ndarray
    lon_deg: np.ndarray
    lat_deg: np.ndarray
    alt_m: np.ndarray
    heading_deg: np.ndarray
    pitch_deg: np.ndarray
    roll_deg: np.ndarray
    attrs: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(len(self.time))

    def seconds_since_start(self) -> np.ndarray:
        """Time of each fix in seconds (float64) since the first fix."""
        return (self.time - self.time[0]) / np.timedelta64(1, "s") if len(self.time) else np.zeros(0)


_COLUMNS = ("lon_deg", "lat_deg", "alt_m", "heading_deg", "pitch_deg", "roll_deg")


def sorted_track(
    source: Path, time: np.ndarray, columns: dict[str, np.ndarray], attrs: dict[str, Any]
) -> Track:
    """A Track with fixes sorted by time; steps back in time and duplicate times are counted in attrs.

    ``columns`` holds lon_deg, lat_deg, alt_m and optionally heading/pitch/roll_deg (NaN
    when missing); ``attrs['fields']`` arrays (per-fix extras) are reordered with them.
    Of fixes sharing one time only the first is kept.
    """
    time = np.asarray(time, dtype="datetime64[us]")
    order = np.argsort(time, kind="stable")
    backwards = int(np.sum(np.diff(time) < np.timedelta64(0, "us")))
    keep = order[np.r_[True, np.diff(time[order]) > np.timedelta64(0, "us")]] if time.size else order
    attrs = dict(attrs)
    attrs["time_steps_backwards"] = backwards
    attrs["duplicate_times_dropped"] = int(order.size - keep.size)
    if "fields" in attrs:
        attrs["fields"] = {name: np.asarray(values)[keep] for name, values in attrs["fields"].items()}
    nan = np.full(time.shape, np.nan)
    pick = {name: np.asarray(columns.get(name, nan), dtype=np.float64)[keep] for name in _COLUMNS}
    return Track(source=Path(source), time=time[keep], attrs=attrs, **pick)

