"""Survey planning: swath and GSD, heading search, turns, no-fly zones, antimeridian, poles, bad input."""

import json
import math

import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from plumewatch.errors import InputFileError, PlanningError
from plumewatch.missions.aoi import aoi_from_geometries, read_aoi
from plumewatch.missions.survey import gsd_m, plan_survey, swath_width_m, turn_radius_for
from plumewatch.spectra import get_sensor

GEOD = pyproj.Geod(ellps="WGS84")


def rectangle(lon0, lat0, width_km, height_km):
    """A lon/lat rectangle width_km east-west by height_km north-south, south-west corner at lon0, lat0."""
    dlon = width_km / (111.32 * math.cos(math.radians(lat0 + height_km / 222.64)))
    dlat = height_km / 110.57
    return Polygon([(lon0, lat0), (lon0 + dlon, lat0), (lon0 + dlon, lat0 + dlat), (lon0, lat0 + dlat)])


def test_swath_and_gsd_follow_the_sensor_geometry():
    sensor = get_sensor("avirisng")
    assert swath_width_m(4000.0, sensor.fov_deg) == pytest.approx(2 * 4000 * math.tan(math.radians(17.0)))
    assert gsd_m(4000.0, sensor.ifov_mrad) == pytest.approx(4.0)
    assert turn_radius_for(60.0, 25.0) == pytest.approx(3600 / (9.80665 * math.tan(math.radians(25))))


def test_auto_heading_runs_lines_along_a_long_thin_area():
    aoi = aoi_from_geometries([rectangle(10.0, 45.0, 4.0, 30.0)], [])
    plan = plan_survey(aoi, altitude_m=3000, fov_deg=34, sidelap=0.2, turn_radius_m=500)
    assert min(plan.heading_deg % 180, 180 - plan.heading_deg % 180) < 3.0
    swath = swath_width_m(3000, 34)
    assert len(plan.lines) == math.ceil((4000 - swath) / (0.8 * swath)) + 1
    cross = plan_survey(aoi, altitude_m=3000, fov_deg=34, sidelap=0.2, turn_radius_m=500, heading_deg=90)
    assert cross.flight_time_s > plan.flight_time_s
    assert len(cross.lines) > 10


def test_flight_time_adds_lines_and_turns_and_grows_with_turn_radius():
    aoi = aoi_from_geometries([rectangle(10.0, 45.0, 20.0, 20.0)], [])
    tight = plan_survey(aoi, altitude_m=3000, fov_deg=34, turn_radius_m=100, heading_deg=0)
    wide = plan_survey(aoi, altitude_m=3000, fov_deg=34, turn_radius_m=1500, heading_deg=0)
    for plan in (tight, wide):
        assert plan.flight_time_s == pytest.approx(
            (plan.line_length_m + plan.transit_length_m) / plan.speed_m_s
        )
        assert len(plan.transits) == len(plan.lines) - 1
    assert wide.transit_length_m > tight.transit_length_m
    assert tight.line_length_m == pytest.approx(wide.line_length_m, rel=1e-6)
    spacing = tight.spacing_m
    assert tight.transits[0].length_m == pytest.approx(math.pi * 100 + spacing - 200, rel=1e-3)
    assert {t.word for t in tight.transits} <= {"LSL", "RSR"}


def test_lines_never_enter_no_fly_zones_and_turns_go_round_them():
    outer = rectangle(-118.3, 35.2, 20.0, 20.0)
    hole = Point(outer.centroid.x, outer.centroid.y).buffer(0.03)
    no_fly = rectangle(-118.27, 35.25, 2.0, 25.0)
    aoi = aoi_from_geometries([Polygon(outer.exterior, [hole.exterior])], [no_fly])
    plan = plan_survey(aoi, altitude_m=3000, fov_deg=34, turn_radius_m=400, heading_deg=0)
    zones = shapely.union_all([hole, no_fly])
    for line in plan.lines:
        assert line.geometry().intersection(zones).length < 1e-9
    assert len(plan.fence_exclusion) == 2
    assert all(t.clear for t in plan.transits)
    assert any(t.word == "detour" for t in plan.transits)
    for t in plan.transits:
        if t.via_lonlat is not None:
            path = LineString(
                [
                    *plan.lines[t.from_line - 1].lonlat[-1:],
                    *t.via_lonlat,
                    *plan.lines[t.to_line - 1].lonlat[:1],
                ]
            )
            assert path.intersection(zones).length < 1e-9


def test_area_narrower_than_a_swath_gets_one_line_and_a_note():
    aoi = aoi_from_geometries([rectangle(5.0, 50.0, 0.3, 0.3)], [])
    plan = plan_survey(aoi, altitude_m=3000, fov_deg=34, heading_deg=0)
    assert len(plan.lines) == 1
    assert any("narrower than one swath" in note for note in plan.notes)


