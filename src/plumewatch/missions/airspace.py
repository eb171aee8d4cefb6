"""Permitted airspace: volumes (lon/lat polygon, floor and ceiling in metres) read from GeoJSON or OpenAir.

GeoJSON: Polygon/MultiPolygon features whose properties give ``floor_m`` and
``ceiling_m`` (numbers, metres above mean sea level) or ``floor``/``ceiling``
as OpenAir-style text ("GND", "FL95", "3500ft", "1000 m MSL", "UNL"); a missing
limit means none. OpenAir text (``.txt``, ``.air``, ``.openair``) is parsed by
aerofiles: DP points, DA/DB arcs and DC circles become polygons (arcs sampled
every ``ARC_STEP_DEG`` degrees). Flight levels are taken as pressure altitude
on the standard atmosphere (FL100 = 3048 m), and AGL limits as MSL (no terrain
model): both are reported as notes.
"""

from __future__ import annotations

import json
import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyproj
import shapely
from aerofiles.openair import Reader
from shapely.geometry import MultiPolygon, Polygon, shape

from plumewatch.errors import InputFileError

log = logging.getLogger(__name__)

FT_M = 0.3048
NM_M = 1852.0
ARC_STEP_DEG = 2.0
OPENAIR_SUFFIXES = (".txt", ".air", ".openair")
GEOD = pyproj.Geod(ellps="WGS84")
_ALT = re.compile(
    r"^\s*(?P<value>[-+]?\d+(?:\.\d+)?)\s*(?P<unit>ft|feet|m|meters|metres)?\s*(?P<ref>msl|amsl|agl|"
    r"asfc|sfc|gnd)?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AirspaceVolume:
    """One permitted volume: a lon/lat polygon and altitude limits in metres (None-free: +/-inf when open)."""

    name: str
    polygon: Polygon
    floor_m: float = -math.inf
    ceiling_m: float = math.inf
    notes: tuple[str, ...] = field(default_factory=tuple)


def parse_altitude_m(text: str | float | int | None, *, floor: bool) -> tuple[float, str]:
    """An altitude limit in metres (MSL) from a number (metres) or OpenAir text, and a note ('' if exact)."""
    if text is None:
        return (-math.inf if floor else math.inf), ""
    if isinstance(text, int | float):
        return float(text), ""
    raw = str(text).strip()
    upper = raw.upper()
    if upper in ("GND", "SFC", "GROUND", "SURFACE"):
        return -math.inf, ""
    if upper.startswith("UNL") or upper in ("UNLIMITED", "NONE"):
        return math.inf, ""
    level = re.match(r"^FL\s*(\d+(?:\.\d+)?)$", upper)
    if level:
        return float(
            level.group(1)
        ) * 100.0 * FT_M, f"{raw} taken as pressure altitude on the standard atmosphere"
    match = _ALT.match(raw)
    if not match:
        raise ValueError(f"cannot read altitude limit {raw!r}")
    value = float(match.group("value"))
    unit = (match.group("unit") or "ft").lower()
    metres = value if unit.startswith("m") else value * FT_M
    ref = (match.group("ref") or "msl").lower()
    note = (
        f"{raw} is above ground; taken as above mean sea level (no terrain model)"
        if ref in ("agl", "asfc")
        else ""
    )
    return metres, note


def read_permitted(path: str | Path) -> list[AirspaceVolume]:
    """Permitted airspace volumes from a GeoJSON or OpenAir file."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "no such airspace file")
    suffix = path.suffix.lower()
    if suffix in OPENAIR_SUFFIXES:
        volumes = _read_openair(path)
    elif suffix in (".geojson", ".json"):
        volumes = _read_geojson(path)
    else:
        raise InputFileError(path, f"unknown airspace format {suffix!r}; use .geojson or OpenAir .txt/.air")
    if not volumes:
        raise InputFileError(path, "holds no permitted airspace polygon")
    return volumes


def _limits(path: Path, name: str, floor, ceiling) -> tuple[float, float, tuple[str, ...]]:
    try:
        floor_m, floor_note = parse_altitude_m(floor, floor=True)
        ceiling_m, ceiling_note = parse_altitude_m(ceiling, floor=False)
    except ValueError as err:
        raise InputFileError(path, f"{name}: {err}") from None
    if floor_m >= ceiling_m:
        raise InputFileError(path, f"{name}: floor {floor} is not below ceiling {ceiling}")
    return floor_m, ceiling_m, tuple(n for n in (floor_note, ceiling_note) if n)


def _valid(path: Path, name: str, geom) -> list[Polygon]:
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
        log.warning("%s: airspace %s was invalid; repaired with make_valid", path, name)
    return [p for p in shapely.get_parts(geom) if isinstance(p, Polygon) and p.area > 0]


def _read_geojson(path: Path) -> list[AirspaceVolume]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputFileError(path, f"not a readable GeoJSON file ({err})") from None
    if document.get("type") == "FeatureCollection":
        features = document.get("features", [])
    elif document.get("type") == "Feature":
        features = [document]
    else:
        features = [{"type": "Feature", "geometry": document, "properties": {}}]
    volumes = []
    for i, feature in enumerate(features):
        props = feature.get("properties") or {}
        name = str(props.get("name", f"feature {i + 1}"))
        try:
            geom = shape(feature.get("geometry") or {})
        except (AttributeError, KeyError, TypeError, ValueError, shapely.errors.GEOSException) as err:
            raise InputFileError(path, f"{name}: bad geometry ({err})") from None
        if not isinstance(geom, Polygon | MultiPolygon):
            continue
        floor_m, ceiling_m, notes = _limits(
            path, name, props.get("floor_m", props.get("floor")), props.get("ceiling_m", props.get("ceiling"))
        )
        volumes.extend(AirspaceVolume(name, p, floor_m, ceiling_m, notes) for p in _valid(path, name, geom))
    return volumes


def _read_openair(path: Path) -> list[AirspaceVolume]:
    volumes = []
    try:
        with open(path, encoding="utf-8", errors="replace") as fp:
            records = list(Reader(fp))
    except (OSError, ValueError) as err:
        raise InputFileError(path, f"not readable OpenAir ({err})") from None
    for record, error in records:
        if error is not None:
            raise InputFileError(path, f"OpenAir line {getattr(error, 'lineno', '?')}: {error}")
        if record.get("type") != "airspace":
            continue
        name = str(record.get("name") or f"airspace {len(volumes) + 1}")
        ring = _openair_ring(path, name, record.get("elements", []))
        floor_m, ceiling_m, notes = _limits(path, name, record.get("floor"), record.get("ceiling"))
        volumes.extend(
            AirspaceVolume(name, p, floor_m, ceiling_m, notes) for p in _valid(path, name, Polygon(ring))
        )
    return volumes


def _openair_ring(path: Path, name: str, elements: list[dict]) -> np.ndarray:
    points: list[tuple[float, float]] = []
    for element in elements:
        kind = element.get("type")
        if kind == "point":
            lat, lon = element["location"]
            points.append((lon, lat))
        elif kind == "circle":
            lat, lon = element["center"]
            points.extend(_arc(lon, lat, element["radius"] * NM_M, 0.0, 360.0, True))
        elif kind == "arc":
            points.extend(_openair_arc(element))
    if len(points) < 3:
        raise InputFileError(path, f"{name}: fewer than three points outline it")
    return np.asarray(points)


def _openair_arc(element: dict) -> list[tuple[float, float]]:
    lat, lon = element["center"]
    if "radius" in element:
        return _arc(
            lon, lat, element["radius"] * NM_M, element["start"], element["end"], element["clockwise"]
        )
    (lat0, lon0), (lat1, lon1) = element["start"], element["end"]
    start_az, _, radius_m = GEOD.inv(lon, lat, lon0, lat0)
    end_az, _, _ = GEOD.inv(lon, lat, lon1, lat1)
    return _arc(lon, lat, radius_m, start_az, end_az, element["clockwise"])


def _arc(
    lon: float, lat: float, radius_m: float, start_deg: float, end_deg: float, clockwise: bool
) -> list[tuple[float, float]]:
    """Points on a geodesic circle arc, from start to end bearing (degrees) in the given sense."""
    sweep = (end_deg - start_deg) % 360.0 if clockwise else -((start_deg - end_deg) % 360.0)
    if sweep == 0.0:
        sweep = 360.0 if clockwise else -360.0
    n = max(2, int(math.ceil(abs(sweep) / ARC_STEP_DEG)) + 1)
    azimuths = start_deg + np.linspace(0.0, sweep, n)
    lons, lats, _ = GEOD.fwd(np.full(n, lon), np.full(n, lat), azimuths, np.full(n, radius_m))
    return list(zip(np.asarray(lons, float), np.asarray(lats, float), strict=True))
