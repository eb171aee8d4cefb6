"""The thermal (HyTES) simulator's stated assumptions: air temperature reported, contrast that varies."""

import numpy as np
import pyproj
import pytest

from plumewatch.io.envi import open_envi
from plumewatch.io.survey import read_survey
from plumewatch.simulate.survey import simulate_survey
from plumewatch.simulate.thermal import STATION_ERROR_K, dryness, pass_weather
from plumewatch.simulate.truth import read_truth

GEOD = pyproj.Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def survey(tmp_path_factory):
    path = simulate_survey(
        tmp_path_factory.mktemp("thermal") / "s", seed=9, sensor="hytes", n_passes=2, lines=48, samples=48
    )
    return read_survey(path)


def test_header_reports_the_air_temperature_a_station_would(survey):
    truth = read_truth(survey.root)
    for line, truth_pass in zip(survey.flight_lines, truth["passes"], strict=True):
        scene = open_envi(line.radiance)
        assert 295.0 <= truth_pass.air_temperature_k <= 308.0
        assert scene.attrs["air_temperature_k"] != truth_pass.air_temperature_k
        assert abs(scene.attrs["air_temperature_k"] - truth_pass.air_temperature_k) < 5 * STATION_ERROR_K


def test_four_thermal_emitters_at_separate_places(survey):
    sites = read_truth(survey.root)["sites"]
    assert {s.gas for s in sites} == {"acetone", "dichloromethane", "nh3", "sf6"}
    for i, a in enumerate(sites):
        for b in sites[i + 1 :]:
            assert GEOD.inv(a.lon_deg, a.lat_deg, b.lon_deg, b.lat_deg)[2] > 10.0


def test_dryness_varies_from_wet_to_dry_with_mean_one():
    weather = pass_weather(np.random.default_rng(3))
    east, north = np.meshgrid(np.arange(-2000.0, 2000.0, 10.0), np.arange(-2000.0, 2000.0, 10.0))
    field = dryness(weather, east, north)
    assert field.min() >= 0.0 and field.mean() == pytest.approx(1.0, abs=0.05)
    assert 0.25 < field.std() < 0.45  # 35 % spread, plane waves of 60-400 m
    assert (field < 0.3).mean() > 0.001  # somewhere the ground is wet, nearly at the air temperature
    # the field belongs to the ground: the same point gives the same value however it is sampled
    assert dryness(weather, east[:5, :5], north[:5, :5]) == pytest.approx(field[:5, :5])
