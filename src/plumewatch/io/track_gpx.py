"""GPX track logs (via gpxpy): every timed track point of every track and segment, in time order.

GPX carries position, elevation (taken as metres above MSL, as GPX specifies) and
time; heading is GPX 1.0's ``<course>`` where present, else the geodesic azimuth
to the next point (labelled in ``attrs['heading_source']``). Pitch and roll are NaN.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from pathlib import Path

import gpxpy
import gpxpy.gpx
import numpy as np
import pyproj

from plumewatch.atomic import atomic_path
from plumewatch.errors import InputFileError
from plumewatch.io.track import Track, sorted_track


def read_track_gpx(path: str | Path) -> Track:
    """A Track from the timed track points of a GPX file."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as f:
            document = gpxpy.parse(f)
    except FileNotFoundError:
        raise InputFileError(path, "file not found") from None
    except (gpxpy.gpx.GPXException, UnicodeDecodeError, ValueError) as err:
        raise InputFileError(
            path, f"not a readable GPX file ({str(err).splitlines()[0] if str(err) else err})"
        ) from None
    points = [p for t in document.tracks for s in t.segments for p in s.points]
    timed = [p for p in points if p.time is not None]
    if not timed:
        raise InputFileError(path, f"GPX has no timed track points ({len(points)} points without time)")
    times = np.array([np.datetime64(_utc_naive(p.time), "us") for p in timed])
    columns = {
        "lon_deg": np.array([p.longitude for p in timed], dtype=np.float64),
        "lat_deg": np.array([p.latitude for p in timed], dtype=np.float64),
        "alt_m": np.array([np.nan if p.elevation is None else p.elevation for p in timed], dtype=np.float64),
        "heading_deg": np.array([np.nan if p.course is None else p.course for p in timed], dtype=np.float64),
    }
    attrs = {"format": "gpx", "altitude_reference": "msl", "points_without_time": len(points) - len(timed)}
    track = sorted_track(path, times, columns, attrs)
    if np.isnan(track.heading_deg).all() and len(track) > 1:
        heading = course_over_ground_deg(track.lon_deg, track.lat_deg)
        track = replace(
            track,
            heading_deg=heading,
            attrs={**track.attrs, "heading_source": "course over ground between points"},
        )
    return track


def write_track_gpx(path: str | Path, track: Track, *, name: str | None = None) -> Path:
    """Write a Track as one GPX 1.1 track (time, lat, lon, elevation); returns the path."""
    path = Path(path)
    document = gpxpy.gpx.GPX()
    segment = gpxpy.gpx.GPXTrackSegment()
    for i, moment in enumerate(track.time.astype("datetime64[us]").astype(object)):
        elevation = float(track.alt_m[i]) if np.isfinite(track.alt_m[i]) else None
        segment.points.append(
            gpxpy.gpx.GPXTrackPoint(
                latitude=float(track.lat_deg[i]),
                longitude=float(track.lon_deg[i]),
                elevation=elevation,
                time=moment.replace(tzinfo=UTC),
            )
        )
    gpx_track = gpxpy.gpx.GPXTrack(name=name or track.source.stem)
    gpx_track.segments.append(segment)
    document.tracks.append(gpx_track)
    with atomic_path(path) as tmp:
        tmp.write_text(document.to_xml(version="1.1"), encoding="utf-8")
    return path


def course_over_ground_deg(lon_deg: np.ndarray, lat_deg: np.ndarray) -> np.ndarray:
    """Geodesic azimuth (deg clockwise from north, 0-360) from each point to the next; the last repeats."""
    azimuth, _, _ = pyproj.Geod(ellps="WGS84").inv(lon_deg[:-1], lat_deg[:-1], lon_deg[1:], lat_deg[1:])
    azimuth = np.mod(np.asarray(azimuth, dtype=np.float64), 360.0)
    return np.r_[azimuth, azimuth[-1:]]


def _utc_naive(moment):
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
