"""Each filter on synthetic clutter with plumes injected by the exact Beer-Lambert model."""

import numpy as np
import pytest

from plumewatch.detect.ace import AceFilter
from plumewatch.detect.background import Background, ColumnStats
from plumewatch.detect.cluster import ClusterFilter, ClusterModel
from plumewatch.detect.cmf import LinearFilter, matched_filter
from plumewatch.detect.exact import ExactFilter, log_radiance
from plumewatch.detect.sparse import SparseFilter

PEAKS = (1000.0, 4000.0, 16000.0)


def _fit(cls, train, gas, **kw):
    stats = ColumnStats.from_block(train.copy()).grouped(np.arange(train.shape[1]))
    return cls.fit(Background.fit(stats, gas.local_index), gas, train.shape[2], **kw)


@pytest.fixture(scope="module")
def scene(synthetic):
    """Background statistics from plume-free lines; plumes of 1000, 4000 and 16000 ppm·m in other lines."""
    make_synthetic = synthetic
    clean = make_synthetic(7, lines=800, samples=8, bands=40, plumes=())
    plumes = tuple((40 + 80 * i, 4, peak) for i, peak in enumerate(PEAKS))
    test = make_synthetic(7, lines=240, samples=8, bands=40, plumes=plumes, plume_radius=2.5, pixel_seed=1)
    return clean, test


def _ratio_at_peaks(enhancement, truth):
    return [float(np.median(enhancement[truth > 0.9 * p] / truth[truth > 0.9 * p])) for p in PEAKS]


def test_linear_filter_is_unbiased_for_thin_plumes_with_honest_sigma(scene):
    clean, test = scene
    filt = _fit(LinearFilter, clean.radiance[:400], clean.gas)
    out = filt.apply(clean.radiance[400:])  # independent lines: out-of-sample
    assert abs(np.mean(out.enhancement_ppmm)) < 0.1 * np.median(filt.sigma_ppmm)
    np.testing.assert_allclose(np.std(out.enhancement_ppmm, axis=0), filt.sigma_ppmm, rtol=0.2)
    ratios = _ratio_at_peaks(filt.apply(test.radiance).enhancement_ppmm / test.albedo, test.truth_ppmm)
    assert ratios[0] == pytest.approx(1.0, abs=0.15)
    assert ratios[2] < 0.85  # the linear model under-estimates strong plumes


def test_exact_filter_stays_unbiased_for_strong_plumes(scene):
    clean, test = scene
    logged, nonpositive = log_radiance(test.radiance)
    assert not nonpositive.any()
    filt = _fit(ExactFilter, log_radiance(clean.radiance)[0], clean.gas)
    out = filt.apply(logged, residual=True)
    # the test lines took no part in the background: out of sample, no in-sample factor
    column, sigma = filt.finish(out.enhancement_ppmm, out.uncertainty_ppmm, np.zeros(logged.shape[:2], bool))
    for ratio in _ratio_at_peaks(column, test.truth_ppmm):
        assert ratio == pytest.approx(1.0, abs=0.1)
    linear = _ratio_at_peaks(out.enhancement_ppmm, test.truth_ppmm)
    assert linear[2] < 0.97 and abs(_ratio_at_peaks(column, test.truth_ppmm)[2] - 1) < 0.03
    assert np.corrcoef(np.log(out.albedo).ravel(), np.log(test.albedo).ravel())[0, 1] > 0.9
    background = test.truth_ppmm < 1
    z = column[background] / sigma[background]
    assert 0.7 < np.std(z) < 1.3
    # a pixel that the gas explains has a residual near its expectation; the plume core included
    assert abs(np.median(out.excess_residual[background])) < 2 * np.sqrt(2 * 40)
    assert np.median(out.excess_residual[test.truth_ppmm > 3600]) < np.median(
        (out.enhancement_ppmm / out.uncertainty_ppmm)[test.truth_ppmm > 3600] ** 2
    )


