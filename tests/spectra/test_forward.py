"""SWIR and LWIR forward models: linearity, air-mass factor, saturation, thermal contrast."""

import numpy as np
import pytest

from plumewatch.errors import UnknownGasError
from plumewatch.spectra import get_sensor, unit_absorption
from plumewatch.spectra.forward import lwir_radiance, planck_radiance, radiance_unit_absorption, swir_radiance


@pytest.fixture(scope="module")
def ang():
    return get_sensor("avirisng")


def _swir(sensor, reflectance, columns, sza=30.0, vza=0.0, **kwargs):
    return swir_radiance(
        reflectance,
        sensor.wavelength_nm,
        sensor.fwhm_nm,
        solar_zenith_deg=sza,
        view_zenith_deg=vza,
        columns_ppmm=columns,
        **kwargs,
    )


def test_swir_radiance_is_proportional_to_reflectance(ang):
    rho = np.stack([np.full(ang.bands, 0.1), np.full(ang.bands, 0.4)])
    radiance = _swir(ang, rho, {})
    assert radiance.shape == (2, ang.bands)
    np.testing.assert_allclose(radiance[1], 4 * radiance[0])
    assert np.all(radiance[0] > 0)


def test_plume_dims_only_where_the_gas_absorbs(ang):
    rho = np.full((2, ang.bands), 0.3)
    radiance = _swir(ang, rho, {"ch4": np.array([0.0, 1000.0])})
    ratio = radiance[1] / radiance[0]
    k = unit_absorption("ch4", ang.wavelength_nm, ang.fwhm_nm)
    # mag1c's table starts at 1399.6 nm: bands whose response ends before it see no CH4
    assert np.isnan(k[ang.wavelength_nm < 1405]).all()
    np.testing.assert_array_equal(ratio[ang.wavelength_nm < 1380], 1.0)
    window = (ang.wavelength_nm > 2200) & (ang.wavelength_nm < 2400)
    assert np.all(ratio[window] < 1.0)
    assert ang.wavelength_nm[np.argmin(ratio)] == pytest.approx(2370, abs=25)


def test_weak_plume_absorption_scales_with_the_air_mass_factor(ang):
    rho = np.full((2, ang.bands), 0.3)
    band = int(np.argmin(np.abs(ang.wavelength_nm - 2300)))
    depth = {}
    for sza in (0.0, 60.0):
        for background in (None, {}):
            radiance = _swir(ang, rho, {"ch4": np.array([0.0, 10.0])}, sza=sza, background_ppmm=background)
            depth[sza, background is None] = -np.log(radiance[1, band] / radiance[0, band])
    # AMF = 1/cos(sza) + 1/cos(vza): 2 overhead, 3 at 60 degrees
    assert depth[60.0, False] / depth[0.0, False] == pytest.approx(1.5, rel=1e-3)
    # a longer path through background water darkens the fine-grid points where CH4 lines sit
    # under water lines, so the band sees a little less than the AMF ratio
    assert 1.3 < depth[60.0, True] / depth[0.0, True] < 1.5


def test_strong_plumes_saturate(ang):
    rho = np.full((3, ang.bands), 0.3)
    radiance = _swir(ang, rho, {"ch4": np.array([0.0, 1e3, 1e5])})
    band = int(np.argmin(np.abs(ang.wavelength_nm - 2370)))
    small, large = -np.log(radiance[1:, band] / radiance[0, band])
    assert 0 < large < 100 * small * 0.8


def test_gases_add_in_optical_depth_and_wrong_regime_is_refused(ang):
    rho = np.full((1, ang.bands), 0.3)
    with pytest.raises(UnknownGasError):
        _swir(ang, rho, {"acetone": np.array([100.0])})
    both = _swir(ang, rho, {"ch4": np.array([500.0]), "co2": np.array([20000.0])})
    ch4 = _swir(ang, rho, {"ch4": np.array([500.0])})
    co2_band = int(np.argmin(np.abs(ang.wavelength_nm - 2005)))
    assert both[0, co2_band] < ch4[0, co2_band]


@pytest.fixture(scope="module")
def hytes():
    return get_sensor("hytes")


def _lwir(sensor, plume_k, surface_k=300.0, emissivity=0.97, column=200.0):
    return lwir_radiance(
        surface_k,
        emissivity,
        sensor.wavelength_nm,
        sensor.fwhm_nm,
        plume_temperature_k=plume_k,
        columns_ppmm={"sf6": np.asarray(column)},
    )


