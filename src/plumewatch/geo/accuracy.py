"""Expected geolocation error of a pushbroom pixel from telemetry accuracy (first-order propagation).

For a platform ``H`` metres above flat ground looking ``alpha`` across track, the ground
point is ``H tan(alpha)`` to the side. Small independent 1-sigma errors move it by:

- horizontal position: ``sigma_xy`` (each axis),
- vertical position: ``sigma_z * tan(alpha)`` across track,
- roll: ``H * sigma_roll / cos^2(alpha)`` across track,
- pitch: ``H / cos(alpha) * sigma_pitch`` along track (slant range times the tilt),
- heading: ``H * tan(alpha) * sigma_heading`` along track (rotation about the vertical).

Across- and along-track variances are summed separately and reported with their
root-sum-square as the horizontal radial error (1-sigma per axis, combined).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TelemetryAccuracy:
    """1-sigma telemetry errors: position (m) and attitude (deg)."""

    horizontal_m: float = 2.0
    vertical_m: float = 3.0
    roll_deg: float = 0.05
    pitch_deg: float = 0.05
    heading_deg: float = 0.1


def geolocation_sigma_m(
    height_above_ground_m: float | np.ndarray,
    look_angle_deg: float | np.ndarray,
    accuracy: TelemetryAccuracy,
) -> dict[str, np.ndarray]:
    """1-sigma ground error (m) per look angle: ``across_track_m``, ``along_track_m``, ``radial_m``."""
    h = np.asarray(height_above_ground_m, dtype=np.float64)
    alpha = np.deg2rad(np.asarray(look_angle_deg, dtype=np.float64))
    roll, pitch, heading = (
        np.deg2rad(v) for v in (accuracy.roll_deg, accuracy.pitch_deg, accuracy.heading_deg)
    )
    across_var = (
        accuracy.horizontal_m**2
        + (accuracy.vertical_m * np.tan(alpha)) ** 2
        + (h * roll / np.cos(alpha) ** 2) ** 2
    )
    along_var = (
        accuracy.horizontal_m**2 + (h / np.cos(alpha) * pitch) ** 2 + (h * np.tan(alpha) * heading) ** 2
    )
    return {
        "across_track_m": np.sqrt(across_var),
        "along_track_m": np.sqrt(along_var),
        "radial_m": np.sqrt(across_var + along_var),
    }


def summarize_geolocation_error(
    height_above_ground_m: float, look_angles_deg: np.ndarray, accuracy: TelemetryAccuracy
) -> dict[str, float]:
    """Median and worst (swath edge) 1-sigma radial ground error (m) over a swath's look angles."""
    radial = geolocation_sigma_m(height_above_ground_m, look_angles_deg, accuracy)["radial_m"]
    return {"median_radial_m": float(np.median(radial)), "max_radial_m": float(np.max(radial))}
