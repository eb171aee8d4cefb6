"""Permitted airspace read from GeoJSON and OpenAir (aerofiles), altitude limits in metres."""

import math

import pyproj
import pytest
from shapely.geometry import Point, box

from plumewatch.errors import InputFileError
from plumewatch.missions.airspace import parse_altitude_m, read_permitted

OPENAIR = """* permitted survey volumes
AC R
AN SURVEY BOX
AL GND
AH 10000ft MSL
DP 35:10:00 N 118:20:00 W
DP 35:10:00 N 118:00:00 W
V X=35:20:00 N 118:00:00 W
DB 35:10:00 N 118:00:00 W, 35:30:00 N 118:00:00 W
DP 35:30:00 N 118:20:00 W

AC R
AN CIRCLE
AL 500ft
AH FL95
V X=35:00:00 N 117:50:00 W
DC 5
"""


@pytest.mark.parametrize(
    ("text", "floor", "expected"),
    [
        ("GND", True, -math.inf),
        ("SFC", True, -math.inf),
        ("UNL", False, math.inf),
        ("UNLIM", False, math.inf),
        ("FL95", False, 9500 * 0.3048),
        ("FL 100", False, 3048.0),
        ("3500ft", False, 3500 * 0.3048),
        ("3500 ft MSL", False, 3500 * 0.3048),
        ("1000m", False, 1000.0),
        ("1000 m AMSL", False, 1000.0),
        ("2000", False, 2000 * 0.3048),
        (1234.5, False, 1234.5),
        (None, True, -math.inf),
        (None, False, math.inf),
    ],
)
def test_altitude_limits_in_metres(text, floor, expected):
    value, _ = parse_altitude_m(text, floor=floor)
    assert value == pytest.approx(expected)


def test_agl_and_flight_levels_are_noted():
    assert "above ground" in parse_altitude_m("1500ft AGL", floor=False)[1]
    assert "pressure altitude" in parse_altitude_m("FL95", floor=False)[1]
    with pytest.raises(ValueError, match="cannot read"):
        parse_altitude_m("high", floor=False)


def test_openair_volumes_with_arcs_and_circles(tmp_path):
    path = tmp_path / "permitted.txt"
    path.write_text(OPENAIR)
    box_volume, circle = read_permitted(path)
    assert box_volume.name == "SURVEY BOX" and box_volume.ceiling_m == pytest.approx(3048.0)
    assert box_volume.floor_m == -math.inf
    west, south, east, north = box_volume.polygon.bounds
    assert (west, south, north) == pytest.approx((-118 - 20 / 60, 35 + 10 / 60, 35.5))
    assert east == pytest.approx(-118.0, abs=1e-9)
    assert box_volume.polygon.contains(Point(-118.3, 35.33))
    assert not box_volume.polygon.contains(Point(-118.05, 35.33)), "clockwise DB arc bites into the box"
    assert circle.floor_m == pytest.approx(152.4)
    area_m2 = abs(pyproj.Geod(ellps="WGS84").geometry_area_perimeter(circle.polygon)[0])
    assert area_m2 == pytest.approx(math.pi * (5 * 1852.0) ** 2, rel=0.005)
    assert circle.notes


def test_geojson_volumes_take_numbers_or_text(tmp_geojson):
    path = tmp_geojson(
        "area.geojson",
        [box(0, 0, 1, 1), box(2, 0, 3, 1)],
        [{"name": "a", "floor_m": 100, "ceiling_m": 900}, {"name": "b", "ceiling": "FL50"}],
    )
    a, b = read_permitted(path)
    assert (a.floor_m, a.ceiling_m) == (100.0, 900.0)
    assert b.floor_m == -math.inf and b.ceiling_m == pytest.approx(1524.0)


def test_bad_airspace_files(tmp_path, tmp_geojson):
    with pytest.raises(InputFileError, match="no such airspace"):
        read_permitted(tmp_path / "none.geojson")
    with pytest.raises(InputFileError, match="floor"):
        read_permitted(
            tmp_geojson("inverted.geojson", [box(0, 0, 1, 1)], [{"floor_m": 500, "ceiling_m": 100}])
        )
    with pytest.raises(InputFileError, match="unknown airspace format"):
        (tmp_path / "x.shp").write_text("")
        read_permitted(tmp_path / "x.shp")
