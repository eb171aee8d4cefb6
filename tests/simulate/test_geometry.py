"""Sun position and pushbroom footprints."""

from datetime import UTC, datetime

import numpy as np
import pyproj
import pytest

from plumewatch.simulate import geometry as simulate_geometry
from plumewatch.simulate.geometry import LinePlan, LocalFrame, fly_line, solar_angles_deg

GEOD = pyproj.Geod(ellps="WGS84")


def test_sun_at_the_june_solstice():
    # Local solar noon at 119 W is ~19:56 UTC: the sun is due south, 35.4 - 23.44 deg from the zenith.
    zenith, azimuth = solar_angles_deg(datetime(2026, 6, 21, 19, 58, tzinfo=UTC), -119.0, 35.4)
    assert zenith == pytest.approx(35.4 - 23.44, abs=0.3)
    assert azimuth == pytest.approx(180.0, abs=3.0)
    morning_zenith, morning_azimuth = solar_angles_deg(datetime(2026, 6, 21, 16, 0, tzinfo=UTC), -119.0, 35.4)
    assert morning_zenith > zenith and 45.0 < morning_azimuth < 135.0


PLAN = LinePlan(
    name="pw20260611t180000",
    start=datetime(2026, 6, 11, 18, tzinfo=UTC),
    heading_deg=90.0,
    centre_east_m=0.0,
    centre_north_m=0.0,
    lines=50,
    samples=20,
    pixel_size_m=5.0,
    height_m=5000.0,
    ground_speed_m_s=60.0,
)


def _steady(monkeypatch, *, roll_deg=0.0, pitch_deg=0.0, yaw_deg=0.0):
    """Make fly_line's attitude series constant (they are drawn in the order roll, pitch, yaw)."""
    attitude = iter([roll_deg, pitch_deg, yaw_deg])
    monkeypatch.setattr(simulate_geometry, "ornstein_uhlenbeck", lambda n, *_: np.full(n, next(attitude)))


def test_pushbroom_footprint_follows_heading_and_pixel_size():
    plan = PLAN
    geometry = fly_line(plan, LocalFrame(-119.0, 35.4), np.random.default_rng(0))
    along = np.hypot(*np.diff([geometry.east_m[[0, -1], 10], geometry.north_m[[0, -1], 10]], axis=1).ravel())
    assert along == pytest.approx(49 * 5.0, rel=0.01)
    # Flying east, scan lines advance east and samples run from north (left) to south (right).
    assert geometry.east_m[-1, 10] > geometry.east_m[0, 10]
    assert geometry.north_m[25, 0] > geometry.north_m[25, -1]
    assert np.all(geometry.view_zenith_deg < 1.0)
    seconds = (geometry.line_time[-1] - geometry.line_time[0]) / np.timedelta64(1, "s")
    assert seconds == pytest.approx(49 * 5.0 / 60.0)


def test_positive_roll_right_wing_down_moves_the_footprint_left(monkeypatch):
    # MISB ST 0601 tag 7: positive roll lowers the right wing, so a nadir sensor looks left.
    frame = LocalFrame(-119.0, 35.4)
    _steady(monkeypatch)
    level = fly_line(PLAN, frame, np.random.default_rng(0))
    _steady(monkeypatch, roll_deg=1.0)
    rolled = fly_line(PLAN, frame, np.random.default_rng(0))
    np.testing.assert_array_equal(rolled.track.roll_deg, 1.0)
    # Flying east, left is north: the centre of the swath moves north by height * tan(roll).
    shift_m = rolled.north_m[25, 10] - level.north_m[25, 10]
    assert shift_m == pytest.approx(5000.0 * np.tan(np.deg2rad(1.0)), rel=0.01)


def test_telemetry_heading_is_from_true_north_and_offsets_are_true_metres(monkeypatch):
    # 2 deg west of UTM zone 11's central meridian the grid is turned about 1.16 deg from true north.
    _steady(monkeypatch)
    geometry = fly_line(PLAN, LocalFrame(-119.0, 35.4), np.random.default_rng(0))
    track = geometry.track
    azimuth = GEOD.inv(track.lon_deg[0], track.lat_deg[0], track.lon_deg[-1], track.lat_deg[-1])[0]
    assert np.abs(track.heading_deg - azimuth).max() < 0.01
    assert abs(azimuth - PLAN.heading_deg) > 1.0
    # On the central meridian the grid shrinks distances by 0.9996: 49 lines still cover 245 true metres.
    _steady(monkeypatch)
    geometry = fly_line(PLAN, LocalFrame(-117.0, 35.4), np.random.default_rng(0))
    lon, lat = geometry.lon_deg, geometry.lat_deg
    along_m = GEOD.inv(lon[0, 10], lat[0, 10], lon[-1, 10], lat[-1, 10])[2]
    across_m = GEOD.inv(lon[25, 0], lat[25, 0], lon[25, -1], lat[25, -1])[2]
    assert along_m == pytest.approx(49 * 5.0, abs=0.01)
    assert across_m == pytest.approx(5000.0 * 2 * np.tan(9.5 * 5.0 / 5000.0), abs=0.01)
