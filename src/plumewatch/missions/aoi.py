"""Areas of interest: read a GeoJSON AOI, repair it if needed, and put it in a local metric frame.

Polygon holes are no-fly zones, and so is any feature whose properties hold
``"no_fly": true``. Polygons crossing the antimeridian are read as RFC 7946
writes them (split at +/-180 degrees) or with longitudes past 180.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from plumewatch.errors import InputFileError, PlanningError
from plumewatch.missions.projection import LocalFrame, frame_for

log = logging.getLogger(__name__)

GRID_M = 0.01


@dataclass(frozen=True)
class AreaOfInterest:
    """An AOI in a local frame: ``area`` to cover, ``no_fly`` never to overfly (both local metres).

    ``no_fly`` holds the AOI's holes and the explicit no-fly polygons, even where they reach outside the AOI.
    """

    frame: LocalFrame
    area: BaseGeometry
    no_fly: BaseGeometry
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def free(self) -> BaseGeometry:
        """The area to cover with the no-fly zones taken out (local metres)."""
        return self.area.difference(self.no_fly)

    @property
    def no_fly_parts(self) -> list[Polygon]:
        """The no-fly zones one polygon each (local metres)."""
        return [p for p in shapely.get_parts(self.no_fly) if not p.is_empty]


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Only the polygons of a geometry (a make_valid result may hold lines and points), as one geometry."""
    parts = [
        p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon") and not p.is_empty
    ]
    if not parts:
        return Polygon()
    return shapely.union_all(parts, grid_size=None)


def repair(geom: BaseGeometry, what: str, notes: list[str]) -> BaseGeometry:
    """A valid polygonal geometry; a repair by make_valid is recorded in ``notes``."""
    if geom.is_valid:
        return geom
    reason = explain_validity(geom)
    fixed = polygonal(shapely.make_valid(geom))
    notes.append(f"{what} was invalid ({reason}); repaired with make_valid")
    log.warning("%s was invalid (%s); repaired with make_valid", what, reason)
    return fixed


def aoi_from_geometries(
    area_lonlat: list[BaseGeometry], no_fly_lonlat: list[BaseGeometry], *, source: str = "AOI"
) -> AreaOfInterest:
    """An AreaOfInterest from lon/lat polygons to cover and lon/lat no-fly polygons."""
    notes: list[str] = []
    area_ll = [repair(g, f"{source} polygon {i + 1}", notes) for i, g in enumerate(area_lonlat)]
    no_fly_ll = [repair(g, f"{source} no-fly polygon {i + 1}", notes) for i, g in enumerate(no_fly_lonlat)]
    area_ll = [g for g in area_ll if not g.is_empty and g.area > 0]
    if not area_ll:
        raise PlanningError(f"{source}: no polygon with a non-zero area to cover")
    frame = frame_for(shapely.union_all(area_ll))
    area = _to_local(frame, area_ll)
    holes = [Polygon(ring) for poly in shapely.get_parts(area) for ring in poly.interiors]
    explicit = _to_local(frame, no_fly_ll) if no_fly_ll else Polygon()
    no_fly = shapely.union_all([*holes, explicit], grid_size=GRID_M)
    if area.difference(no_fly).area <= 0:
        raise PlanningError(f"{source}: the no-fly zones cover the whole area")
    return AreaOfInterest(frame=frame, area=area, no_fly=no_fly, notes=tuple(notes))


def _to_local(frame: LocalFrame, geoms: list[BaseGeometry]) -> BaseGeometry:
    # Projection can fold a polar edge onto a point; make_valid drops such slivers, and the
    # centimetre grid joins the halves of a polygon split at the antimeridian.
    parts = [polygonal(shapely.make_valid(frame.to_local(g))) for g in geoms]
    return shapely.union_all(parts, grid_size=GRID_M)


def read_aoi(path: str | Path) -> AreaOfInterest:
    """An AreaOfInterest from a GeoJSON file (Feature, FeatureCollection or (Multi)Polygon geometry)."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputFileError(path, "no such AOI file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputFileError(path, f"not a readable GeoJSON file ({err})") from None
    area, no_fly = [], []
    for geometry, properties in _features(path, document):
        try:
            geom = shape(geometry)
        except (AttributeError, KeyError, TypeError, ValueError, shapely.errors.GEOSException) as err:
            raise InputFileError(path, f"bad GeoJSON geometry ({err})") from None
        if not isinstance(geom, Polygon | MultiPolygon):
            continue
        (no_fly if properties.get("no_fly") else area).append(geom)
    if not area:
        raise InputFileError(path, "no Polygon or MultiPolygon to cover")
    try:
        return aoi_from_geometries(area, no_fly, source=str(path))
    except PlanningError as err:
        raise InputFileError(path, str(err).removeprefix(f"{path}: ")) from None


def _features(path: Path, document: object) -> list[tuple[dict, dict]]:
    if not isinstance(document, dict):
        raise InputFileError(path, "GeoJSON must be an object")
    kind = document.get("type")
    if kind == "FeatureCollection":
        return [
            (f.get("geometry") or {}, f.get("properties") or {})
            for f in document.get("features", [])
            if isinstance(f, dict)
        ]
    if kind == "Feature":
        return [(document.get("geometry") or {}, document.get("properties") or {})]
    if kind in ("Polygon", "MultiPolygon", "GeometryCollection"):
        return [(document, {})]
    raise InputFileError(path, f"GeoJSON type {kind!r} is not a Feature, FeatureCollection or Polygon")
