"""Write lon/lat features as KML (fastkml) or GeoJSON, and pick a mission writer by file extension.

A feature here is ``(name, folder, geometry, properties)`` with a shapely
lon/lat geometry (Z = metres when the geometry has it). Mission plans go out
as QGroundControl ``.plan`` (``missions.qgc``), ``.kml`` or ``.geojson``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pygeoif
import shapely
from fastkml import KML, Data, Document, ExtendedData, Folder, Placemark
from fastkml.enums import AltitudeMode
from fastkml.geometry import create_kml_geometry
from shapely.geometry.base import BaseGeometry

from plumewatch.atomic import atomic_path
from plumewatch.errors import PlanningError
from plumewatch.missions.plan import MissionPlan
from plumewatch.missions.qgc import qgc_plan

log = logging.getLogger(__name__)

Feature = tuple[str, str, BaseGeometry, dict[str, Any]]
MISSION_SUFFIXES = (".plan", ".kml", ".geojson", ".json")


def geojson_collection(features: Iterable[Feature]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (RFC 7946) of the features; the folder becomes a ``folder`` property."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(geom),
                "properties": {"name": name, "folder": folder, **props},
            }
            for name, folder, geom, props in features
        ],
    }


def kml_document(features: Iterable[Feature], *, title: str, altitude_mode: str = "relativeToGround") -> str:
    """KML text of the features, one Folder per folder name, properties as ExtendedData."""
    folders: dict[str, list[Placemark]] = {}
    mode = AltitudeMode(altitude_mode)
    for name, folder, geom, props in features:
        kml_geometry = create_kml_geometry(pygeoif.shape(geom), altitude_mode=mode)
        extended = ExtendedData(
            elements=[Data(name=k, value=_text(v)) for k, v in props.items() if v is not None]
        )
        folders.setdefault(folder, []).append(
            Placemark(name=name, kml_geometry=kml_geometry, extended_data=extended)
        )
    document = Document(name=title, features=[Folder(name=f, features=p) for f, p in folders.items()])
    return KML(features=[document]).to_string(prettyprint=True)


def _text(value: Any) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def write_features(
    path: str | Path, features: list[Feature], *, title: str, altitude_mode: str = "relativeToGround"
) -> Path:
    """Write features to ``.kml`` or ``.geojson``/``.json`` (by extension), atomically; returns the path."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".kml":
        text = kml_document(features, title=title, altitude_mode=altitude_mode)
    elif suffix in (".geojson", ".json"):
        text = json.dumps(geojson_collection(features), indent=1)
    else:
        raise PlanningError(f"{path}: unknown output type {suffix!r}; use .kml or .geojson")
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def mission_features(plan: MissionPlan, *, with_altitude: bool = False) -> list[Feature]:
    """Flight lines of a plan as features with number, heading, altitude, swath; Z = altitude if asked."""
    features: list[Feature] = []
    for line in plan.lines:
        geom = line.geometry()
        props = {
            "line_number": line.number,
            "heading_deg": round(line.heading_deg, 3),
            "altitude_m": line.altitude_m,
            "swath_width_m": round(line.swath_width_m, 3),
            "length_m": round(line.length_m, 1),
            "kind": line.kind,
        }
        if line.site_id is not None:
            props["site_id"] = line.site_id
        features.append(
            (
                f"line {line.number}",
                "flight lines",
                shapely.force_3d(geom, line.altitude_m) if with_altitude else geom,
                props,
            )
        )
    return features


def fence_features(plan: MissionPlan) -> list[Feature]:
    """The plan's permitted (inclusion) and no-fly (exclusion) polygons as features."""
    return [
        (f"permitted {i + 1}", "permitted airspace", p, {"inclusion": True})
        for i, p in enumerate(plan.fence_inclusion)
    ] + [
        (f"no-fly {i + 1}", "no-fly zones", p, {"inclusion": False})
        for i, p in enumerate(plan.fence_exclusion)
    ]


def write_mission(path: str | Path, plan: MissionPlan) -> Path:
    """Write a plan as a QGroundControl ``.plan``, ``.kml`` or ``.geojson`` atomically; returns the path."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".plan":
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(qgc_plan(plan), indent=2), encoding="utf-8")
        return path
    if suffix == ".kml":
        return write_features(
            path,
            mission_features(plan, with_altitude=True) + fence_features(plan),
            title=f"plumewatch {plan.kind}",
        )
    if suffix in (".geojson", ".json"):
        return write_features(path, mission_features(plan), title=f"plumewatch {plan.kind}")
    raise PlanningError(f"{path}: unknown plan type {suffix!r}; use one of {', '.join(MISSION_SUFFIXES)}")
