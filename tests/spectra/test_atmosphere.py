"""The SWIR background atmosphere: columns by hand, effective pressures, the MODTRAN reference."""

import numpy as np
import pytest

from plumewatch.spectra import get_sensor
from plumewatch.spectra.atmosphere import (
    AIR_COLUMN_M,
    EFFECTIVE_PRESSURE_ATM,
    background_columns_ppmm,
    modtran_optical_depth_per_air_mass,
    share_below,
)
from plumewatch.spectra.convolve import band_average
from plumewatch.spectra.forward import swir_radiance
from plumewatch.spectra.solar import solar_irradiance


def test_background_columns_by_hand():
    # air column: 101325 Pa / (9.80665 m s-2 * 0.0289647 kg mol-1 * 42.2906 mol m-3) = 8434.6 m
    assert AIR_COLUMN_M == pytest.approx(8434.6, abs=0.2)
    columns = background_columns_ppmm(1.5)
    assert columns["co2"] == pytest.approx(420.0 * 8434.6, rel=1e-4)
    assert columns["ch4"] == pytest.approx(1.92 * 8434.6, rel=1e-4)
    # 1.5 cm of water = 15 kg m-2 = 832.6 mol m-2; one ppm·m is 42.29e-6 mol m-2
    assert columns["h2o"] == pytest.approx(15.0 / 0.018015 / 42.2906e-6, rel=1e-4)


def test_shares_and_effective_pressures():
    assert share_below("h2o", 4000.0) == pytest.approx(1 - np.exp(-2.0))
    assert share_below("co2", 4000.0) == pytest.approx(1 - np.exp(-0.5))
    assert share_below("co2", 4e5) == pytest.approx(1.0)
    assert EFFECTIVE_PRESSURE_ATM["co2"] == pytest.approx(0.5)
    assert EFFECTIVE_PRESSURE_ATM["h2o"] == pytest.approx(0.8)


def test_modtran_reference_is_opaque_in_water_bands_and_clear_in_windows():
    wavelength_nm, tau = modtran_optical_depth_per_air_mass()
    window = (wavelength_nm > 1600) & (wavelength_nm < 1640)
    band = (wavelength_nm > 1860) & (wavelength_nm < 1900)
    assert np.median(tau[window]) < 0.15
    assert np.median(tau[band]) > 3.0


def _white(sensor, **kwargs):
    return swir_radiance(
        np.ones((1, sensor.bands)),
        sensor.wavelength_nm,
        sensor.fwhm_nm,
        view_zenith_deg=0.0,
        columns_ppmm={},
        **kwargs,
    )[0]


def test_background_columns_act_only_where_lines_are_held():
    ang = get_sensor("avirisng")
    dry = _white(ang, solar_zenith_deg=30.0, background_ppmm=background_columns_ppmm(0.5))
    wet = _white(ang, solar_zenith_deg=30.0, background_ppmm=background_columns_ppmm(3.0))
    below = ang.wavelength_nm < 1840
    np.testing.assert_allclose(wet[below], dry[below])
    water_band = (ang.wavelength_nm > 1940) & (ang.wavelength_nm < 1960)
    assert np.all(wet[water_band] < 0.5 * dry[water_band])


def test_modtran_part_scales_with_the_air_mass():
    ang = get_sensor("avirisng")
    band = int(np.argmin(np.abs(ang.wavelength_nm - 1600.0)))
    solar_nm, solar = solar_irradiance()
    top = band_average(solar, solar_nm, ang.wavelength_nm, ang.fwhm_nm)[band] / np.pi
    depth = {}
    for sza in (0.0, 60.0):
        white = _white(ang, solar_zenith_deg=sza, sensor_altitude_m=1e6)[band]
        depth[sza] = -np.log(white / (top * np.cos(np.deg2rad(sza))))
    # a clear window: optical depth grows with the air mass, 1 + 1 overhead, 2 + 1 at 60 degrees
    # (a little less than 3/2 at the band level, where the weak lines inside the band saturate)
    assert 0.0 < depth[0.0] < 0.3
    assert 1.4 < depth[60.0] / depth[0.0] < 1.5
