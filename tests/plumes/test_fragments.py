"""Downwind fragments: the cone test, parents among plumes, and merging in segmentation."""

import numpy as np
import pytest

from plumewatch.plumes.fragments import downwind_distance_m, fragment_parents, plausible_length_m
from plumewatch.plumes.outline import downwind_unit
from plumewatch.plumes.segment import segment_plumes

EAST = downwind_unit(270.0)  # wind from the west blows east


@pytest.mark.parametrize(
    ("east_m", "north_m", "inside"),
    [
        (300.0, 0.0, True),
        (300.0, 120.0, True),
        (300.0, 200.0, False),
        (-50.0, 0.0, False),
        (5000.0, 0.0, False),
    ],
)
def test_cone_about_the_wind(east_m, north_m, inside):
    along = downwind_distance_m(east_m, north_m, EAST, max_distance_m=2000.0, margin_m=10.0)
    assert (along is not None) == inside
    if inside:
        assert along == pytest.approx(east_m)


def test_plausible_length_grows_with_wind():
    assert plausible_length_m(6.0) > plausible_length_m(2.0) > 0
    assert plausible_length_m(None) > 0


def test_weaker_piece_downwind_is_a_fragment_of_the_nearest_stronger_upwind_plume():
    sources = np.array([[0.0, 0.0], [400.0, 30.0], [0.0, 400.0], [800.0, 10.0]])
    strength = np.array([10.0, 2.0, 8.0, 1.0])
    parents = fragment_parents(sources, strength, np.tile(EAST, (4, 1)), np.full(4, 2000.0), margin_m=20.0)
    assert parents.tolist() == [-1, 0, -1, 0]
    # A stronger plume downwind is not a fragment of a weaker one upwind.
    parents = fragment_parents(
        sources[:2], strength[:2][::-1], np.tile(EAST, (2, 1)), np.full(2, 2000.0), margin_m=20.0
    )
    assert parents.tolist() == [-1, -1]


def _patchy_scenario(scenario_factory):
    """A plume from the north whose far part, beyond a gap of blanked rows, is a separate piece."""
    s = scenario_factory(12, shape=(120, 120), sources=[(10, 60, 800.0)], wind_from_deg=0.0)
    enhancement = s.retrieval.enhancement_ppmm
    enhancement[35:45] = np.random.default_rng(0).normal(0.0, 60.0, enhancement[35:45].shape)
    return s


def test_segmentation_folds_a_downwind_fragment_into_its_plume(scenario_factory):
    s = _patchy_scenario(scenario_factory)
    options = dict(pixel_size_m=s.pixel_size_m, acquired=None, wind_speed_m_s=4.0, wind_speed_sigma_m_s=0.5)
    merged = segment_plumes(s.retrieval, s.lon_deg, s.lat_deg, wind_from_deg=0.0, **options)
    apart = segment_plumes(s.retrieval, s.lon_deg, s.lat_deg, wind_from_deg=None, **options)
    assert len(apart) == 2, "without a wind the two pieces stay apart"
    assert len(merged) == 1
    plume = merged[0]
    assert plume.n_pixels == sum(p.n_pixels for p in apart)
    assert plume.source_lat_deg == pytest.approx(s.lat_deg[10, 60], abs=3 * s.pixel_size_m / 110_900.0)
    assert plume.ime_kg == pytest.approx(sum(p.ime_kg for p in apart))


def test_a_second_source_beside_the_wind_stays_a_plume_of_its_own(scenario_factory):
    s = scenario_factory(13, shape=(160, 120), sources=[(10, 30, 500.0), (70, 100, 300.0)], wind_from_deg=0.0)
    plumes = segment_plumes(
        s.retrieval,
        s.lon_deg,
        s.lat_deg,
        pixel_size_m=s.pixel_size_m,
        acquired=None,
        wind_speed_m_s=4.0,
        wind_from_deg=0.0,
    )
    assert len(plumes) == 2
