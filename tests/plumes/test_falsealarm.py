"""False-alarm tests by clouds, on dark ground, along thin dark tracks, below shadows, on made-up scenes."""

import numpy as np
import pytest
from scipy import ndimage
from tests.plumes.conftest import assert_rejected_by_the_albedo_tests, segment_scenario

from plumewatch.plumes.falsealarm import (
    CLOUD_ZONE_PX,
    DARK_GROUND_MAX_ANTICORRELATION,
    MARGINAL_PEAK_FACTOR,
    SHADOW_PEAK_FACTOR,
    albedo_correlation,
    large_dark_areas,
    local_albedo_anomaly,
    rejection_reason,
)
from plumewatch.plumes.segment import SegmentConfig, smoothed_significance


def with_cloud(s, cloud):
    s.retrieval.valid = ~cloud
    s.retrieval.enhancement_ppmm = np.where(cloud, np.nan, s.retrieval.enhancement_ppmm).astype(np.float32)
    return s


def cloud_block(shape):
    cloud = np.zeros(shape, dtype=bool)
    cloud[:40, 20:80] = True
    return cloud


def test_glow_fading_away_from_a_cloud_is_rejected(scenario_factory):
    s = scenario_factory(21, sources=[])
    cloud = cloud_block(s.retrieval.valid.shape)
    rows = np.arange(cloud.shape[0])[:, None]
    # Enhancement fading over a few pixels from the cloud's edge: mostly beyond the 3-pixel rim, yet all
    # its strong pixels lie within the cloud zone.
    glow = np.where(
        (rows >= 40) & (np.arange(cloud.shape[1]) >= 30) & (np.arange(cloud.shape[1]) < 70),
        900.0 * np.exp(-(rows - 40) / 3.0),
        0.0,
    )
    s.retrieval.enhancement_ppmm = (s.retrieval.enhancement_ppmm + glow).astype(np.float32)
    assert len(segment_scenario(s)) == 1, "without the cloud mask the glow is a (false) plume"
    plumes = segment_scenario(with_cloud(s, cloud))
    assert plumes == []


def test_plume_running_into_a_cloud_is_kept(scenario_factory):
    s = scenario_factory(22, sources=[(95, 50, 600.0)], wind_from_deg=180.0)
    cloud = cloud_block(s.retrieval.valid.shape)
    plumes = segment_scenario(with_cloud(s, cloud))
    assert len(plumes) == 1
    assert plumes[0].pixels[:, 0].min() <= 40 + CLOUD_ZONE_PX, "the plume reaches into the cloud zone"


def dark_ground_candidate(seed, ground):
    """Enhancement, mask, valid and albedo of a patch whose enhancement partly follows its darkness."""
    rng = np.random.default_rng(seed)
    shape = (60, 60)
    albedo = np.full(shape, 0.3) + rng.normal(0, 0.02, shape)
    mask = np.zeros(shape, dtype=bool)
    mask[20:40, 20:40] = True
    patch = disk(shape, (30, 30), 20)
    shade = rng.uniform(0.0, 0.1, shape)
    albedo[patch] = ground - shade[patch]
    # Retrieval noise of 110 ppm m over a darkness-driven part of 58 ppm m rms: r near -0.47.
    enhancement = rng.normal(300.0, 110.0, shape) + np.where(patch, 2000.0 * shade, 0.0)
    return enhancement, mask, np.ones(shape, dtype=bool), albedo


def disk(shape, centre, radius):
    rows, cols = np.indices(shape)
    return np.hypot(rows - centre[0], cols - centre[1]) <= radius


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_enhancement_rising_as_dark_ground_darkens_is_rejected(seed):
    enhancement, mask, valid, albedo = dark_ground_candidate(seed, ground=0.2)
    r = albedo_correlation(enhancement, albedo, mask, valid)
    assert -0.6 < r <= DARK_GROUND_MAX_ANTICORRELATION, "weaker than the general albedo test"
    reason, _ = rejection_reason(enhancement, mask, valid, albedo=albedo)
    assert "dark ground" in reason


def test_same_anticorrelation_on_bright_ground_is_not_a_dark_ground_alarm():
    enhancement, mask, valid, albedo = dark_ground_candidate(0, ground=0.5)
    assert albedo_correlation(enhancement, albedo, mask, valid) <= DARK_GROUND_MAX_ANTICORRELATION
    reason, _ = rejection_reason(enhancement, mask, valid, albedo=albedo)
    assert reason == ""


def test_real_plume_over_dark_ground_is_kept(scenario_factory):
    albedo = np.random.default_rng(23).uniform(0.05, 0.15, (120, 100))
    albedo[:, 60:] = 0.4
    s = scenario_factory(23, sources=[(30, 30, 500.0)], albedo=albedo)
    assert len(segment_scenario(s)) == 1


def tracks_albedo(seed, shape=(120, 100), rows=(60,)):
    """Albedo brightening from west to east, crossed by thin (2-pixel) tracks 0.06 darker, and the tracks."""
    rng = np.random.default_rng(seed)
    cols = np.arange(shape[1])
    albedo = np.broadcast_to(0.2 + 0.4 * cols[None, :] / shape[1], shape) + rng.normal(0, 0.01, shape)
    track = np.zeros(shape, dtype=bool)
    for row in rows:
        track[row : row + 2, 10:90] = True
    return np.where(track, albedo - 0.06, albedo).astype(np.float32), track


