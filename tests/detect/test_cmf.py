"""The clutter matched filter on synthetic backgrounds with injected targets."""

import numpy as np
import pytest

from plumewatch.detect.background import ColumnStats, shrink_covariance
from plumewatch.detect.cmf import fit_column_filter


def _background(rng, lines, samples, bands):
    """Correlated Gaussian radiance with a different mean per column (detector response)."""
    mixing = rng.normal(size=(bands, bands)) * 0.05 + np.eye(bands)
    base = 10.0 + 2.0 * np.sin(np.linspace(0, 3, bands))
    column_gain = 1.0 + 0.05 * rng.normal(size=(samples, 1))
    noise = rng.normal(size=(lines, samples, bands)) @ mixing.T * 0.2
    return (base[None, None, :] * column_gain[None, :, :] + noise).astype(np.float32)


def _absorption(bands):
    k = np.zeros(bands)
    k[bands // 3 : bands // 3 + 6] = 2e-5
    k[2 * bands // 3 : 2 * bands // 3 + 4] = 4e-5
    return k


def test_chunked_accumulation_equals_one_pass():
    rng = np.random.default_rng(1)
    cube = _background(rng, 60, 8, 12)
    usable = np.ones(cube.shape[:2], dtype=bool)
    whole = ColumnStats.empty(8, 12, group_size=2)
    whole.add(cube, usable)
    parts = ColumnStats.empty(8, 12, group_size=2)
    for start in range(0, 60, 17):
        chunk = ColumnStats.empty(8, 12, group_size=2)
        chunk.add(cube[start : start + 17], usable[start : start + 17])
        parts = parts.merge(chunk)
    np.testing.assert_allclose(parts.outer, whole.outer, rtol=1e-10)
    mean, cov = whole.mean_and_covariance()
    np.testing.assert_allclose(mean[0], cube[:, :2].reshape(-1, 12).mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(cov[0], np.cov(cube[:, :2].reshape(-1, 12).T, bias=True), rtol=1e-4, atol=1e-8)


def test_recovers_injected_enhancement_and_honest_sigma():
    rng = np.random.default_rng(2)
    lines, samples, bands = 400, 6, 30
    cube = _background(rng, lines, samples, bands)
    k = _absorption(bands)
    stats = ColumnStats.empty(samples, bands, group_size=1)
    stats.add(cube, np.ones((lines, samples), dtype=bool))
    filt = fit_column_filter(stats, k, air_mass_factor=2.0)

    background_alpha = filt.apply(cube)
    # The filter output on background pixels is zero-mean with the stated 1-sigma spread.
    assert abs(np.mean(background_alpha)) < 0.1 * np.mean(filt.sigma_ppmm)
    np.testing.assert_allclose(np.std(background_alpha, axis=0), filt.sigma_ppmm, rtol=0.15)

    enhancement_ppmm = 5.0 * filt.sigma_ppmm.max()
    plume = cube[:20].copy()
    plume -= filt.mean[None] * k * 2.0 * enhancement_ppmm
    retrieved = filt.apply(plume)
    assert np.median(retrieved) == pytest.approx(enhancement_ppmm, rel=0.1)


def test_singular_covariance_is_survived():
    rng = np.random.default_rng(3)
    cube = _background(rng, 100, 4, 10)
    cube[..., 3] = 7.0  # a dead band: zero variance
    stats = ColumnStats.empty(4, 10, group_size=1)
    stats.add(cube, np.ones((100, 4), dtype=bool))
    filt = fit_column_filter(stats, _absorption(10), air_mass_factor=2.0)
    assert filt.usable_columns.all()
    assert np.isfinite(filt.apply(cube)).all()


def test_too_few_pixels_marks_column_unusable():
    rng = np.random.default_rng(4)
    cube = _background(rng, 50, 3, 40)
    usable = np.ones((50, 3), dtype=bool)
    usable[:, 1] = False  # a column with no valid pixel
    stats = ColumnStats.empty(3, 40, group_size=1)
    stats.add(cube, usable)
    filt = fit_column_filter(stats, _absorption(40), air_mass_factor=2.0)
    assert filt.usable_columns.tolist() == [True, False, True]


def test_shrinkage_weight_bounds():
    rng = np.random.default_rng(5)
    mixing = np.eye(20) + 0.8 * rng.normal(size=(20, 20))  # strongly correlated bands
    x = rng.normal(size=(30, 20)) @ mixing
    cov = np.cov(x.T, bias=True)
    shrunk, rho = shrink_covariance(cov, 30)
    assert 0.0 < rho <= 1.0
    np.testing.assert_allclose(np.diag(shrunk), np.diag(cov))
    # Many samples of correlated bands: the sample covariance is trusted, little shrinkage.
    x_many = rng.normal(size=(20000, 20)) @ mixing
    _, rho_many = shrink_covariance(np.cov(x_many.T, bias=True), 20000)
    assert rho_many < 0.05 < rho
