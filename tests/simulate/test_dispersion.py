"""Dispersion models conserve mass: flux through any cross-section = Q, mass in the scene = Q * age."""

import numpy as np
import pytest
from scipy.ndimage import map_coordinates

from plumewatch.simulate.dispersion import (
    WIND_DIRECTION_SIGMA_DEG,
    Grid,
    briggs_sigma_y_m,
    column_ppmm,
    gaussian_plume_column_kg_m2,
    release_puffs,
    render_gaussian_plume,
    render_puffs,
)
from plumewatch.units import kg_m2_per_ppmm

Q_KG_H = 400.0
Q_KG_S = Q_KG_H / 3600.0


def transect_flux_kg_s(field, grid, distance_m, wind_from_deg, wind_speed_m_s, half_length_m=400.0):
    """Column integrated along a line across the mean wind ``distance_m`` downwind, times the wind speed."""
    to = np.deg2rad(wind_from_deg + 180.0)
    along = np.array([np.sin(to), np.cos(to)])
    across = np.array([np.cos(to), -np.sin(to)])
    s = np.arange(-half_length_m, half_length_m, 0.5)
    x = distance_m * along[0] + s * across[0]
    y = distance_m * along[1] + s * across[1]
    rows, cols = grid.fractional_index(x, y)
    values = map_coordinates(field, [rows, cols], order=1, mode="constant")
    return values.sum() * 0.5 * wind_speed_m_s


def test_briggs_sigma_matches_hand_computed_value():
    assert briggs_sigma_y_m(1000.0, "D") == pytest.approx(0.08 * 1000 / np.sqrt(1.1))
    assert briggs_sigma_y_m(-5.0, "A") == 0.0
    assert briggs_sigma_y_m(500.0, "A") > briggs_sigma_y_m(500.0, "F")


def test_unknown_stability_class_is_refused():
    with pytest.raises(ValueError, match="stability"):
        briggs_sigma_y_m(10.0, "G")


@pytest.mark.parametrize("wind_from_deg", [270.0, 233.0, 10.0])
def test_gaussian_plume_flux_through_every_cross_section_is_the_emission_rate(wind_from_deg):
    grid = Grid.centred(600.0, 5.0)
    field = render_gaussian_plume(
        grid, emission_kg_h=Q_KG_H, wind_speed_m_s=3.0, wind_from_deg=wind_from_deg, stability="C"
    )
    for distance_m in (20.0, 100.0, 250.0, 400.0):
        flux = transect_flux_kg_s(field, grid, distance_m, wind_from_deg, 3.0)
        assert flux == pytest.approx(Q_KG_S, rel=0.03), distance_m


def test_gaussian_plume_mass_is_rate_times_residence_time():
    grid = Grid.centred(700.0, 5.0)
    length_m, speed = 450.0, 4.0
    field = render_gaussian_plume(
        grid,
        emission_kg_h=Q_KG_H,
        wind_speed_m_s=speed,
        wind_from_deg=120.0,
        stability="D",
        length_m=length_m,
    )
    ime_kg = field.sum() * grid.cell_area_m2
    assert ime_kg == pytest.approx(Q_KG_S * length_m / speed, rel=0.02)


def test_gaussian_plume_is_zero_upwind_and_peaks_on_the_axis():
    column = gaussian_plume_column_kg_m2(
        np.array([-50.0, 50.0, 50.0]),
        np.array([0.0, 0.0, 30.0]),
        emission_kg_h=Q_KG_H,
        wind_speed_m_s=2.0,
        wind_from_deg=270.0,
    )
    assert column[0] == 0.0
    assert column[1] > column[2] > 0.0


def test_puffs_put_exactly_the_released_mass_on_the_grid():
    puffs = release_puffs(Q_KG_H, 3.0, 200.0, duration_s=120.0, rng=np.random.default_rng(1), stability="D")
    grid = Grid.centred(800.0, 2.5)
    field = render_puffs(puffs, grid)
    assert puffs.total_mass_kg == pytest.approx(Q_KG_S * 120.0, rel=1e-6)
    assert field.sum() * grid.cell_area_m2 == pytest.approx(puffs.total_mass_kg, rel=1e-4)


def test_puffs_without_meander_carry_the_emission_rate_through_each_cross_section():
    puffs = release_puffs(
        Q_KG_H,
        3.0,
        300.0,
        duration_s=200.0,
        rng=np.random.default_rng(2),
        stability="D",
        direction_sigma_deg=0.0,
        speed_sigma_fraction=0.0,
    )
    grid = Grid.centred(700.0, 2.5)
    field = render_puffs(puffs, grid)
    for distance_m in (30.0, 150.0, 400.0):
        assert transect_flux_kg_s(field, grid, distance_m, 300.0, 3.0) == pytest.approx(Q_KG_S, rel=0.03)


def test_meandering_puffs_carry_the_emission_rate_on_average():
    # Gas crosses a transect at its local (meandering) speed and angle, but the flux is taken with the mean
    # wind: E[u / (|v| cos phi)] ~ 1 + sigma_u^2 + sigma_theta^2 / 2 over many transects.
    wind_from, speed, speed_sigma = 45.0, 3.0, 0.15
    fluxes = []
    for seed in range(8):
        puffs = release_puffs(
            Q_KG_H,
            speed,
            wind_from,
            duration_s=300.0,
            rng=np.random.default_rng(seed),
            stability="D",
            speed_sigma_fraction=speed_sigma,
        )
        grid = Grid.centred(1000.0, 5.0)
        field = render_puffs(puffs, grid)
        fluxes += [transect_flux_kg_s(field, grid, d, wind_from, speed, 900.0) for d in (100.0, 300.0, 500.0)]
    expected_bias = 1 + speed_sigma**2 + np.deg2rad(WIND_DIRECTION_SIGMA_DEG["D"]) ** 2 / 2
    assert np.mean(fluxes) == pytest.approx(Q_KG_S * expected_bias, rel=0.08)


def test_puffs_are_reproducible_by_seed_and_differ_between_seeds():
    a = release_puffs(Q_KG_H, 3.0, 90.0, duration_s=60.0, rng=np.random.default_rng(5))
    b = release_puffs(Q_KG_H, 3.0, 90.0, duration_s=60.0, rng=np.random.default_rng(5))
    c = release_puffs(Q_KG_H, 3.0, 90.0, duration_s=60.0, rng=np.random.default_rng(6))
    np.testing.assert_array_equal(a.x_m, b.x_m)
    assert not np.allclose(a.x_m, c.x_m)


def test_column_ppmm_uses_the_gas_molar_mass():
    assert column_ppmm(kg_m2_per_ppmm("ch4") * 1000.0, "ch4") == pytest.approx(1000.0)
    assert column_ppmm(1e-3, "co2") < column_ppmm(1e-3, "ch4")
