"""Sun position and pushbroom footprints."""

from datetime import UTC, datetime

import numpy as np
import pytest

from plumewatch.simulate.geometry import LinePlan, LocalFrame, fly_line, solar_angles_deg


def test_sun_at_the_june_solstice():
    # Local solar noon at 119 W is ~19:56 UTC: the sun is due south, 35.4 - 23.44 deg from the zenith.
    zenith, azimuth = solar_angles_deg(datetime(2026, 6, 21, 19, 58, tzinfo=UTC), -119.0, 35.4)
    assert zenith == pytest.approx(35.4 - 23.44, abs=0.3)
    assert azimuth == pytest.approx(180.0, abs=3.0)
    morning_zenith, morning_azimuth = solar_angles_deg(datetime(2026, 6, 21, 16, 0, tzinfo=UTC), -119.0, 35.4)
    assert morning_zenith > zenith and 45.0 < morning_azimuth < 135.0


def test_pushbroom_footprint_follows_heading_and_pixel_size():
    plan = LinePlan(
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
    geometry = fly_line(plan, LocalFrame(-119.0, 35.4), np.random.default_rng(0))
    along = np.hypot(*np.diff([geometry.east_m[[0, -1], 10], geometry.north_m[[0, -1], 10]], axis=1).ravel())
    assert along == pytest.approx(49 * 5.0, rel=0.01)
    # Flying east, scan lines advance east and samples run from north (left) to south (right).
    assert geometry.east_m[-1, 10] > geometry.east_m[0, 10]
    assert geometry.north_m[25, 0] > geometry.north_m[25, -1]
    assert np.all(geometry.view_zenith_deg < 1.0)
    seconds = (geometry.line_time[-1] - geometry.line_time[0]) / np.timedelta64(1, "s")
    assert seconds == pytest.approx(49 * 5.0 / 60.0)