@pytest.mark.parametrize("altitude", [0.0, -100.0, 25_000.0])
def test_altitudes_without_coverage_are_refused(altitude):
    aoi = aoi_from_geometries([rectangle(5.0, 50.0, 5, 5)], [])
    with pytest.raises(PlanningError, match="altitude"):
        plan_survey(aoi, altitude_m=altitude, fov_deg=34)


def test_self_intersecting_aoi_is_repaired_and_reported(tmp_geojson):
    bowtie = Polygon([(0, 0), (0.1, 0.1), (0.1, 0), (0, 0.1)])
    aoi = read_aoi(tmp_geojson("bowtie.geojson", [bowtie]))
    assert any("make_valid" in note for note in aoi.notes)
    plan = plan_survey(aoi, altitude_m=2000, fov_deg=34, turn_radius_m=200)
    assert any("make_valid" in note for note in plan.notes)
    assert plan.lines


def test_bad_aoi_files_name_the_file(tmp_path, tmp_geojson):
    with pytest.raises(InputFileError, match="no such AOI"):
        read_aoi(tmp_path / "missing.geojson")
    (tmp_path / "bad.geojson").write_text("{not json")
    with pytest.raises(InputFileError, match="bad.geojson"):
        read_aoi(tmp_path / "bad.geojson")
    with pytest.raises(InputFileError, match="no Polygon"):
        read_aoi(tmp_geojson("points.geojson", [Point(0, 0)]))


def test_antimeridian_area_split_per_rfc7946_is_planned_as_one(tmp_geojson):
    west = Polygon([(179.8, -17.0), (180.0, -17.0), (180.0, -16.8), (179.8, -16.8)])
    east = Polygon([(-180.0, -17.0), (-179.8, -17.0), (-179.8, -16.8), (-180.0, -16.8)])
    aoi = read_aoi(tmp_geojson("fiji.geojson", [MultiPolygon([west, east])]))
    assert aoi.area.geom_type == "Polygon"
    plan = plan_survey(aoi, altitude_m=3000, fov_deg=34, heading_deg=90, turn_radius_m=300)
    crossing = [line for line in plan.lines if line.geometry().geom_type == "MultiLineString"]
    assert crossing, "east-west lines over a box straddling 180 degrees must cross it"
    for line in plan.lines:
        geom = line.geometry()
        assert np.all(np.abs(shapely.get_coordinates(geom)[:, 0]) <= 180.0)
        for part in shapely.get_parts(geom):
            assert np.abs(np.diff(shapely.get_coordinates(part)[:, 0])).max() < 1.0
    width_m = GEOD.inv(179.8, -16.9, -179.8, -16.9)[2]
    assert max(line.length_m for line in plan.lines) == pytest.approx(width_m, rel=0.02)
    json.dumps(shapely.geometry.mapping(crossing[0].geometry()))


def test_polar_cap_is_planned_in_a_polar_frame(tmp_geojson):
    cap = Polygon([(-180, 89.5), (180, 89.5), (180, 90), (-180, 90)])
    aoi = read_aoi(tmp_geojson("pole.geojson", [cap]))
    radius_m = GEOD.inv(0, 90, 0, 89.5)[2]
    assert aoi.area.area == pytest.approx(math.pi * radius_m**2, rel=0.01)
    plan = plan_survey(aoi, altitude_m=6000, fov_deg=34, heading_deg=0, turn_radius_m=500)
    longest = max(line.length_m for line in plan.lines)
    assert longest == pytest.approx(2 * radius_m, rel=0.02)
    assert all(-90 <= lat <= 90 for line in plan.lines for lat in line.lonlat[:, 1])


def test_concave_area_lines_split_across_the_notch():
    u_shape = Polygon(
        [(0, 0), (0.3, 0), (0.3, 0.3), (0.2, 0.3), (0.2, 0.1), (0.1, 0.1), (0.1, 0.3), (0, 0.3)]
    )
    aoi = aoi_from_geometries([u_shape], [])
    plan = plan_survey(aoi, altitude_m=1500, fov_deg=34, heading_deg=90, turn_radius_m=200)
    notch = Polygon([(0.11, 0.12), (0.19, 0.12), (0.19, 0.3), (0.11, 0.3)])
    assert sum(line.geometry().intersects(notch) for line in plan.lines) == 0


def test_turns_outside_the_permitted_airspace_are_named():
    area = rectangle(10.0, 45.0, 10.0, 10.0)
    aoi = aoi_from_geometries([area], [])
    roomy = plan_survey(
        aoi,
        altitude_m=3000,
        fov_deg=34,
        turn_radius_m=500,
        heading_deg=0,
        permitted_lonlat=[area.buffer(0.05)],
    )
    assert not any("permitted" in note for note in roomy.notes)
    tight = plan_survey(
        aoi, altitude_m=3000, fov_deg=34, turn_radius_m=500, heading_deg=0, permitted_lonlat=[area]
    )
    (note,) = [n for n in tight.notes if "turns leaving the permitted airspace" in n]
    assert note.count("->") == len(tight.transits)
