"""Sensor band tables, geometry and noise models against hand calculations."""

import numpy as np
import pytest

from plumewatch.errors import UnknownSensorError
from plumewatch.spectra import get_sensor
from plumewatch.spectra.planck import brightness_temperature, planck_radiance


def test_avirisng_band_table():
    s = get_sensor("avirisng")
    assert (s.name, s.regime, s.bands) == ("avirisng", "swir", 425)
    assert s.wavelength_nm[0] == pytest.approx(376.86) and s.wavelength_nm[-1] == pytest.approx(2500.54)
    assert np.all(np.diff(s.wavelength_nm) > 0)
    assert s.radiance_units == "uW nm-1 cm-2 sr-1"
    assert s.good_bands.all()


def test_avirisng_noise_matches_the_isofit_formula_by_hand():
    s = get_sensor("avirisng")
    band = 384  # 2300.19 nm, between the 2300 and 2305 nm rows of avirisng_noise.txt
    f = (s.wavelength_nm[band] - 2300.0) / 5.0
    a = 0.002785276461 + f * (0.002784554061 - 0.002785276461)
    b = 0.099452818539 + f * (0.097172659475 - 0.099452818539)
    radiance = np.full(s.bands, 0.5)
    assert s.noise_sigma(radiance)[band] == pytest.approx(a * np.sqrt(b + 0.5), rel=1e-9)
    assert s.noise_sigma(radiance)[band] == pytest.approx(0.0021563, rel=1e-4)


def test_noise_keeps_the_radiance_shape_and_grows_with_signal():
    s = get_sensor("avirisng")
    radiance = np.linspace(0.1, 5.0, 3 * 4 * s.bands).reshape(3, 4, s.bands)
    sigma = s.noise_sigma(radiance)
    assert sigma.shape == radiance.shape and np.all(sigma > 0)
    assert np.all(s.noise_sigma(2 * radiance) > sigma)


def test_emit_bands_are_ascending_and_unused_rows_are_not_good():
    s = get_sensor("emit")
    assert s.bands == 328 and np.all(np.diff(s.wavelength_nm) > 0)
    assert s.good_bands.sum() == 288
    np.testing.assert_array_equal(s.good_bands, s.fwhm_nm > 0)
    band = int(np.argmin(np.abs(s.wavelength_nm - 2300.7)))
    # the emit_noise.txt row at 2300.74 nm: a = 0.00173793, b = 0.26829964, c = 0
    assert s.noise_sigma(np.full(s.bands, 1.0))[band] == pytest.approx(
        0.00173793 * np.sqrt(1.26829964), rel=2e-3
    )


def test_hytes_noise_is_its_nedt_at_300_k():
    s = get_sensor("hytes")
    assert (s.regime, s.bands, s.radiance_units) == ("lwir", 256, "W m-2 sr-1 um-1")
    scene = planck_radiance(s.wavelength_nm, 300.0)
    sigma = s.noise_sigma(scene)
    nedt = brightness_temperature(s.wavelength_nm, scene + sigma) - 300.0
    np.testing.assert_allclose(nedt, 0.2, rtol=0.02)


@pytest.mark.parametrize("name", ["avirisng", "emit", "hytes"])
def test_geometry_fields_agree(name):
    s = get_sensor(name)
    assert s.samples > 0 and 0 < s.fov_deg < 90
    # the IFOV is the field of view shared among the cross-track pixels
    assert np.deg2rad(s.fov_deg) / s.samples * 1e3 == pytest.approx(s.ifov_mrad, rel=0.05)


def test_sensor_arrays_are_read_only_and_names_case_insensitive():
    s = get_sensor("AVIRIS-NG")
    assert s is get_sensor("avirisng")
    with pytest.raises(ValueError):
        s.wavelength_nm[0] = 0.0


def test_unknown_sensor_raises_a_user_error():
    with pytest.raises(UnknownSensorError, match="landsat"):
        get_sensor("landsat")
