"""Plume segmentation on hand-made Gaussian plumes: found, placed, merged, and false alarms rejected."""

import numpy as np
import pytest
from scipy import ndimage
from shapely.geometry import Point
from tests.plumes.conftest import assert_rejected_by_the_albedo_tests, segment_scenario

from plumewatch.geo.footprint import distance_m
from plumewatch.io.survey import SiteWind
from plumewatch.plumes.cogas import link_co_gases
from plumewatch.plumes.emission import EffectiveWind
from plumewatch.plumes.segment import smoothed_significance


@pytest.mark.parametrize("wind_from_deg", [0.0, 90.0, 135.0, 200.0, 315.0])
def test_one_plume_with_source_at_upwind_end(scenario_factory, wind_from_deg):
    s = scenario_factory(3, sources=[(60, 50, 400.0)], wind_from_deg=wind_from_deg)
    plumes = segment_scenario(s)
    assert len(plumes) == 1
    p = plumes[0]
    error_m = distance_m(p.source_lon_deg, p.source_lat_deg, s.lon_deg[60, 50], s.lat_deg[60, 50])
    assert error_m <= 2.5 * s.pixel_size_m
    assert p.outline.is_valid
    assert p.outline.buffer(1e-4).contains(Point(p.source_lon_deg, p.source_lat_deg))
    assert p.area_m2 == pytest.approx(p.n_pixels * s.pixel_size_m**2)
    assert p.max_ppmm > p.mean_ppmm > 0
    assert p.gas == "ch4" and p.label == 1 and p.plume_id == "pw_test_rdn:ch4:1"


@pytest.mark.parametrize("seed", range(5))
def test_pure_noise_gives_no_plume(scenario_factory, seed):
    s = scenario_factory(seed, sources=[])
    assert segment_scenario(s) == []


def test_isolated_single_pixels_are_not_plumes(scenario_factory):
    spikes = np.zeros((120, 100))
    spikes[20, 20] = spikes[80, 70] = spikes[50, 10] = 2000.0
    s = scenario_factory(1, sources=[], extra_ppmm=spikes)
    assert segment_scenario(s) == []


def test_two_sources_are_two_plumes(scenario_factory):
    s = scenario_factory(4, sources=[(20, 25, 500.0), (20, 80, 300.0)], wind_from_deg=0.0)
    plumes = segment_scenario(s)
    assert len(plumes) == 2
    assert plumes[0].ime_kg >= plumes[1].ime_kg
    assert {p.label for p in plumes} == {1, 2}


def test_fragments_across_a_masked_column_are_merged(scenario_factory):
    s = scenario_factory(5, sources=[(30, 50, 600.0)], wind_from_deg=0.0)
    s.retrieval.valid[:, 50] = False
    s.retrieval.enhancement_ppmm[:, 50] = np.nan
    plumes = segment_scenario(s)
    assert len(plumes) == 1


def test_no_wind_leaves_rate_empty_with_reason_and_finds_strong_end(scenario_factory):
    s = scenario_factory(6, sources=[(30, 50, 500.0)], wind_from_deg=0.0)
    plumes = segment_scenario(s, wind_speed_m_s=None, wind_from_deg=None)
    assert len(plumes) == 1
    p = plumes[0]
    assert p.emission_kg_h is None and p.emission_sigma_kg_h is None and p.flux_kg_h is None
    assert "no wind" in p.emission_note
    assert p.ime_kg > 0
    error_m = distance_m(p.source_lon_deg, p.source_lat_deg, s.lon_deg[30, 50], s.lat_deg[30, 50])
    assert error_m <= 3 * s.pixel_size_m


def _decoy(shape=(120, 100), centre=(60, 50), radius_px=6):
    rows, cols = np.indices(shape)
    return (rows - centre[0]) ** 2 + (cols - centre[1]) ** 2 <= radius_px**2


def test_albedo_driven_enhancement_is_rejected(scenario_factory):
    disk = _decoy()
    albedo = np.where(disk, 0.6, 0.2) + np.random.default_rng(0).normal(0, 0.01, disk.shape)
    s = scenario_factory(7, sources=[], extra_ppmm=np.where(disk, 600.0, 0.0), albedo=albedo)
    assert_rejected_by_the_albedo_tests(s)


def test_real_plume_over_varied_albedo_is_kept(scenario_factory):
    albedo = np.random.default_rng(8).uniform(0.1, 0.5, (120, 100))
    s = scenario_factory(8, sources=[(30, 50, 500.0)], albedo=albedo)
    plumes = segment_scenario(s)
    assert len(plumes) == 1
    assert plumes[0].identification_confidence > 0.5


def test_known_surface_material_is_rejected(scenario_factory):
    disk = _decoy()
    s = scenario_factory(9, sources=[], extra_ppmm=np.where(disk, 600.0, 0.0))
    assert segment_scenario(s, surface_match=np.where(disk, 0.95, 0.1)) == []
    assert len(segment_scenario(s, surface_match=np.where(disk, 0.3, 0.1))) == 1


