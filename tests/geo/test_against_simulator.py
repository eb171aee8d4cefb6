"""Georeferencing from the simulator's telemetry lands on the simulator's own per-pixel truth (_loc)."""

import numpy as np
import pyproj
import pytest

from plumewatch.geo.pushbroom import PushbroomGeometry, georeference_from_track, project_pushbroom
from plumewatch.io.envi import open_envi
from plumewatch.io.survey import read_survey
from plumewatch.io.telemetry import read_track

pytestmark = pytest.mark.slow
GEOD = pyproj.Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def survey(tmp_path_factory):
    from plumewatch.simulate.survey import simulate_survey

    return read_survey(
        simulate_survey(tmp_path_factory.mktemp("sim"), seed=3, n_passes=2, lines=60, samples=40)
    )


def _klv_sensor(line) -> tuple[float, float]:
    """Sensor field of view (deg) and ground height (m) as the line's ST 0601 KLV reports them."""
    fields = read_track(line.telemetry.with_suffix(".klv")).attrs["fields"]
    return float(np.median(fields["sensor_hfov_deg"])), float(np.median(fields["frame_center_elev_m"]))


def _sample0_side_deg(lon: np.ndarray, lat: np.ndarray) -> float:
    """Azimuth from the middle line's last sample to its first, minus the flight azimuth (deg, -180..180)."""
    middle = lon.shape[0] // 2
    flight = GEOD.inv(lon[0, middle], lat[0, middle], lon[-1, middle], lat[-1, middle])[0]
    across = GEOD.inv(lon[middle, -1], lat[middle, -1], lon[middle, 0], lat[middle, 0])[0]
    return (across - flight + 180.0) % 360.0 - 180.0


@pytest.mark.parametrize("suffix", ["klv", "csv"])
def test_telemetry_projection_matches_simulated_loc_within_half_a_pixel(survey, suffix):
    for line in survey.flight_lines:
        scene = open_envi(line.radiance)
        track = read_track(line.telemetry.with_suffix(f".{suffix}"))
        # The CSV log has one fix per scan line: its times are the scan-line times.
        line_times = read_track(line.telemetry.with_suffix(".csv")).time
        fov_deg, terrain_m = _klv_sensor(line)
        lon, lat, _, info = georeference_from_track(
            track, line_times, PushbroomGeometry(scene.shape[1], fov_deg), terrain_m
        )
        assert info["lines_without_position"] == 0 and np.isfinite(lon).all()
        error = GEOD.inv(lon, lat, scene.lon_deg, scene.lat_deg)[2]
        assert np.median(error) < 0.5 * scene.pixel_size_m, (line.name, suffix, np.median(error))
        # ST 0601 / pushbroom convention: sample 0 lies left of the flight direction, in both grids.
        for grid in ((lon, lat), (scene.lon_deg, scene.lat_deg)):
            assert _sample0_side_deg(*grid) == pytest.approx(-90.0, abs=5.0), (line.name, suffix)


def test_simulator_conventions_match_st0601_to_centimetres(survey):
    # Positive roll = right wing down (footprint moves left), heading from true north: with the
    # simulator's exact telemetry (CSV) every pixel lands within centimetres of its _loc; what is left
    # is the KLV field of view's 16-bit quantisation. A sign or north-reference slip shows as metres.
    for line in survey.flight_lines:
        scene = open_envi(line.radiance)
        track = read_track(line.telemetry.with_suffix(".csv"))
        fov_deg, terrain_m = _klv_sensor(line)
        lon, lat, _ = project_pushbroom(track, PushbroomGeometry(scene.shape[1], fov_deg), terrain_m)
        error = GEOD.inv(lon, lat, scene.lon_deg, scene.lat_deg)[2]
        assert np.median(error) < 0.05 and error.max() < 0.1, (line.name, np.median(error), error.max())