def test_exact_filter_corrects_in_sample_shrinkage(scene):
    clean, _ = scene
    logged = log_radiance(clean.radiance)[0]
    filt = _fit(ExactFilter, logged, clean.gas)
    plain = np.full(logged.shape[:2], 500.0)
    inside, _ = filt.finish(plain, plain, np.ones(plain.shape, bool))
    outside, _ = filt.finish(plain, plain, np.zeros(plain.shape, bool))
    expected = filt.pixels / (filt.pixels - filt.live_bands)  # 800 lines, 40 bands: 800 / 760
    np.testing.assert_allclose(np.median(inside / outside, axis=0), expected, rtol=0.02)


def test_sparse_filter_is_non_negative_and_zero_on_background(scene):
    clean, test = scene
    filt = _fit(SparseFilter, clean.radiance, clean.gas)
    out = filt.apply(test.radiance)
    sparse = filt.sparsify(out.enhancement_ppmm, out.albedo)
    assert (sparse >= 0).all()
    assert np.mean(sparse[test.truth_ppmm < 1] == 0) > 0.9
    assert np.median(sparse[test.truth_ppmm > 3600]) > 2000


def test_ace_significance_is_bounded_by_sqrt_bands(scene):
    clean, test = scene
    out = _fit(AceFilter, clean.radiance, clean.gas).apply(test.radiance)
    significance = out.enhancement_ppmm / out.uncertainty_ppmm
    assert np.all(np.abs(significance) <= np.sqrt(40) + 1e-3)
    assert np.median(significance[test.truth_ppmm > 3600]) > 3 * np.std(significance[test.truth_ppmm < 1])


def test_cluster_filter_assigns_classes_and_detects(scene):
    clean, test = scene
    model = ClusterModel.fit(clean.radiance[::4], k=3)
    labels = model.assign(clean.radiance)
    assert labels.min() >= 0 and labels.max() < model.classes
    block = clean.radiance.copy()
    groups = np.arange(8) // 4
    pooled = Background.fit(ColumnStats.from_block(block.copy()).grouped(groups), clean.gas.local_index)
    class_stats = []
    for k in range(model.classes):
        usable = labels == k
        class_stats.append(ColumnStats.from_block(block.copy(), usable).grouped(groups))
    filt = ClusterFilter.fit(model, class_stats, pooled, clean.gas, 40)
    out = filt.apply(test.radiance)
    assert np.median(out.enhancement_ppmm[test.truth_ppmm > 3600]) > 5 * np.std(
        out.enhancement_ppmm[test.truth_ppmm < 1]
    )


def test_one_call_matched_filter(scene):
    clean, _ = scene
    out = matched_filter(clean.radiance, clean.gas)
    assert out.enhancement_ppmm.shape == clean.radiance.shape[:2]
    assert np.isfinite(out.uncertainty_ppmm).all()


def test_shape_terms_of_scattered_pixels_match_the_whole_block(scene):
    clean, test = scene
    logged = log_radiance(test.radiance)[0]
    filt = _fit(ExactFilter, log_radiance(clean.radiance)[0], clean.gas)
    whole = filt.apply(logged, residual=True)
    pick = np.random.default_rng(3).random(logged.shape[:2]) < 0.2
    lines, samples = np.nonzero(pick)
    excess, explained = filt.shape_terms(logged[lines, samples], samples)
    np.testing.assert_allclose(excess, whole.excess_residual[pick], rtol=1e-4, atol=1e-2)
    np.testing.assert_allclose(explained, whole.gas_explained[pick], rtol=1e-4, atol=1e-3)