def test_emission_rate_and_flux_have_uncertainty(scenario_factory):
    s = scenario_factory(10, sources=[(30, 50, 400.0)], wind_from_deg=0.0)
    # With the true wind as transport wind, mass conservation across transects gives the rate.
    transport = EffectiveWind(1.0, 0.0, 0.25)
    p = segment_scenario(s, wind_speed_m_s=4.0, wind_speed_sigma_m_s=0.5, csf_wind=transport)[0]
    assert p.emission_kg_h > 0 and p.emission_sigma_kg_h > 0
    assert p.flux_kg_h == pytest.approx(400.0, rel=0.3)
    assert p.flux_sigma_kg_h > 0
    assert p.ime_sigma_kg > 0
    faster = segment_scenario(s, wind_speed_m_s=8.0, wind_speed_sigma_m_s=0.5)[0]
    assert faster.emission_kg_h > p.emission_kg_h


def test_a_site_wind_near_the_source_replaces_the_line_wind(scenario_factory):
    s = scenario_factory(11, sources=[(30, 50, 400.0)], wind_from_deg=0.0)
    line_only = segment_scenario(s, wind_speed_m_s=4.0, wind_speed_sigma_m_s=0.5)[0]
    mast = SiteWind("mast A", line_only.source_lon_deg, line_only.source_lat_deg, 300.0, 8.0, 0.0, 0.3)
    far = SiteWind("mast B", line_only.source_lon_deg + 0.05, line_only.source_lat_deg, 300.0, 1.0, 0.0)
    with_mast = segment_scenario(s, wind_speed_m_s=4.0, wind_speed_sigma_m_s=0.5, site_winds=[far, mast])[0]
    # IME rates scale with the effective wind, which grows with the 10 m wind.
    assert with_mast.emission_kg_h > 1.3 * line_only.emission_kg_h
    assert with_mast.wind_speed_m_s == 8.0
    assert "site wind mast A" in with_mast.emission_note
    only_far = segment_scenario(s, wind_speed_m_s=4.0, wind_speed_sigma_m_s=0.5, site_winds=[far])[0]
    assert only_far.emission_kg_h == pytest.approx(line_only.emission_kg_h)
    assert "site wind" not in only_far.emission_note


def test_plume_inside_a_larger_plume_of_another_gas_is_marked_within_it(scenario_factory):
    s = scenario_factory(14, sources=[(30, 50, 600.0)], wind_from_deg=0.0)
    options = dict(pixel_size_m=s.pixel_size_m, acquired=None, wind_speed_m_s=4.0, wind_from_deg=0.0)
    ch4 = segment_scenario(s, **options)
    # An 'echo': the same plume, weaker and in another gas's retrieval, covering part of it.
    echo = scenario_factory(14, sources=[(30, 50, 150.0)], wind_from_deg=0.0)
    echo.retrieval.gas = "co2"
    co2 = segment_scenario(echo, **options)
    far = scenario_factory(15, sources=[(30, 15, 150.0)], wind_from_deg=0.0)
    far.retrieval.gas = "co2"
    beside = segment_scenario(far, **options)
    # A source of its own under the plume, 250 m downwind of its start.
    under = scenario_factory(16, sources=[(80, 50, 100.0)], wind_from_deg=0.0)
    under.retrieval.gas = "co2"
    below = segment_scenario(under, **options)
    for plumes in (ch4 + co2 + beside, ch4 + below):
        link_co_gases(plumes)
    assert co2[0].within_plume == ch4[0].plume_id and co2[0].co_gases == ("ch4",)
    assert ch4[0].within_plume is None, "the larger plume is not inside the smaller one"
    assert beside[0].within_plume is None
    assert below[0].co_gases == ("ch4",) and below[0].within_plume is None


def test_streak_along_a_cloud_rim_is_rejected(scenario_factory):
    s = scenario_factory(17, sources=[])
    cloud = np.zeros(s.retrieval.valid.shape, dtype=bool)
    cloud[40:80, 30:70] = True
    streak = np.zeros(cloud.shape)
    streak[80:83, 30:70] = 900.0  # the cloud's lit edge, just outside its mask
    s.retrieval.enhancement_ppmm = (s.retrieval.enhancement_ppmm + streak).astype(np.float32)
    assert len(segment_scenario(s)) == 1, "without the cloud mask the streak is a (false) plume"
    s.retrieval.valid = ~cloud
    s.retrieval.enhancement_ppmm[cloud] = np.nan
    assert segment_scenario(s) == []


def test_plume_cut_by_a_small_masked_patch_stays_one_plume(scenario_factory):
    s = scenario_factory(18, sources=[(20, 50, 600.0)], wind_from_deg=0.0)
    patch = np.zeros(s.retrieval.valid.shape, dtype=bool)
    patch[50:58, 30:70] = True  # a saturated roof across the plume, 8 pixels deep
    s.retrieval.valid = ~patch
    s.retrieval.enhancement_ppmm[patch] = np.nan
    plumes = segment_scenario(s, wind_from_deg=None)
    assert len(plumes) == 1
    assert plumes[0].pixels[:, 0].min() < 50 and plumes[0].pixels[:, 0].max() > 58


def test_noise_scores_alike_beside_masked_pixels_and_inside():
    rng = np.random.default_rng(5)
    z = rng.standard_normal((400, 400))
    valid = np.ones(z.shape, dtype=bool)
    valid[::6, ::6] = False  # scattered masked pixels: many pixels have only some neighbours valid
    score = smoothed_significance(z, valid, 3)
    neighbours = np.rint(9 * ndimage.uniform_filter(valid.astype(float), size=3, mode="constant"))
    inside, beside = valid & (neighbours == 9), valid & (neighbours <= 8)
    assert beside.sum() > 10_000 and inside.sum() > 10_000
    assert np.std(score[beside]) == pytest.approx(np.std(score[inside]), rel=0.05)
