"""Band averaging against cases computed by hand."""

import numpy as np
import pytest

from plumewatch.spectra.convolve import FWHM_PER_SIGMA, band_average, band_weights, trapezoid_widths


def test_linear_spectrum_averages_to_its_value_at_the_band_centre():
    fine_nm = np.linspace(2000.0, 2100.0, 10001)
    spectrum = 3.0 + 0.01 * (fine_nm - 2000.0)
    centres = np.array([2020.0, 2050.5, 2080.0])
    out = band_average(spectrum, fine_nm, centres, np.array([6.0, 8.0, 10.0]))
    # a symmetric response over a linear spectrum returns the centre value
    np.testing.assert_allclose(out, 3.0 + 0.01 * (centres - 2000.0), rtol=1e-9)


def test_single_narrow_line_gives_the_gaussian_response_at_its_offset():
    fine_nm = np.linspace(2280.0, 2320.0, 40001)
    step = fine_nm[1] - fine_nm[0]
    line_nm, area = 2301.0, 0.5
    spectrum = np.zeros_like(fine_nm)
    spectrum[np.argmin(np.abs(fine_nm - line_nm))] = area / step
    centre, fwhm = 2300.0, 6.0
    sigma = fwhm / (2 * np.sqrt(2 * np.log(2)))
    expected = area * np.exp(-0.5 * ((line_nm - centre) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi))
    out = band_average(spectrum, fine_nm, np.array([centre]), np.array([fwhm]))
    assert out[0] == pytest.approx(expected, rel=1e-4)
    # by hand: sigma = 2.548 nm, 0.5 * exp(-0.5 (1/2.548)^2) / (2.548 sqrt(2 pi)) = 0.07248
    assert expected == pytest.approx(0.07248, abs=1e-5)


def test_non_uniform_grid_integrates_with_trapezoid_widths():
    fine_nm = np.sort(np.concatenate([np.linspace(1990, 2010, 201), np.linspace(2010.05, 2030, 2000)]))
    out = band_average(np.full(fine_nm.size, 2.5), fine_nm, np.array([2010.0]), np.array([5.0]))
    assert out[0] == pytest.approx(2.5)
    np.testing.assert_allclose(trapezoid_widths(np.array([0.0, 1.0, 3.0])), [0.5, 1.5, 1.0])


def test_bands_outside_the_grid_or_without_width_are_nan():
    fine_nm = np.linspace(2000.0, 2100.0, 1001)
    out = band_average(
        np.ones_like(fine_nm),
        fine_nm,
        np.array([1990.0, 2050.0, 2099.0, 2050.0]),
        np.array([6.0, 6.0, 6.0, 0.0]),
    )
    assert np.isnan(out[0]) and np.isnan(out[2]) and np.isnan(out[3])
    assert out[1] == pytest.approx(1.0)


def test_weights_are_normalised_and_match_the_fwhm():
    fine_nm = np.linspace(2200.0, 2400.0, 20001)
    weights, covered = band_weights(fine_nm, np.array([2300.0]), np.array([10.0]))
    w = weights.toarray()[:, 0]
    assert covered.all() and w.sum() == pytest.approx(1.0)
    sigma = np.sqrt(np.sum(w * (fine_nm - 2300.0) ** 2))
    assert sigma * FWHM_PER_SIGMA == pytest.approx(10.0, rel=1e-3)


def test_a_response_table_replaces_the_gaussian():
    fine_nm = np.linspace(2000.0, 2100.0, 10001)
    spectrum = fine_nm - 2000.0
    table_nm = np.array([2039.99, 2040.0, 2060.0, 2060.01])
    boxcar = np.array([[0.0], [1.0], [1.0], [0.0]])
    out = band_average(spectrum, fine_nm, np.array([2050.0]), np.array([20.0]), response=(table_nm, boxcar))
    assert out[0] == pytest.approx(50.0, rel=1e-3)
    with pytest.raises(ValueError):
        band_average(
            spectrum, fine_nm, np.array([2050.0, 2060.0]), np.array([20.0, 20.0]), response=(table_nm, boxcar)
        )
