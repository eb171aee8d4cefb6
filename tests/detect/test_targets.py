"""Target physics: radiance-weighted absorption and the forward model's band radiance ratio."""

import numpy as np
import pytest

from plumewatch.detect import plan
from plumewatch.detect.run import detect_scene
from plumewatch.detect.targets import EXACT_GRID_PPMM, radiance_ratio_table
from plumewatch.spectra import get_sensor, transmittance, unit_absorption
from plumewatch.spectra.forward import radiance_unit_absorption

GEOMETRY = {"solar_zenith_deg": 35.0, "view_zenith_deg": 5.0}
AMF = 1 / np.cos(np.deg2rad(35.0)) + 1 / np.cos(np.deg2rad(5.0))


def _bands(lo, hi):
    sensor = get_sensor("avirisng")
    keep = (sensor.wavelength_nm >= lo) & (sensor.wavelength_nm <= hi)
    return sensor.wavelength_nm[keep], sensor.fwhm_nm[keep]


@pytest.mark.parametrize(("gas", "lo", "hi"), [("ch4", 2122.0, 2488.0), ("co2", 1985.0, 2015.0)])
def test_ratio_table_starts_with_the_radiance_weighted_slope(gas, lo, hi):
    wl, fwhm = _bands(lo, hi)
    table = radiance_ratio_table(gas, wl, fwhm, **GEOMETRY)
    assert table.shape == (len(EXACT_GRID_PPMM), len(wl))
    assert np.all(table <= 0) and np.all(np.diff(table, axis=0) <= 1e-12)  # darker with every ppm·m
    slope = -table[1] / EXACT_GRID_PPMM[1]  # 100 ppm·m: still linear
    expected = radiance_unit_absorption(gas, wl, fwhm, **GEOMETRY) * AMF
    strong = expected > 0.2 * expected.max()
    np.testing.assert_allclose(slope[strong], expected[strong], rtol=0.03)


def test_radiance_weighting_lowers_the_target_where_the_background_absorbs():
    wl, fwhm = _bands(2122.0, 2488.0)
    flat = unit_absorption("ch4", wl, fwhm)
    weighted = radiance_unit_absorption("ch4", wl, fwhm, **GEOMETRY)
    band_2370 = np.argmin(np.abs(wl - 2370.0))
    assert 0.4 < weighted[band_2370] / flat[band_2370] < 0.8
    wl, fwhm = _bands(1985.0, 2015.0)
    strongest = np.nanargmax(unit_absorption("co2", wl, fwhm))
    co2_ratio = radiance_unit_absorption("co2", wl, fwhm, **GEOMETRY) / unit_absorption("co2", wl, fwhm)
    assert co2_ratio[strongest] < 0.4  # the saturated 2.0 um band: most light there is already gone


def test_co2_window_keeps_background_bands_with_no_target(scene_factory):
    scene, _ = scene_factory(lines=20)
    bands, k, window = plan.select_bands(scene, "co2")
    wl = scene.wavelength_nm[bands]
    assert window == (1955.0, 2100.0) and wl.min() < 1980 and wl.max() > 2050
    assert 3 <= (k > 0).sum() < len(bands)  # the library's lines cover 1980-2020 nm only
    model = plan.gas_model(scene, "co2", bands, k, window, np.arange(len(bands)), exact=True)
    target = model.unit_absorption_per_ppmm
    assert (target > 0).sum() >= (k > 0).sum()  # bands the lines reach in part absorb too
    assert (target == 0).sum() >= 10 and np.all(model.exact_log_ratio[:, target == 0] == 0)
    np.testing.assert_allclose(-model.exact_log_ratio[1] / 100.0, target * model.air_mass_factor)


def test_flat_band_mean_target_is_measurably_biased(scene_factory, monkeypatch):
    scene, truth = scene_factory(plumes=((60, 6, 3000.0), (140, 6, 10000.0)))
    core = truth > 2500

    def ratio():
        enhancement = detect_scene(scene, ["ch4"])["ch4"].enhancement_ppmm
        return float(np.nanmedian(enhancement[core] / truth[core]))

    physical = ratio()
    assert physical == pytest.approx(1.0, abs=0.1)

    import plumewatch.spectra.forward as forward

    def flat_ratio_table(gas, wavelength_nm, fwhm_nm, *, solar_zenith_deg, view_zenith_deg):
        path = EXACT_GRID_PPMM * AMF_OF_SCENE
        return np.log(np.nan_to_num(transmittance(gas, path, wavelength_nm, fwhm_nm), nan=1.0))

    AMF_OF_SCENE = scene.air_mass_factor()
    monkeypatch.setattr(
        forward, "radiance_unit_absorption", lambda gas, wl, fwhm, **_: unit_absorption(gas, wl, fwhm)
    )
    monkeypatch.setattr(plan, "radiance_ratio_table", flat_ratio_table)
    flat = ratio()
    assert flat < 0.85 * physical  # the flat target over-states absorption: columns come out low