def streak_along_track(scenario_factory, seed, streak_ppmm):
    """A scene without plumes whose retrieval reads a thin dark track as a streak of enhancement."""
    albedo, track = tracks_albedo(seed)
    rng = np.random.default_rng(seed + 100)
    streak = np.where(track, streak_ppmm * (1.0 + 0.3 * rng.standard_normal(track.shape)), 0.0)
    return scenario_factory(seed, sources=[], albedo=albedo, extra_ppmm=streak)


def peak_score(s):
    """The highest smoothed significance of a scenario (score units of segmentation)."""
    r = s.retrieval
    raw = r.enhancement_ppmm / r.uncertainty_ppmm
    return float(smoothed_significance(raw, r.valid, SegmentConfig().smooth_px).max())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_marginal_streak_along_a_thin_dark_track_is_rejected(scenario_factory, seed):
    s = streak_along_track(scenario_factory, seed, 200.0)
    assert peak_score(s) < MARGINAL_PEAK_FACTOR * SegmentConfig().high_sigma
    assert_rejected_by_the_albedo_tests(s)


def test_strong_streak_along_a_track_is_not_marginal(scenario_factory):
    s = streak_along_track(scenario_factory, 0, 400.0)
    assert peak_score(s) >= MARGINAL_PEAK_FACTOR * SegmentConfig().high_sigma
    assert len(segment_scenario(s)) == 1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_marginal_plume_crossing_dark_tracks_is_kept(scenario_factory, seed):
    albedo, _ = tracks_albedo(seed, rows=(30, 60, 90))
    s = scenario_factory(seed, sources=[(15, 50, 45.0)], albedo=albedo)
    assert peak_score(s) < MARGINAL_PEAK_FACTOR * SegmentConfig().high_sigma
    assert len(segment_scenario(s)) == 1


def test_local_albedo_anomaly_keeps_thin_features_and_drops_broad_contrast():
    albedo, track = tracks_albedo(0)
    anomaly = local_albedo_anomaly(albedo, np.ones(albedo.shape, dtype=bool))
    # The track is about 0.16 darker in log albedo; the 1.5-pixel fine mean keeps a third of that.
    assert np.median(anomaly[track]) < -0.04
    off_track = ~ndimage.binary_dilation(track, iterations=6)
    off_track[:, :10] = off_track[:, 90:] = False
    assert np.abs(np.median(anomaly[off_track])) < 0.005, "the west-east brightening is not local"


def shadowed_albedo(seed, shape=(120, 100)):
    """Even ground (albedo 0.4) with a cloud shadow (0.04) over rows 0-39 of columns 0-29."""
    albedo = 0.4 + np.random.default_rng(seed).normal(0, 0.01, shape)
    albedo[:40, :30] = 0.04
    return albedo.astype(np.float32)


def leak_below_shadow(scenario_factory, seed, leak_ppmm, cols=slice(10, 20)):
    """A scene without plumes whose retrieval reads ground below a shadow as a patch of enhancement."""
    rng = np.random.default_rng(seed + 200)
    patch = np.zeros((120, 100), dtype=bool)
    patch[80:100, cols] = True
    leak = np.where(patch, leak_ppmm * (1.0 + 0.3 * rng.standard_normal(patch.shape)), 0.0)
    return scenario_factory(seed, sources=[], albedo=shadowed_albedo(seed), extra_ppmm=leak)


def test_large_dark_areas_find_a_shadow_not_a_small_dark_roof():
    albedo = shadowed_albedo(0)
    roof = disk(albedo.shape, (80, 70), 5)
    albedo[roof] = 0.04
    dark = large_dark_areas(albedo, np.ones(albedo.shape, dtype=bool))
    assert dark[:40, :30].all()
    assert not dark[roof].any()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_leak_in_a_shadowed_column_below_the_needed_peak_is_rejected(scenario_factory, seed):
    s = leak_below_shadow(scenario_factory, seed, 250.0)
    seed_sigma = SegmentConfig().high_sigma
    assert MARGINAL_PEAK_FACTOR * seed_sigma <= peak_score(s) < SHADOW_PEAK_FACTOR * seed_sigma
    assert_rejected_by_the_albedo_tests(s)


def test_same_patch_outside_the_shadowed_columns_is_kept(scenario_factory):
    s = leak_below_shadow(scenario_factory, 0, 250.0, cols=slice(60, 70))
    assert len(segment_scenario(s)) == 1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_strong_plume_in_shadowed_columns_is_kept(scenario_factory, seed):
    s = scenario_factory(seed, sources=[(60, 15, 500.0)], albedo=shadowed_albedo(seed))
    assert peak_score(s) >= SHADOW_PEAK_FACTOR * SegmentConfig().high_sigma
    plumes = segment_scenario(s)
    assert len(plumes) == 1
    assert plumes[0].pixels[:, 1].mean() < 30, "the plume lies in the shadowed columns"