def test_lwir_signal_sign_follows_thermal_contrast(hytes):
    band = int(np.argmin(np.abs(hytes.wavelength_nm - 10560)))
    empty = _lwir(hytes, 300.0, column=0.0)
    warm, cool = _lwir(hytes, 305.0), _lwir(hytes, 290.0)
    assert warm[band] > empty[band]  # warmer plume: emission
    assert cool[band] < empty[band]  # cooler plume: absorption
    quiet = int(np.argmin(np.abs(hytes.wavelength_nm - 8300)))
    # away from the 10.6 um band SF6 leaves only the measurement's baseline
    assert abs(warm[quiet] - empty[quiet]) < 2e-3 * (warm[band] - empty[band])


def test_lwir_blackbody_in_equilibrium_shows_no_plume(hytes):
    radiance = lwir_radiance(
        295.0,
        1.0,
        hytes.wavelength_nm,
        hytes.fwhm_nm,
        plume_temperature_k=295.0,
        columns_ppmm={"sf6": np.array(500.0)},
    )
    np.testing.assert_allclose(radiance, planck_radiance(hytes.wavelength_nm, 295.0), rtol=1e-12)


def test_lwir_pixels_broadcast(hytes):
    surface = np.array([[295.0, 300.0], [305.0, 310.0]])
    radiance = lwir_radiance(
        surface,
        0.95,
        hytes.wavelength_nm,
        hytes.fwhm_nm,
        plume_temperature_k=300.0,
        columns_ppmm={"acetone": np.full((2, 2), 1000.0)},
    )
    assert radiance.shape == (2, 2, hytes.bands)


def test_planck_units_convert():
    w = np.array([2200.0, 10000.0])
    np.testing.assert_allclose(
        planck_radiance(w, 1000.0, units="uW nm-1 cm-2 sr-1"), 0.1 * planck_radiance(w, 1000.0)
    )
    assert planck_radiance(10000.0, 300.0) == pytest.approx(9.924, rel=1e-3)


def test_radiance_weighted_unit_absorption_is_the_forward_model_derivative(ang):
    kwargs = {"solar_zenith_deg": 40.0, "view_zenith_deg": 10.0}
    k = radiance_unit_absorption("ch4", ang.wavelength_nm, ang.fwhm_nm, **kwargs)
    np.testing.assert_array_equal(
        np.isfinite(k), np.isfinite(unit_absorption("ch4", ang.wavelength_nm, ang.fwhm_nm))
    )
    column = 0.01
    radiance = swir_radiance(
        np.ones((2, ang.bands)),
        ang.wavelength_nm,
        ang.fwhm_nm,
        columns_ppmm={"ch4": np.array([0.0, column])},
        **kwargs,
    )
    air_mass = 1 / np.cos(np.deg2rad(40.0)) + 1 / np.cos(np.deg2rad(10.0))
    finite_difference = -np.log(radiance[1] / radiance[0]) / (column * air_mass)
    finite = np.isfinite(k)
    np.testing.assert_allclose(finite_difference[finite], k[finite], atol=1e-4 * np.nanmax(k))
    # background CH4 and water lines leave less light where CH4 absorbs most: the strongest band
    # is less sensitive than its flat-weighted optical depth says
    flat = unit_absorption("ch4", ang.wavelength_nm, ang.fwhm_nm)
    strongest = np.nanargmax(flat)
    assert k[strongest] < 0.8 * flat[strongest]


def test_simulated_radiance_matches_a_real_avirisng_pixel_in_the_ch4_window(ang):
    from scipy.interpolate import make_smoothing_spline

    from plumewatch.spectra.atmosphere import background_columns_ppmm
    from plumewatch.spectra.reference import DATA_DIR

    real = np.loadtxt(DATA_DIR / "pasadena_rdn" / "ang20171108t184829_rdn_v2p11_brightlot.txt")[:, 1]
    white = _swir(ang, np.ones((1, ang.bands)), {}, sza=52.2, background_ppmm=background_columns_ppmm(1.75))[
        0
    ]
    apparent = real / white
    # a smooth reflectance through the bands the model sees as clear (not the 2.06 um CO2 band,
    # which it lacks) must give back the real radiance inside the CH4 retrieval window
    clear = (ang.wavelength_nm > 2085) & (ang.wavelength_nm < 2330)
    spline = make_smoothing_spline(ang.wavelength_nm[clear], apparent[clear], lam=3e3)
    window = (ang.wavelength_nm > 2100) & (ang.wavelength_nm < 2330)
    relative = spline(ang.wavelength_nm[window]) * white[window] / real[window] - 1
    # (0.9 % with the background atmosphere; 2.5 % without its CH4 and CO2, 3.7 % with no gases)
    assert np.sqrt(np.mean(relative**2)) < 0.015
    # reflectance in a plausible range only if the file is in uW nm-1 cm-2 sr-1
    assert 0.05 < np.median(apparent[window]) < 0.6
