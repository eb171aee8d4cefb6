"""A simulated survey reads back like real data and its truth is what went into the radiance."""

import csv
import json

import numpy as np
import pyproj
import pytest
from shapely.geometry import Point

from plumewatch.geo.footprint import distance_m, footprint_polygon
from plumewatch.io.envi import open_envi
from plumewatch.io.geotiff import read_retrieval_geotiff
from plumewatch.io.survey import read_survey
from plumewatch.io.telemetry import read_track
from plumewatch.simulate.radiance import build_radiance_model
from plumewatch.simulate.survey import simulate_survey
from plumewatch.simulate.truth import read_truth
from plumewatch.spectra import get_sensor

from .conftest import TINY

GEOD = pyproj.Geod(ellps="WGS84")


def test_survey_reads_back_with_sensor_bands_and_geometry(tiny_survey):
    survey = read_survey(tiny_survey)
    sensor = get_sensor("avirisng")
    assert survey.sensor == "avirisng"
    assert len(survey.flight_lines) == TINY["n_passes"]
    for line in survey.flight_lines:
        assert line.name.startswith("pw") and len(line.name) == len("pwYYYYMMDDtHHMMSS")
        assert line.wind_speed_m_s > 0 and line.wind_speed_sigma_m_s > 0
        scene = open_envi(line.radiance)
        assert scene.shape == (TINY["lines"], TINY["samples"], sensor.bands)
        np.testing.assert_allclose(scene.wavelength_nm, sensor.wavelength_nm, atol=1e-3)
        np.testing.assert_allclose(scene.fwhm_nm, sensor.fwhm_nm, atol=1e-3)
        assert scene.acquired == line.acquired
        assert scene.pixel_size_m == pytest.approx(5.0, rel=0.05)
        assert 0 < scene.solar_zenith_deg < 70 and scene.view_zenith_deg < 5
        radiance = scene.radiance.compute()
        assert radiance.dtype == np.float32 and np.isfinite(radiance).all()


def test_igm_map_coordinates_match_the_loc_positions(tiny_survey):
    from plumewatch.io.companions import read_igm
    from plumewatch.io.envi_header import read_header

    line = read_survey(tiny_survey).flight_lines[0]
    scene = open_envi(line.radiance)
    igm = line.radiance.with_name(line.radiance.name.replace("_rdn", "_igm"))
    lon, lat, _ = read_igm(igm, read_header(line.radiance))
    _, _, metres = pyproj.Geod(ellps="WGS84").inv(lon, lat, scene.lon_deg, scene.lat_deg)
    assert np.max(metres) < 0.01


def test_every_emitter_and_decoy_lies_in_every_footprint(tiny_survey):
    survey = read_survey(tiny_survey)
    truth = read_truth(survey.root)
    assert {s.gas for s in truth["sites"]} == {"ch4", "co2"}
    ground = [d for d in truth["decoys"] if d.material != "cloud"]
    for line in survey.flight_lines:
        scene = open_envi(line.radiance)
        footprint = footprint_polygon(scene.lon_deg, scene.lat_deg)
        for item in [*truth["sites"], *ground]:
            assert footprint.contains(Point(item.lon_deg, item.lat_deg)), item


def test_one_emitter_is_intermittent(tiny_survey):
    rates = [s.emission_kg_h for s in read_truth(tiny_survey.parent)["sites"]]
    assert any(0 < sum(q > 0 for q in r) < len(r) for r in rates)
    assert all(len(r) == TINY["n_passes"] for r in rates)


def test_plume_sources_sit_at_the_truth_positions(tiny_survey):
    truth = read_truth(tiny_survey.parent)
    for k, truth_pass in enumerate(truth["passes"]):
        scene = open_envi(tiny_survey.parent / "lines" / f"{truth_pass.name}_rdn.hdr")
        for site in truth["sites"]:
            if site.emission_kg_h[k] == 0:
                continue
            column, _, _ = read_retrieval_geotiff(tiny_survey.parent / truth_pass.enhancement_maps[site.gas])
            distance = GEOD.inv(
                scene.lon_deg,
                scene.lat_deg,
                np.full(scene.lon_deg.shape, site.lon_deg),
                np.full(scene.lon_deg.shape, site.lat_deg),
            )[2]
            # The column peaks at the source: within two pixels of the truth position it is at least half the
            # largest column within four pixels (other same-gas sources are never blown that close).
            assert column[distance < 10.0].max() >= 0.5 * column[distance < 20.0].max() > 500.0


