"""HyTES (thermal) and EMIT (spaceborne) surveys: same layout, their own physics and geometry."""

import numpy as np
import pyproj
import pytest
from scipy import ndimage

from plumewatch.io.envi import open_envi
from plumewatch.io.geotiff import read_retrieval_geotiff
from plumewatch.io.survey import read_survey
from plumewatch.io.telemetry import read_track
from plumewatch.simulate.survey import simulate_survey
from plumewatch.simulate.truth import read_truth
from plumewatch.spectra import library_gases, planck_radiance, transmittance, unit_absorption

GEOD = pyproj.Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def hytes_survey(tmp_path_factory):
    return simulate_survey(
        tmp_path_factory.mktemp("hytes") / "s", seed=4, sensor="hytes", n_passes=2, lines=100, samples=80
    )


def test_thermal_survey_has_lwir_gases_and_units(hytes_survey):
    survey = read_survey(hytes_survey)
    truth = read_truth(survey.root)
    assert survey.sensor == "hytes"
    assert {s.gas for s in truth["sites"]} <= set(library_gases("lwir"))
    scene = open_envi(survey.flight_lines[0].radiance)
    assert scene.shape[2] == 256 and scene.radiance_units == "W m-2 sr-1 um-1"
    assert scene.pixel_size_m == pytest.approx(2.0, rel=0.05)
    radiance = scene.radiance.compute()
    assert np.isfinite(radiance).all() and 5.0 < np.median(radiance) < 15.0


def test_thermal_plumes_absorb_over_warm_ground(hytes_survey):
    survey = read_survey(hytes_survey)
    truth = read_truth(survey.root)
    checked = 0
    for k, (line, truth_pass) in enumerate(zip(survey.flight_lines, truth["passes"], strict=True)):
        scene = open_envi(line.radiance)
        cube = scene.radiance.compute()
        # Only the texture's soil and plants: away from the decoys and the hot pads under the sources.
        shape = scene.lon_deg.shape
        placed = [(d.lon_deg, d.lat_deg, d.radius_m) for d in truth["decoys"]]
        placed += [(s.lon_deg, s.lat_deg, 12.0) for s in truth["sites"]]
        open_ground = np.ones(shape, bool)
        for lon, lat, radius in placed:
            distance = GEOD.inv(scene.lon_deg, scene.lat_deg, np.full(shape, lon), np.full(shape, lat))[2]
            open_ground &= distance > radius + 6.0
        for site in truth["sites"]:
            if site.emission_kg_h[k] == 0:
                continue
            column, _, _ = read_retrieval_geotiff(survey.root / truth_pass.enhancement_maps[site.gas])
            depth = np.nan_to_num(unit_absorption(site.gas, scene.wavelength_nm, scene.fwhm_nm))
            peak, reference = np.argmax(depth), np.argmin(depth + (scene.wavelength_nm < 8500) * 1e9)
            ratio = cube[..., peak] / cube[..., reference]
            # Plume: optical depth >= 0.05 in the gas's strongest band (SF6 needs 70 times less than NH3);
            # clean ground within 8 pixels of it, as warm on average (the ground's warming varies slowly).
            plume = open_ground & (column * depth[peak] >= 0.05)
            clean = open_ground & (column * depth[peak] < 1e-3) & ndimage.binary_dilation(plume, iterations=8)
            assert plume.sum() >= 5
            # Three layers: the plume at the air temperature takes (1 - t) of the contrast between the
            # ground's radiance and B(T_air) in the gas's band (the reference band has no absorption).
            path = column[plume] / np.cos(np.deg2rad(scene.view_zenith_deg))
            band = [peak]
            absorbed = 1.0 - transmittance(site.gas, path, scene.wavelength_nm[band], scene.fwhm_nm[band])
            air = planck_radiance(scene.wavelength_nm[peak], truth_pass.air_temperature_k)
            predicted = float(absorbed.mean() * (1.0 - air / cube[..., peak][clean].mean()))
            darkening = 1.0 - ratio[plume].mean() / ratio[clean].mean()
            noise = ratio[clean].std() / ratio[clean].mean() / np.sqrt(plume.sum())
            if predicted < 4 * noise:
                continue  # a faint plume over ground close to the air temperature: below the ratio's scatter
            checked += 1
            # The plume at air temperature over warmer ground darkens the gas's band, by about as much as
            # the three-layer model says (the ground under the plume is not exactly its neighbours').
            assert darkening > 3 * noise
            assert 0.4 < darkening / predicted < 2.5
    assert checked >= 4


def test_emit_survey_is_spaceborne(tmp_path):
    survey = read_survey(
        simulate_survey(tmp_path / "s", seed=4, sensor="emit", n_passes=2, lines=30, samples=26)
    )
    line = survey.flight_lines[0]
    scene = open_envi(line.radiance)
    assert scene.pixel_size_m == pytest.approx(60.0, rel=0.05)
    assert not np.isnan(scene.radiance.compute()).any()
    assert line.telemetry.suffix == ".csv"
    assert read_track(line.telemetry).alt_m.min() > 300_000
