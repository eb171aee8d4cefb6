"""Operational layers read from files: flown tracks, planned flight lines and permitted airspace.

Each file becomes one ``LayerFile``: GeoJSON features (RFC 7946, lon/lat) and their bounding
box, read once and kept until the file changes. A file that cannot be read is logged and left
out, so one bad file does not take the dashboard down.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, mapping, shape

from plumewatch.errors import PlumewatchError
from plumewatch.io.telemetry import READERS, read_track
from plumewatch.missions.airspace import read_permitted

log = logging.getLogger(__name__)

LAYER_KINDS = ("tracks", "plans", "airspace")
TRACK_TOLERANCE_DEG = 1e-5  # about 1 m: simplified tracks keep every turn a map can show
AIRSPACE_SUFFIXES = (".geojson", ".json", ".txt", ".air", ".openair")
PLAN_SUFFIXES = (".geojson", ".json")


@dataclass(frozen=True)
class LayerFile:
    """The features of one layer file and their W S E N bounding box in degrees."""

    name: str
    features: tuple[dict[str, Any], ...]
    bbox: tuple[float, float, float, float]


def layer_files(layers_dir: Path | None, kind: str) -> list[LayerFile]:
    """The readable files of one layer kind (``tracks``, ``plans``, ``airspace``), by file name."""
    if layers_dir is None or not (layers_dir / kind).is_dir():
        return []
    suffixes = {"tracks": tuple(READERS), "plans": PLAN_SUFFIXES, "airspace": AIRSPACE_SUFFIXES}[kind]
    found = []
    for path in sorted((layers_dir / kind).iterdir()):
        if path.is_file() and path.suffix.lower() in suffixes:
            layer = _read_cached(kind, path, path.stat().st_mtime_ns)
            if layer is not None:
                found.append(layer)
    return found


@lru_cache(maxsize=256)
def _read_cached(kind: str, path: Path, mtime_ns: int) -> LayerFile | None:
    reader = {"tracks": _track_layer, "plans": _plan_layer, "airspace": _airspace_layer}[kind]
    try:
        features = reader(path)
    except (PlumewatchError, OSError, ValueError, KeyError, TypeError) as err:
        log.warning("%s: left out of the %s layer (%s)", path, kind, err)
        return None
    if not features:
        return None
    bounds = shapely.total_bounds([shape(f["geometry"]) for f in features])
    return LayerFile(path.name, tuple(features), tuple(float(b) for b in bounds))


def _feature(geometry, properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": mapping(geometry), "properties": properties}


def _track_layer(path: Path) -> list[dict[str, Any]]:
    track = read_track(path)
    ok = np.isfinite(track.lon_deg) & np.isfinite(track.lat_deg)
    if ok.sum() < 2:
        return []
    line = LineString(np.column_stack([track.lon_deg[ok], track.lat_deg[ok]])).simplify(TRACK_TOLERANCE_DEG)
    times = track.time[ok]
    return [
        _feature(
            line, {"name": path.stem, "start": f"{times[0]}Z", "end": f"{times[-1]}Z", "fixes": int(ok.sum())}
        )
    ]


def _plan_layer(path: Path) -> list[dict[str, Any]]:
    document = json.loads(path.read_text())
    features = document.get("features", []) if isinstance(document, dict) else []
    lines = []
    for feature in features:
        geometry = shape(feature["geometry"])
        if geometry.geom_type in ("LineString", "MultiLineString"):
            properties = {
                k: v
                for k, v in (feature.get("properties") or {}).items()
                if isinstance(v, str | int | float | bool)
            }
            lines.append(_feature(shapely.force_2d(geometry), {"plan": path.stem, **properties}))
    return lines


def _airspace_layer(path: Path) -> list[dict[str, Any]]:
    return [
        _feature(
            v.polygon,
            {
                "name": v.name,
                "floor_m": _finite(v.floor_m),
                "ceiling_m": _finite(v.ceiling_m),
                "source": path.name,
            },
        )
        for v in read_permitted(path)
    ]


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None
