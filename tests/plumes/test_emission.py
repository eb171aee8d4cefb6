"""IME, effective wind and cross-sectional flux on simple known inputs."""

import numpy as np
import pytest

from plumewatch.plumes.emission import (
    EffectiveWind,
    cross_sectional_flux,
    ime_emission,
    ime_kg,
    ime_rate_kg_h,
)
from plumewatch.units import kg_m2_per_ppmm


def test_ime_is_mass_of_the_columns():
    assert ime_kg(np.array([100.0, 300.0, np.nan]), "ch4", 25.0) == pytest.approx(
        400.0 * kg_m2_per_ppmm("ch4") * 25.0
    )


def test_ime_rate_follows_varon_formula():
    wind = EffectiveWind(slope=0.5, offset_m_s=1.0, relative_sigma=0.0)
    rate = ime_rate_kg_h(10.0, 400.0, 4.0, wind)
    assert rate == pytest.approx((0.5 * 4.0 + 1.0) * 10.0 / 20.0 * 3600.0)


def test_ime_emission_uncertainty_grows_with_wind_sigma():
    rng = np.random.default_rng(0)
    enhancement = np.zeros((20, 20))
    enhancement[5:15, 5:15] = 500.0 + rng.normal(0, 20, (10, 10))
    mask = enhancement > 0
    sigma = np.full(enhancement.shape, 20.0)
    valid = np.ones_like(mask)
    _, _, low = ime_emission(
        enhancement, sigma, mask, valid, "ch4", pixel_area_m2=25.0, wind_speed_m_s=4.0, wind_sigma_m_s=0.1
    )
    _, _, high = ime_emission(
        enhancement, sigma, mask, valid, "ch4", pixel_area_m2=25.0, wind_speed_m_s=4.0, wind_sigma_m_s=3.0
    )
    assert low.emission_kg_h == pytest.approx(high.emission_kg_h)
    assert high.sigma_kg_h > low.sigma_kg_h > 0


def test_flux_of_uniform_band_is_wind_times_line_density():
    # A plume 10 m wide of 1000 ppm·m running 200 m downwind: line density = 10 m * column.
    along = np.repeat(np.arange(0, 200, 5.0), 2)
    enhancement = np.full(along.shape, 1000.0)
    rate = cross_sectional_flux(
        enhancement,
        along,
        "ch4",
        pixel_area_m2=25.0,
        transect_width_m=10.0,
        wind_speed_m_s=3.0,
        wind_sigma_m_s=0.3,
        wind=EffectiveWind(1.0, 0.0, 0.25),
    )
    expected = 3.0 * 1000.0 * kg_m2_per_ppmm("ch4") * 10.0 * 3600.0
    assert rate.emission_kg_h == pytest.approx(expected, rel=1e-6)
    assert rate.sigma_kg_h > 0


def test_short_plume_has_no_flux_and_says_why():
    rate = cross_sectional_flux(
        np.ones(4),
        np.array([0.0, 5.0, 6.0, 7.0]),
        "ch4",
        pixel_area_m2=25.0,
        transect_width_m=10.0,
        wind_speed_m_s=3.0,
    )
    assert rate.emission_kg_h is None and "transects" in rate.note


def banded_plume(outer_ppmm: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(enhancement, along, ring) of a plume 200 m long: 1000 ppm·m in the mask, ``outer_ppmm`` beyond it."""
    along = np.tile(np.arange(0, 200, 5.0), 7)
    ring = np.repeat([3, 2, 1, 0, 1, 2, 3], 40)
    enhancement = np.where(ring == 0, 1000.0, outer_ppmm / ring.clip(1))
    return enhancement, along, ring


@pytest.mark.parametrize("outer_ppmm", [0.0, 400.0])
def test_flux_masking_term_is_the_spread_over_the_transects_reach(outer_ppmm):
    enhancement, along, ring = banded_plume(outer_ppmm)
    options = dict(
        pixel_area_m2=25.0,
        transect_width_m=10.0,
        wind_speed_m_s=3.0,
        wind_sigma_m_s=0.0,
        wind=EffectiveWind(1.0, 0.0, 0.0),
    )
    without = cross_sectional_flux(enhancement[ring <= 2], along[ring <= 2], "ch4", **options)
    with_ring = cross_sectional_flux(enhancement, along, "ch4", ring_px=ring, region_px=2, **options)
    assert with_ring.emission_kg_h == pytest.approx(without.emission_kg_h)
    # Transects one pixel narrower lose the ring-2 pixels, one wider gain the ring-3 pixels: four of
    # each per 10 m transect (two columns, one each side, two pixels along).
    per_ppmm = 3.0 * kg_m2_per_ppmm("ch4") * 25.0 / 10.0 * 3600.0
    masking = 0.5 * per_ppmm * 4 * (outer_ppmm / 2 + outer_ppmm / 3)
    assert with_ring.sigma_kg_h == pytest.approx(np.hypot(without.sigma_kg_h, masking))
    assert (with_ring.sigma_kg_h > without.sigma_kg_h) == (outer_ppmm > 0)