def test_shape_terms_are_the_same_with_their_batches_on_threads(scene):
    from concurrent.futures import ThreadPoolExecutor

    clean, test = scene
    logged = log_radiance(test.radiance)[0]
    filt = _fit(ExactFilter, log_radiance(clean.radiance)[0], clean.gas)
    lines, samples = np.nonzero(np.random.default_rng(5).random(logged.shape[:2]) < 0.3)
    alone = filt.shape_terms(logged[lines, samples], samples)
    with ThreadPoolExecutor(3) as pool:
        threaded = filt.shape_terms(logged[lines, samples], samples, pool.map)
    for a, b in zip(alone, threaded, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_filter_fitted_without_the_shape_test_applies_as_the_whole_one(scene):
    from plumewatch.detect.run import _with_columns

    clean, test = scene
    train, logged = log_radiance(clean.radiance)[0], log_radiance(test.radiance)[0]
    whole = _fit(ExactFilter, train, clean.gas)
    lean = _fit(ExactFilter, train, clean.gas, shape_test=False)
    assert lean.whitener is None and lean.shape_weights is None and lean.whitened_mean is None
    for a, b in zip(vars(whole.apply(logged)).values(), vars(lean.apply(logged)).values(), strict=True):
        np.testing.assert_array_equal(a, b)
    # a refit of some columns without the shape test leaves the spliced filter without it too
    spliced = _with_columns(whole, _fit(ExactFilter, train[:, :3], clean.gas, shape_test=False), np.arange(3))
    assert spliced.whitener is None and spliced.shape_offset is None
    np.testing.assert_array_equal(spliced.weights, whole.weights)


def test_finish_inverts_each_column_response(scene):
    clean, _ = scene
    filt = _fit(ExactFilter, log_radiance(clean.radiance)[0], clean.gas)
    rng = np.random.default_rng(4)
    alpha = rng.normal(scale=3000.0, size=(50, 8)) * rng.choice([1.0, 30.0], size=(50, 8))
    alpha[0, 0] = np.nan
    in_background = rng.random((50, 8)) < 0.5
    column, sigma = filt.finish(alpha, np.full((50, 8), 100.0), in_background)
    scale = np.where(in_background, filt.pixels / (filt.pixels - filt.live_bands), 1.0)
    for s in range(8):
        g = filt.response[s]
        a = alpha[1:, s] * scale[1:, s]
        expected = np.sign(a) * np.interp(np.abs(a), g, filt.grid_ppmm)
        np.testing.assert_allclose(column[1:, s], expected, rtol=1e-5, atol=1e-3)
    assert np.isnan(column[0, 0]) and np.all(sigma[1:] > 0)


def test_finish_of_a_map_equals_the_inversion_of_its_pixels_one_by_one(scene):
    # finish searches each column's table for its pixels; invert, for scattered pixels, searches
    # every column's table laid end to end: the two must find the same segments, to the bit
    clean, _ = scene
    filt = _fit(ExactFilter, log_radiance(clean.radiance)[0], clean.gas)
    rng = np.random.default_rng(5)
    alpha = rng.normal(scale=3000.0, size=(60, 8)) * rng.choice([1.0, 30.0], size=(60, 8))
    alpha[3, 2] = 0.0
    alpha[5, 1] = filt.response[1, 7]  # on a node exactly
    alpha[7, 4] = -2 * filt.response[4, -1]  # past the table's top, negative
    in_background = rng.random(alpha.shape) < 0.5
    in_background[5, 1] = False  # unscaled: still on the node
    sigma = rng.uniform(50.0, 150.0, size=alpha.shape)
    column, column_sigma = filt.finish(alpha, sigma, in_background)
    lines, samples = np.nonzero(np.ones(alpha.shape, dtype=bool))
    one_by_one, slope = filt.invert(alpha[lines, samples], samples, in_background[lines, samples])
    np.testing.assert_array_equal(column[lines, samples], one_by_one)
    np.testing.assert_array_equal(
        column_sigma[lines, samples], (sigma[lines, samples] * slope).astype(np.float32)
    )
    assert column[7, 4] == -filt.grid_ppmm[-1] and column[3, 2] == 0.0
