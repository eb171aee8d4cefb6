"""Ground position of every pixel from platform position, attitude and pushbroom sensor geometry.

Frames: the body frame is x forward, y right (starboard), z down; attitude turns it
into local north-east-down by yaw (heading, clockwise from true north), then pitch
(nose up positive), then roll (right wing down positive), the aerospace 3-2-1 order.
Sample j of ``samples`` looks ``((j + 0.5) / samples - 0.5) * fov_deg`` across track,
positive to the right of the flight direction (``flip_samples`` reverses it). Rays are
cast in Earth-centred coordinates (WGS84 via pyproj) and intersected with terrain
(`plumewatch.geo.terrain`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyproj

from plumewatch.geo.terrain import Terrain, intersect
from plumewatch.io.track import Track

_TO_ECEF = pyproj.Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)


@dataclass(frozen=True)
class PushbroomGeometry:
    """A pushbroom imager: cross-track pixels, full field of view, boresight misalignment (deg)."""

    samples: int
    fov_deg: float
    boresight_roll_deg: float = 0.0
    boresight_pitch_deg: float = 0.0
    boresight_yaw_deg: float = 0.0
    flip_samples: bool = False

    def look_angles_deg(self) -> np.ndarray:
        """Cross-track look angle (deg, positive to the right) of each sample's centre."""
        angles = ((np.arange(self.samples) + 0.5) / self.samples - 0.5) * self.fov_deg
        return angles[::-1] if self.flip_samples else angles

    def body_rays(self) -> np.ndarray:
        """Unit look vectors (samples, 3) in the body frame (x forward, y right, z down)."""
        alpha = np.deg2rad(self.look_angles_deg())
        rays = np.stack([np.zeros_like(alpha), np.sin(alpha), np.cos(alpha)], axis=-1)
        misalignment = rotation_ned_from_body(
            self.boresight_yaw_deg, self.boresight_pitch_deg, self.boresight_roll_deg
        )
        return rays @ misalignment.T


def rotation_ned_from_body(heading_deg, pitch_deg, roll_deg) -> np.ndarray:
    """Rotation matrices (..., 3, 3) taking body-frame vectors to north-east-down (3-2-1 yaw, pitch, roll)."""
    psi, theta, phi = (
        np.deg2rad(np.asarray(a, dtype=np.float64)) for a in (heading_deg, pitch_deg, roll_deg)
    )
    cps, sps, cth, sth, cph, sph = (
        np.cos(psi),
        np.sin(psi),
        np.cos(theta),
        np.sin(theta),
        np.cos(phi),
        np.sin(phi),
    )
    return np.stack(
        [
            np.stack([cth * cps, sph * sth * cps - cph * sps, cph * sth * cps + sph * sps], axis=-1),
            np.stack([cth * sps, sph * sth * sps + cph * cps, cph * sth * sps - sph * cps], axis=-1),
            np.stack([-sth, sph * cth, cph * cth], axis=-1),
        ],
        axis=-2,
    )


def ecef_from_ned(lon_deg, lat_deg) -> np.ndarray:
    """Rotation matrices (..., 3, 3) taking north-east-down vectors at lon/lat to Earth-centred (ECEF)."""
    lam, phi = np.deg2rad(np.asarray(lon_deg, np.float64)), np.deg2rad(np.asarray(lat_deg, np.float64))
    north = np.stack([-np.sin(phi) * np.cos(lam), -np.sin(phi) * np.sin(lam), np.cos(phi)], axis=-1)
    east = np.stack([-np.sin(lam), np.cos(lam), np.zeros_like(lam)], axis=-1)
    down = -np.stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)], axis=-1)
    return np.stack([north, east, down], axis=-1)


def project_pushbroom(
    track: Track,
    geometry: PushbroomGeometry,
    terrain: Terrain | float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lon, lat (deg) and terrain height (m, ellipsoidal) of each (line, sample); one line per track fix.

    ``track`` must already be at the scan-line times (see `plumewatch.io.telemetry.interpolate_track`);
    ``alt_m`` is taken as height above the WGS84 ellipsoid, NaN attitude as level flight is
    NOT assumed: lines with any NaN position or attitude give NaN pixels. ``terrain`` is a
    flat height (m) or a `Terrain` DEM.
    """
    origin = np.stack(_TO_ECEF.transform(track.lon_deg, track.lat_deg, track.alt_m), axis=-1)
    body = rotation_ned_from_body(track.heading_deg, track.pitch_deg, track.roll_deg)
    to_ecef = ecef_from_ned(track.lon_deg, track.lat_deg) @ body
    rays = np.einsum("lij,sj->lsi", to_ecef, geometry.body_rays())
    origins = np.broadcast_to(origin[:, None, :], rays.shape)
    valid = np.isfinite(rays).all(axis=-1) & np.isfinite(origins).all(axis=-1)
    lon = np.full(rays.shape[:2], np.nan)
    lat = np.full(rays.shape[:2], np.nan)
    height = np.full(rays.shape[:2], np.nan)
    if valid.any():
        lon[valid], lat[valid], height[valid] = intersect(origins[valid], rays[valid], terrain)
    return lon, lat, height


def georeference_from_track(
    track: Track,
    line_times: np.ndarray,
    geometry: PushbroomGeometry,
    terrain: Terrain | float = 0.0,
    *,
    max_gap_s: float = 2.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, object]]:
    """Lon, lat (deg), height (m) per (line, sample) from raw telemetry and scan-line times (datetime64 UTC).

    Lines whose time falls in a telemetry gap longer than ``max_gap_s`` or outside the
    track get NaN positions; the returned dict counts them and lists the gaps.
    """
    from plumewatch.io.telemetry import interpolate_track

    at_lines = interpolate_track(track, line_times, max_gap_s=max_gap_s)
    lon, lat, height = project_pushbroom(at_lines, geometry, terrain)
    info = {
        "lines": len(line_times),
        "lines_without_position": int(np.isnan(lon).all(axis=1).sum()),
        "times_in_gaps": at_lines.attrs["times_in_gaps"],
        "times_outside_track": at_lines.attrs["times_outside_track"],
        "gaps": at_lines.attrs["gaps"],
    }
    return lon, lat, height, info
