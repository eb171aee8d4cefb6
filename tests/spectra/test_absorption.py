"""Unit absorption and exact transmittance of the SWIR gases on real sensor band tables."""

import numpy as np
import pytest

from plumewatch.errors import UnknownGasError
from plumewatch.spectra import get_sensor, library_gases, transmittance, unit_absorption


@pytest.fixture(scope="module")
def avirisng():
    return get_sensor("avirisng")


@pytest.mark.parametrize("sensor_name", ["avirisng", "emit"])
@pytest.mark.parametrize("gas", ["ch4", "co2", "h2o"])
def test_swir_gases_absorb_where_their_bands_are(sensor_name, gas):
    sensor = get_sensor(sensor_name)
    k = unit_absorption(gas, sensor.wavelength_nm, sensor.fwhm_nm)
    assert k.shape == sensor.wavelength_nm.shape
    finite = np.isfinite(k)
    assert finite.sum() >= 2
    assert np.all(k[finite] >= 0)
    # nothing in the library reaches the visible: those bands are outside coverage
    assert not finite[sensor.wavelength_nm < 1000].any()
    peak_nm = sensor.wavelength_nm[np.nanargmax(k)]
    expected = {"ch4": (2290, 2400), "co2": (1990, 2015), "h2o": (1850, 1960)}[gas]
    assert expected[0] <= peak_nm <= expected[1]


def test_ch4_band_covers_the_retrieval_window(avirisng):
    k = unit_absorption("ch4", avirisng.wavelength_nm, avirisng.fwhm_nm)
    window = (avirisng.wavelength_nm >= 2100) & (avirisng.wavelength_nm <= 2450)
    assert np.isfinite(k[window]).all()
    # the 2.3 um band is two orders of magnitude stronger than the 2.1 um continuum
    assert np.nanmax(k[window]) > 100 * np.nanmin(k[window])


@pytest.mark.parametrize("gas", ["ch4", "co2", "h2o"])
def test_small_path_transmittance_is_linear_in_unit_absorption(avirisng, gas):
    path_ppmm = 10.0
    k = unit_absorption(gas, avirisng.wavelength_nm, avirisng.fwhm_nm)
    t = transmittance(gas, path_ppmm, avirisng.wavelength_nm, avirisng.fwhm_nm)
    finite = np.isfinite(k)
    np.testing.assert_array_equal(np.isfinite(t), finite)
    # 1 - T = k p - O((k p)^2): the second-order term is tiny at 10 ppm·m
    np.testing.assert_allclose(1.0 - t[finite], path_ppmm * k[finite], rtol=2e-3, atol=1e-12)


def test_large_columns_saturate_below_beer_lambert_of_the_band_mean(avirisng):
    k = unit_absorption("ch4", avirisng.wavelength_nm, avirisng.fwhm_nm)
    paths = np.array([0.0, 1e3, 1e4, 1e5])
    t = transmittance("ch4", paths, avirisng.wavelength_nm, avirisng.fwhm_nm)
    strongest = np.nanargmax(k)
    assert t[0, strongest] == pytest.approx(1.0)
    assert np.all(np.diff(t[:, strongest]) < 0)
    # lines inside a band saturate, so the band transmits more than exp(-k_band * path)
    assert t[-1, strongest] > 1.5 * np.exp(-k[strongest] * paths[-1])
    assert t[-1, strongest] > 0.0


def test_transmittance_keeps_the_shape_of_the_path_array(avirisng):
    paths = np.linspace(0, 5000, 12).reshape(3, 4)
    t = transmittance("ch4", paths, avirisng.wavelength_nm, avirisng.fwhm_nm)
    assert t.shape == (3, 4, avirisng.bands)
    single = transmittance("ch4", paths[1, 2], avirisng.wavelength_nm, avirisng.fwhm_nm)
    np.testing.assert_allclose(t[1, 2], single)


def test_unknown_gas_raises_a_user_error(avirisng):
    with pytest.raises(UnknownGasError, match="unobtainium"):
        unit_absorption("unobtainium", avirisng.wavelength_nm, avirisng.fwhm_nm)
    with pytest.raises(KeyError):
        transmittance("unobtainium", 1.0, avirisng.wavelength_nm, avirisng.fwhm_nm)


def test_gas_names_are_case_insensitive(avirisng):
    np.testing.assert_array_equal(
        unit_absorption("CH4", avirisng.wavelength_nm, avirisng.fwhm_nm),
        unit_absorption("ch4", avirisng.wavelength_nm, avirisng.fwhm_nm),
    )


def test_library_lists_gases_by_regime():
    swir, lwir = library_gases("swir"), library_gases("lwir")
    assert {"ch4", "co2", "h2o"} <= set(swir)
    assert {"acetone", "dichloromethane"} <= set(lwir)
    assert sorted(swir + lwir) == library_gases()
    with pytest.raises(ValueError):
        library_gases("uv")


def test_public_names_are_exported():
    import plumewatch.spectra as spectra
    import plumewatch.spectra.forward as forward

    for module in (spectra, forward):
        for name in module.__all__:
            assert getattr(module, name) is not None
    assert {"unit_absorption", "transmittance", "library_gases", "get_sensor"} <= set(spectra.__all__)
