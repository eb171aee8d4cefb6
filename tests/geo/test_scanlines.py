"""Scan-line times: the _obs UTC time band (dated, across midnight), a line rate, or a clear error."""

import numpy as np
import pytest

from plumewatch.errors import InputFileError
from plumewatch.geo.scanlines import scan_line_times
from plumewatch.io.envi import write_envi
from plumewatch.io.envi_header import read_header

LINES, SAMPLES = 6, 4
OBS_NAMES = ["Path length (m)", "To-sensor zenith", "UTC Time (decimal hours for mid-line pixels)"]


def _cube(tmp_path, **metadata):
    return read_header(
        write_envi(tmp_path / "x_rdn.hdr", np.ones((LINES, SAMPLES, 2), "f4"), metadata=metadata)
    )


def _obs(tmp_path, hours, names=OBS_NAMES, dtype="f8"):
    obs = np.zeros((LINES, SAMPLES, len(names)), dtype)
    if "UTC Time (decimal hours for mid-line pixels)" in names:
        obs[:, :, names.index("UTC Time (decimal hours for mid-line pixels)")] = np.asarray(hours)[:, None]
    write_envi(tmp_path / "x_obs.hdr", obs, metadata={"band names": names})


def _iso(times):
    return [str(t) for t in times]


def test_obs_utc_band_dates_each_line_and_rolls_over_midnight(tmp_path):
    # 23:59:59.5 then a line every half second: the last lines fall on the next day.
    hours = (23 * 3600 + 59 * 60 + 59.5 + 0.5 * np.arange(LINES)) / 3600.0 % 24.0
    _obs(tmp_path, hours)
    times = scan_line_times(_cube(tmp_path, **{"acquisition time": "2026-06-11T23:59:59Z"}))
    assert _iso(times.time) == [
        "2026-06-11T23:59:59.500000",
        "2026-06-12T00:00:00.000000",
        "2026-06-12T00:00:00.500000",
        "2026-06-12T00:00:01.000000",
        "2026-06-12T00:00:01.500000",
        "2026-06-12T00:00:02.000000",
    ]
    assert "x_obs.hdr" in times.source and times.lines_without_time == 0


def test_header_time_just_after_midnight_keeps_late_lines_on_the_day_before(tmp_path):
    _obs(tmp_path, np.full(LINES, 23.999))
    times = scan_line_times(_cube(tmp_path, **{"acquisition time": "2026-06-12T00:00:02Z"}))
    assert str(times.time[0]).startswith("2026-06-11T23:59:56")


def test_lines_without_a_time_are_nat_not_guessed(tmp_path):
    hours = np.array([10.0, np.nan, 10.001, 10.002, np.nan, 10.004])
    _obs(tmp_path, hours)
    times = scan_line_times(_cube(tmp_path, **{"acquisition time": "2026-06-11T10:00:00Z"}))
    assert np.isnat(times.time).tolist() == [False, True, False, False, True, False]
    assert times.lines_without_time == 2


def test_given_line_rate_wins_over_obs_and_header_rate_is_used_without_obs(tmp_path):
    _obs(tmp_path, np.full(LINES, 10.0))
    cube = _cube(tmp_path, **{"acquisition time": "2026-06-11T10:15:00Z", "line rate hz": 4})
    given = scan_line_times(cube, line_rate_hz=2.0)
    assert _iso(given.time[:3]) == [
        "2026-06-11T10:15:00.000000",
        "2026-06-11T10:15:00.500000",
        "2026-06-11T10:15:01.000000",
    ]
    for path in tmp_path.glob("x_obs.*"):
        path.unlink()
    from_header = scan_line_times(cube)
    assert str(from_header.time[1]) == "2026-06-11T10:15:00.250000"
    assert "line rate hz" in from_header.source


def test_obs_without_a_utc_band_falls_back_to_the_header_rate(tmp_path):
    _obs(tmp_path, None, names=["Path length (m)", "To-sensor zenith"])
    cube = _cube(tmp_path, **{"acquisition time": "2026-06-11T10:15:00Z", "framerate": 100})
    assert str(scan_line_times(cube).time[1]) == "2026-06-11T10:15:00.010000"


@pytest.mark.parametrize(
    ("metadata", "obs_hours", "rate", "message"),
    [
        ({"acquisition time": "2026-06-11T10:15:00Z"}, None, None, "no scan-line times"),
        ({}, None, 10.0, "needs the first line's time"),
        ({"acquisition time": "2026-06-11T10:15:00Z"}, None, -1.0, "must be a positive number"),
        ({}, np.full(LINES, 10.0), None, "which day"),
        ({"acquisition time": "2026-06-11T10:15:00Z"}, np.full(LINES, 1000.0), None, "not decimal hours"),
        (
            {"acquisition time": "2026-06-11T10:15:00Z", "fps": "fast"},
            None,
            None,
            "must be a number",
        ),
    ],
)
def test_no_usable_time_source_is_a_one_line_error(tmp_path, metadata, obs_hours, rate, message):
    if obs_hours is not None:
        _obs(tmp_path, obs_hours)
    with pytest.raises(InputFileError, match=message) as error:
        scan_line_times(_cube(tmp_path, **metadata), line_rate_hz=rate)
    assert "\n" not in str(error.value)
