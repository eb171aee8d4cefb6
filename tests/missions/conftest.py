"""Shared helpers for mission tests: tracks, volumes and AOI files made in place."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import mapping

from plumewatch.io.track import Track

T0 = "2026-06-11T10:00:00"


def make_track(lon, lat, alt, *, dt_s=1.0, times_s=None, source="track.csv") -> Track:
    """A Track from lon/lat/alt arrays, one fix every dt_s seconds (or at times_s) from T0."""
    lon, lat, alt = (np.asarray(v, dtype=float) for v in (lon, lat, alt))
    seconds = np.arange(len(lon)) * dt_s if times_s is None else np.asarray(times_s, dtype=float)
    time = np.datetime64(T0, "us") + (seconds * 1e6).astype("timedelta64[us]")
    nan = np.full(len(lon), np.nan)
    return Track(Path(source), time, lon, lat, alt, nan, nan, nan, {})


def write_geojson(path: Path, geometries, properties=None) -> Path:
    """A FeatureCollection file of shapely geometries with optional per-feature properties."""
    properties = properties or [{} for _ in geometries]
    features = [
        {"type": "Feature", "geometry": mapping(g), "properties": p}
        for g, p in zip(geometries, properties, strict=True)
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


@pytest.fixture
def tmp_geojson(tmp_path):
    """Factory writing geometries to a GeoJSON file under tmp_path."""

    def make(name, geometries, properties=None):
        return write_geojson(tmp_path / name, geometries, properties)

    return make
