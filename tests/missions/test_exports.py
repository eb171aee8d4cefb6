"""Exports: QGroundControl .plan against its documented structure, KML and GeoJSON read back."""

import json
from pathlib import Path

import geojson
import jsonschema
import numpy as np
import pytest
import shapely
from fastkml import KML
from lxml import etree
from shapely.geometry import Point, Polygon, shape

from plumewatch.errors import PlanningError
from plumewatch.missions.aoi import aoi_from_geometries
from plumewatch.missions.exports import write_mission
from plumewatch.missions.qgc import MAV_CMD_NAV_WAYPOINT, mission_waypoints
from plumewatch.missions.survey import plan_survey

SCHEMA = json.loads((Path(__file__).parent / "qgc_plan.schema.json").read_text())


@pytest.fixture(scope="module")
def plan():
    outer = Polygon(
        [(-118.30, 35.20), (-118.12, 35.21), (-118.10, 35.33), (-118.22, 35.30), (-118.29, 35.36)]
    )
    hole = Point(-118.2, 35.27).buffer(0.012)
    aoi = aoi_from_geometries([Polygon(outer.exterior, [hole.exterior])], [])
    permitted = [Polygon([(-118.4, 35.1), (-118.0, 35.1), (-118.0, 35.45), (-118.4, 35.45)])]
    return plan_survey(
        aoi,
        altitude_m=2500,
        fov_deg=34,
        ifov_mrad=1.0,
        sidelap=0.2,
        turn_radius_m=300,
        permitted_lonlat=permitted,
    )


def test_plan_file_matches_documented_schema_and_reads_back(plan, tmp_path):
    path = write_mission(tmp_path / "survey.plan", plan)
    document = json.loads(path.read_text())
    jsonschema.validate(document, SCHEMA)
    items = document["mission"]["items"]
    assert all(item["command"] == MAV_CMD_NAV_WAYPOINT for item in items)
    assert [item["doJumpId"] for item in items] == list(range(1, len(items) + 1))
    lat_lon = np.array([item["params"][4:6] for item in items])
    expected = np.array([(lat, lon) for lon, lat, _ in mission_waypoints(plan)])
    assert np.allclose(lat_lon, expected, atol=1e-8)
    fences = document["geoFence"]["polygons"]
    assert [f["inclusion"] for f in fences].count(True) == 1
    assert [f["inclusion"] for f in fences].count(False) == len(plan.fence_exclusion) >= 1
    for fence in fences:
        ring = Polygon([(lon, lat) for lat, lon in fence["polygon"]])
        assert not ring.exterior.is_ccw


def test_plan_waypoints_agree_with_geojson_written_independently(plan, tmp_path):
    document = json.loads(write_mission(tmp_path / "p.plan", plan).read_text())
    lines = json.loads(write_mission(tmp_path / "p.geojson", plan).read_text())["features"]
    points = [(item["params"][5], item["params"][4]) for item in document["mission"]["items"]]
    for feature in lines:
        coords = shapely.get_coordinates(shape(feature["geometry"]))
        for end in (coords[0], coords[-1]):
            assert min(np.hypot(end[0] - p[0], end[1] - p[1]) for p in points) < 1e-7


def test_geojson_is_valid_one_linestring_per_line(plan, tmp_path):
    text = write_mission(tmp_path / "lines.geojson", plan).read_text()
    collection = geojson.loads(text)
    assert collection.is_valid, collection.errors()
    assert len(collection["features"]) == len(plan.lines)
    for feature, line in zip(collection["features"], plan.lines, strict=True):
        assert feature["geometry"]["type"] == "LineString"
        props = feature["properties"]
        assert props["line_number"] == line.number
        assert props["altitude_m"] == 2500
        assert props["swath_width_m"] == pytest.approx(plan.swath_width_m, rel=1e-6)
        assert 0 <= props["heading_deg"] < 360
        assert shape(feature["geometry"]).equals_exact(line.geometry(), 1e-6)  # geojson rounds to 6 places


def test_kml_reads_back_with_fastkml_and_lxml(plan, tmp_path):
    path = write_mission(tmp_path / "lines.kml", plan)
    document = KML.parse(path)
    folders = {f.name: f for f in document.features[0].features}
    placemarks = folders["flight lines"].features
    assert len(placemarks) == len(plan.lines)
    first = np.asarray(placemarks[0].geometry.coords)
    assert np.allclose(first[:, :2], plan.lines[0].lonlat, atol=1e-9)
    assert np.allclose(first[:, 2], 2500)
    assert "no-fly zones" in folders and "permitted airspace" in folders
    tree = etree.parse(str(path))
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    assert len(tree.findall(".//k:Placemark", ns)) == len(plan.lines) + len(plan.fence_exclusion) + 1
    assert tree.findall(".//k:LineString/k:altitudeMode", ns)[0].text == "relativeToGround"


def test_unknown_extension_is_refused_and_writes_nothing(plan, tmp_path):
    with pytest.raises(PlanningError, match="unknown plan type"):
        write_mission(tmp_path / "lines.shp", plan)
    assert not list(tmp_path.iterdir())
