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
