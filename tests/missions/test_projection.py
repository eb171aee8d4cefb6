"""The local planning frame: centred right, round trips exactly, splits lines at the antimeridian."""

import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon

from plumewatch.missions.projection import frame_for, split_antimeridian

GEOD = pyproj.Geod(ellps="WGS84")


def test_frame_centres_on_split_antimeridian_area_and_on_the_pole():
    west = Polygon([(179.5, -1), (180, -1), (180, 1), (179.5, 1)])
    east = Polygon([(-180, -1), (-179.5, -1), (-179.5, 1), (-180, 1)])
    frame = frame_for(MultiPolygon([west, east]))
    assert abs(abs(frame.lon0_deg) - 180.0) < 0.01 and abs(frame.lat0_deg) < 0.01
    assert frame_for(Polygon([(-180, 89), (180, 89), (180, 90), (-180, 90)])).lat0_deg > 89.9


def test_round_trip_and_distances_match_geodesics():
    frame = frame_for(Polygon([(20, 60), (22, 60), (22, 61), (20, 61)]))
    lon, lat = np.array([20.1, 21.9, 21.0]), np.array([60.1, 60.9, 60.5])
    x, y = frame.xy(lon, lat)
    back_lon, back_lat = frame.lonlat(x, y)
    assert np.allclose(back_lon, lon, atol=1e-9) and np.allclose(back_lat, lat, atol=1e-9)
    planar = np.hypot(x[1] - x[0], y[1] - y[0])
    assert planar == pytest.approx(GEOD.inv(lon[0], lat[0], lon[1], lat[1])[2], rel=1e-4)


def test_lines_split_at_the_antimeridian():
    frame = frame_for(Polygon([(179, 10), (181, 10), (181, 11), (179, 11)]))
    x, y = frame.xy(np.array([179.5, 180.5]), np.array([10.5, 10.5]))
    line = frame.to_lonlat(LineString(np.column_stack([x, y])))
    split = split_antimeridian(line)
    assert split.geom_type == "MultiLineString"
    ends = [shapely.get_coordinates(part) for part in split.geoms]
    assert {round(abs(e[-1, 0]), 9) for e in ends[:1]} == {180.0}
    assert split_antimeridian(LineString([(0, 0), (1, 1)])).geom_type == "LineString"