def test_truth_maps_are_what_the_radiance_carries(tiny_survey):
    """A matched filter with the forward model's own target, fitted on plume-free pixels, finds the truth."""
    survey = read_survey(tiny_survey)
    truth = read_truth(survey.root)
    line, truth_pass = survey.flight_lines[0], truth["passes"][0]
    scene = open_envi(line.radiance)
    cube = scene.radiance.compute().astype(float).reshape(-1, scene.shape[2])
    model = build_radiance_model(
        "avirisng",
        solar_zenith_deg=scene.solar_zenith_deg,
        view_zenith_deg=scene.view_zenith_deg,
        gases=["ch4"],
        sensor_altitude_m=5000.0,
    )
    column, _, _ = read_retrieval_geotiff(survey.root / truth_pass.enhancement_maps["ch4"])
    column = column.ravel()
    depth = -np.log(model.transmittance_at("ch4", np.array([200.0]))[0]) / 200.0
    bands = (scene.wavelength_nm > 2150) & (scene.wavelength_nm < 2450)
    x = cube[:, bands]
    clean = column < 1.0
    mean, cov = x[clean].mean(axis=0), np.cov(x[clean].T)
    target = -mean * depth[bands]
    weights = np.linalg.solve(cov + 1e-6 * np.trace(cov) / len(cov) * np.eye(len(cov)), target)
    retrieved = (x - mean) @ weights / (target @ weights)
    plume = column > 300.0
    assert plume.sum() >= 10
    slope = np.polyfit(column[plume], retrieved[plume], 1)[0]
    assert slope == pytest.approx(1.0, abs=0.2)


def test_telemetry_and_wind_files_agree_with_the_manifest(tiny_survey):
    survey = read_survey(tiny_survey)
    with open(survey.root / "wind.csv") as handle:
        winds = {row["name"]: row for row in csv.DictReader(handle)}
    for line in survey.flight_lines:
        assert float(winds[line.name]["speed_m_s"]) == pytest.approx(line.wind_speed_m_s)
        assert float(winds[line.name]["from_deg"]) == pytest.approx(line.wind_from_deg)
        scene = open_envi(line.radiance)
        centre = scene.lon_deg[:, scene.shape[1] // 2], scene.lat_deg[:, scene.shape[1] // 2]
        for path in (line.telemetry, line.telemetry.with_suffix(".csv")):
            track = read_track(path)
            assert len(track) >= 2
            # The aircraft flies over the middle of its swath (within a few metres of roll jitter).
            assert distance_m(track.lon_deg[0], track.lat_deg[0], centre[0][0], centre[1][0]) < 15.0
            assert np.all(track.alt_m > 4000)
        # The KLV stream spans the whole line and carries the ground speed (tag 56, whole m/s).
        klv, log = (read_track(line.telemetry.with_suffix(s)) for s in (".klv", ".csv"))
        assert klv.time[0] == log.time[0] and klv.time[-1] == log.time[-1]
        step_m = GEOD.inv(log.lon_deg[:-1], log.lat_deg[:-1], log.lon_deg[1:], log.lat_deg[1:])[2]
        speed_m_s = np.median(step_m / np.diff(log.seconds_since_start()))
        np.testing.assert_array_equal(klv.attrs["fields"]["ground_speed_m_s"], np.round(speed_m_s))
        assert klv.attrs["image_source_sensor"] == get_sensor("avirisng").name


def test_same_seed_same_survey_other_seed_other_survey(tiny_survey, tmp_path):
    again = simulate_survey(tmp_path / "again", **TINY)
    other = simulate_survey(tmp_path / "other", **{**TINY, "seed": TINY["seed"] + 1})
    first = json.loads((tiny_survey.parent / "truth.json").read_text())
    assert json.loads((again.parent / "truth.json").read_text()) == first
    assert json.loads((other.parent / "truth.json").read_text()) != first
    name = first["passes"][0]["name"]
    a = (tiny_survey.parent / "lines" / f"{name}_rdn.img").read_bytes()
    assert (again.parent / "lines" / f"{name}_rdn.img").read_bytes() == a
