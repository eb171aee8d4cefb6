"""Georeferencing from the simulator's telemetry lands on the simulator's own per-pixel truth (_loc)."""

from dataclasses import replace
from datetime import timedelta

import numpy as np
import pyproj
import pytest

from plumewatch.geo.footprint import utm_crs_for
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


@pytest.mark.xfail(
    strict=True,
    reason="simulate/geometry.py moves the footprint right for positive roll (ST 0601: right wing "
    "down points a nadir sensor left) and flies headings from UTM grid north (telemetry heading is "
    "true north); measured median 1.7-3.5 m vs the 2.5 m half-pixel limit. Remove this marker once "
    "the simulator follows ST 0601 conventions.",
)
@pytest.mark.parametrize("suffix", ["klv", "csv"])
def test_telemetry_projection_matches_simulated_loc_within_half_a_pixel(survey, suffix):
    for line in survey.flight_lines:
        scene = open_envi(line.radiance)
        track = read_track(line.telemetry.with_suffix(f".{suffix}"))
        klv = read_track(line.telemetry.with_suffix(".klv"))
        fov_deg = float(np.median(klv.attrs["fields"]["sensor_hfov_deg"]))
        lines, samples, _ = scene.shape
        line_period = (track.time[-1] - track.time[0]) / (len(track) - 1)
        start = np.datetime64(scene.acquired.replace(tzinfo=None) + timedelta(0), "us")
        line_times = start + np.arange(lines) * line_period
        terrain_m = float(np.median(klv.attrs["fields"]["frame_center_elev_m"]))
        lon, lat, _, info = georeference_from_track(
            track, line_times, PushbroomGeometry(samples, fov_deg), terrain_m
        )
        assert info["lines_without_position"] == 0
        error = GEOD.inv(lon, lat, scene.lon_deg, scene.lat_deg)[2]
        assert np.median(error) < 0.5 * scene.pixel_size_m, (line.name, suffix, np.median(error))


def test_with_the_simulators_conventions_undone_the_geometries_agree_to_centimetres(survey):
    # Undo the two mismatches named in the xfail above: negate roll, turn grid headings to true north.
    # This shows they are the whole difference (what is left is the KLV field of view's 16-bit quantisation);
    # drop it together with the xfail once the simulator is fixed.
    for line in survey.flight_lines:
        scene = open_envi(line.radiance)
        track = read_track(line.telemetry.with_suffix(".csv"))
        utm = utm_crs_for(float(np.median(scene.lon_deg)), float(np.median(scene.lat_deg)))
        convergence = np.asarray(
            pyproj.Proj(utm).get_factors(track.lon_deg, track.lat_deg).meridian_convergence
        )
        track = replace(
            track, roll_deg=-track.roll_deg, heading_deg=(track.heading_deg + convergence) % 360.0
        )
        klv = read_track(line.telemetry.with_suffix(".klv"))
        geometry = PushbroomGeometry(scene.shape[1], float(np.median(klv.attrs["fields"]["sensor_hfov_deg"])))
        terrain_m = float(np.median(klv.attrs["fields"]["frame_center_elev_m"]))
        lon, lat, _ = project_pushbroom(track, geometry, terrain_m)
        error = GEOD.inv(lon, lat, scene.lon_deg, scene.lat_deg)[2]
        assert np.median(error) < 0.05 and error.max() < 0.1, (line.name, np.median(error), error.max())
