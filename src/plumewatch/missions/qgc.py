"""QGroundControl ``.plan`` files (JSON; QGC's documented "Plan File Format").

The mission is plain MAV_CMD_NAV_WAYPOINT items (command 16) in frame
MAV_FRAME_GLOBAL_RELATIVE_ALT (3): each line's start, its end, and points in
between no more than ``MAX_LEG_M`` apart, so the autopilot follows the planned
line however it draws a leg; detours round no-fly zones add their waypoints.
The geofence holds the permitted airspace as inclusion polygons and the no-fly
zones as exclusion polygons, clockwise [lat, lon] vertices as the format asks.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pyproj
from shapely.geometry import Polygon
from shapely.geometry.polygon import orient

from plumewatch.missions.plan import MissionPlan, PlannedLine

log = logging.getLogger(__name__)

MAV_CMD_NAV_WAYPOINT = 16
MAV_FRAME_GLOBAL_RELATIVE_ALT = 3
MAV_AUTOPILOT_GENERIC = 0
MAV_TYPE_FIXED_WING = 1
ALTITUDE_MODE_RELATIVE = 1
HOVER_SPEED_M_S = 5.0
MAX_LEG_M = 5000.0
GEOD = pyproj.Geod(ellps="WGS84")


def line_waypoints(line: PlannedLine, max_leg_m: float = MAX_LEG_M) -> np.ndarray:
    """Lon/lat waypoints (N, 2) of a line: its ends and vertices kept no more than ``max_leg_m`` apart."""
    lonlat = line.lonlat
    if len(lonlat) <= 2:
        return lonlat
    _, _, step = GEOD.inv(lonlat[:-1, 0], lonlat[:-1, 1], lonlat[1:, 0], lonlat[1:, 1])
    along = np.concatenate([[0.0], np.cumsum(step)])
    keep = [0]
    for k in range(1, len(lonlat) - 1):
        if along[k + 1] - along[keep[-1]] > max_leg_m:
            keep.append(k)
    keep.append(len(lonlat) - 1)
    return lonlat[keep]


def _item(number: int, lon: float, lat: float, altitude_m: float) -> dict[str, Any]:
    return {
        "AMSLAltAboveTerrain": None,
        "Altitude": altitude_m,
        "AltitudeMode": ALTITUDE_MODE_RELATIVE,
        "autoContinue": True,
        "command": MAV_CMD_NAV_WAYPOINT,
        "doJumpId": number,
        "frame": MAV_FRAME_GLOBAL_RELATIVE_ALT,
        "params": [0, 0, 0, None, round(float(lat), 8), round(float(lon), 8), altitude_m],
        "type": "SimpleItem",
    }


def _fence_polygons(polygon: Polygon, inclusion: bool) -> list[dict[str, Any]]:
    """QGC fence polygons of a shapely polygon: its outline, and its holes as the opposite kind."""
    clockwise = orient(polygon, sign=-1.0)
    rings = [(clockwise.exterior, inclusion)] + [(ring, not inclusion) for ring in clockwise.interiors]
    out = []
    for ring, kind in rings:
        coords = np.asarray(orient(Polygon(ring), sign=-1.0).exterior.coords)[:-1]
        out.append(
            {
                "inclusion": kind,
                "polygon": [[round(float(lat), 8), round(float(lon), 8)] for lon, lat in coords],
                "version": 1,
            }
        )
    return out


def mission_waypoints(plan: MissionPlan) -> list[tuple[float, float, float]]:
    """Every waypoint (lon, lat, altitude m above home) of a plan in flying order."""
    points: list[tuple[float, float, float]] = []
    via = {t.to_line: t.via_lonlat for t in plan.transits if t.via_lonlat is not None}
    for line in plan.lines:
        for lon, lat in via.get(line.number, np.zeros((0, 2))):
            points.append((float(lon), float(lat), line.altitude_m))
        points.extend((float(lon), float(lat), line.altitude_m) for lon, lat in line_waypoints(line))
    return points


def qgc_plan(plan: MissionPlan) -> dict[str, Any]:
    """The plan as a QGroundControl Plan document (a JSON-ready dict)."""
    items = [_item(k, lon, lat, alt) for k, (lon, lat, alt) in enumerate(mission_waypoints(plan), start=1)]
    home = plan.home_lonlat or (float(plan.lines[0].lonlat[0, 0]), float(plan.lines[0].lonlat[0, 1]))
    polygons = [p for poly in plan.fence_inclusion for p in _fence_polygons(poly, True)]
    polygons += [p for poly in plan.fence_exclusion for p in _fence_polygons(poly, False)]
    return {
        "fileType": "Plan",
        "geoFence": {"circles": [], "polygons": polygons, "version": 2},
        "groundStation": "plumewatch",
        "mission": {
            "cruiseSpeed": plan.speed_m_s,
            "firmwareType": MAV_AUTOPILOT_GENERIC,
            "globalPlanAltitudeMode": ALTITUDE_MODE_RELATIVE,
            "hoverSpeed": HOVER_SPEED_M_S,
            "items": items,
            "plannedHomePosition": [round(home[1], 8), round(home[0], 8), 0],
            "vehicleType": MAV_TYPE_FIXED_WING,
            "version": 2,
        },
        "rallyPoints": {"points": [], "version": 2},
        "version": 1,
    }
