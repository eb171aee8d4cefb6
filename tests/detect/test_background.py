"""Streaming background statistics and covariance shrinkage."""

import functools

import numpy as np
import pytest

from plumewatch.detect.background import (
    RIDGE_FRACTION,
    Background,
    ColumnStats,
    PendingStats,
    PixelSums,
    _cholesky,
    column_parts,
    replace_pixels,
)
from plumewatch.detect.shrinkage import shrink_covariance


def chan_merge(a: ColumnStats, b: ColumnStats) -> ColumnStats:
    """The statistics of two disjoint pixel sets' union by Chan et al.'s pairwise update (the reference)."""
    n = a.count + b.count
    delta = b.mean - a.mean
    mean = a.mean + delta * (b.count / np.maximum(n, 1.0))[:, None]
    weight = (a.count * b.count / np.maximum(n, 1.0))[:, None, None]
    return ColumnStats(
        count=n, mean=mean, scatter=a.scatter + b.scatter + weight * delta[:, :, None] * delta[:, None, :]
    )


def test_chunked_statistics_equal_one_pass(synthetic):
    cube = synthetic(1, lines=90, samples=6, bands=12).radiance
    usable = np.ones(cube.shape[:2], dtype=bool)
    usable[5, 2] = usable[40, 0] = False
    whole = ColumnStats.from_block(cube.copy(), usable)
    parts = functools.reduce(
        PendingStats.merge,
        [PendingStats.from_block(cube[i : i + 17].copy(), usable[i : i + 17]) for i in range(0, 90, 17)],
    ).total()
    np.testing.assert_allclose(parts.scatter, whole.scatter, rtol=1e-6, atol=1e-9)
    pixels = cube[:, 2][usable[:, 2]].astype(np.float64)
    np.testing.assert_allclose(whole.mean[2], pixels.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(
        whole.scatter[2] / len(pixels), np.cov(pixels.T, bias=True), rtol=1e-4, atol=1e-9
    )


def test_block_statistics_keep_the_variance_of_bright_columns():
    # radiance far above its spread: float32 keeps the variance only about a point near the mean
    rng = np.random.default_rng(4)
    cube = (1000.0 + 0.05 * rng.standard_normal((64, 4, 5)) @ rng.random((5, 5))).astype(np.float32)
    usable = np.ones(cube.shape[:2], dtype=bool)
    usable[::8, 1] = False  # none on the lines whose mean is the shift
    usable[:, 3] = False  # none at all
    before = cube.copy()
    stats = ColumnStats.from_block(cube, usable)
    np.testing.assert_array_equal(cube, before)
    for column in range(3):
        pixels = cube[:, column][usable[:, column]].astype(np.float64)
        np.testing.assert_allclose(stats.mean[column], pixels.mean(axis=0), rtol=1e-12)
        np.testing.assert_allclose(
            stats.scatter[column] / len(pixels), np.cov(pixels.T, bias=True), rtol=1e-4, atol=1e-9
        )
    assert stats.count[3] == 0 and np.all(stats.scatter[3] == 0.0)


def test_grouped_statistics_pool_columns(synthetic):
    cube = synthetic(2, lines=50, samples=6, bands=8).radiance
    grouped = ColumnStats.from_block(cube.copy()).grouped(np.arange(6) // 3)
    pixels = cube[:, 3:6].reshape(-1, 8).astype(np.float64)
    np.testing.assert_allclose(grouped.mean[1], pixels.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(grouped.covariance[1], np.cov(pixels.T, bias=True), rtol=1e-4, atol=1e-9)


def test_groups_of_unequal_width_pool_their_columns(synthetic):
    cube = synthetic(5, lines=40, samples=9, bands=6).radiance
    group_of_column = np.array([0, 1, 1, 1, 2, 2, 2, 2, 3])
    grouped = ColumnStats.from_block(cube.copy()).grouped(group_of_column)
    for group in range(4):
        pixels = cube[:, group_of_column == group].reshape(-1, 6).astype(np.float64)
        np.testing.assert_allclose(grouped.count[group], len(pixels))
        np.testing.assert_allclose(grouped.mean[group], pixels.mean(axis=0), rtol=1e-6)
        np.testing.assert_allclose(
            grouped.covariance[group], np.cov(pixels.T, bias=True), rtol=1e-4, atol=1e-9
        )


def test_pending_merges_equal_pairwise_merges_and_reuse_the_scatter(synthetic):
    cube = synthetic(6, lines=60, samples=4, bands=7).radiance
    usable = np.ones(cube.shape[:2], dtype=bool)
    usable[3:30, 1] = False  # one block with no usable pixel in column 1
    blocks = [slice(0, 25), slice(25, 31), slice(31, 60)]
    expected = ColumnStats.from_block(cube[0:25].copy(), usable[0:25])
    for rows in blocks[1:]:
        expected = chan_merge(expected, ColumnStats.from_block(cube[rows].copy(), usable[rows]))
    a, b, c = (PendingStats.from_block(cube[rows].copy(), usable[rows]) for rows in blocks)
    assert a.scatter.dtype == np.float32
    first = a.merge(b, in_place=True)
    scatter = first.scatter
    merged = first.merge(c, in_place=True)
    assert merged.scatter is scatter and scatter is a.scatter and scatter.dtype == np.float32
    total = merged.total()
    np.testing.assert_array_equal(total.count, expected.count)
    np.testing.assert_allclose(total.mean, expected.mean, rtol=1e-12)
    # the blocks' float32 scatters added in float32: one rounding per addition
    np.testing.assert_allclose(total.scatter, expected.scatter, rtol=1e-6, atol=1e-9)
    assert not np.array_equal(merged.scatter, total.scatter)  # the between-block scatter came in total


def test_pending_merges_collapse_beyond_the_limit(synthetic, monkeypatch):
    monkeypatch.setattr("plumewatch.detect.background.MAX_PENDING", 2)
    cube = synthetic(8, lines=40, samples=3, bands=5).radiance
    whole = ColumnStats.from_block(cube.copy())
    pending = PendingStats.from_block(cube[:10].copy())
    for start in range(10, 40, 10):
        pending = pending.merge(PendingStats.from_block(cube[start : start + 10].copy()))
        assert len(pending.counts) <= 2
    np.testing.assert_allclose(pending.total().scatter, whole.scatter, rtol=1e-5, atol=1e-6)


def test_pixel_sums_of_pieces_equal_those_of_the_pixels_stacked(synthetic):
    cube = synthetic(8, lines=60, samples=4, bands=5).radiance.astype(np.float64)
    reference = cube.mean(axis=0)
    lines, samples = np.nonzero(np.random.default_rng(2).random(cube.shape[:2]) < 0.3)
    spectra = cube[lines, samples]
    stacked, pieces = PixelSums.about(reference), PixelSums.about(reference)
    stacked.add(spectra, samples)
    pieces.add([spectra[:7], spectra[7:7], spectra[7:30], spectra[30:]], samples)  # an empty piece too
    np.testing.assert_array_equal(pieces.count, stacked.count)
    np.testing.assert_array_equal(pieces.total, stacked.total)
    np.testing.assert_array_equal(pieces.outer, stacked.outer)


def test_pixel_sums_from_parts_equal_sums_of_the_pixels(synthetic):
    cube = synthetic(7, lines=80, samples=5, bands=6).radiance.astype(np.float64)
    reference = cube.mean(axis=0)
    rng = np.random.default_rng(1)
    lines, samples = np.nonzero(rng.random(cube.shape[:2]) < 0.2)
    half = len(lines) // 2
    at_once, in_parts = PixelSums.about(reference), PixelSums.about(reference)
    at_once.add(cube[lines, samples], samples)
    for part in (slice(None, half), slice(half, None)):  # e.g. two blocks' tasks
        in_parts.add_parts(column_parts(cube[lines[part], samples[part]], samples[part], reference))
    np.testing.assert_array_equal(in_parts.count, np.bincount(samples, minlength=5))
    np.testing.assert_allclose(in_parts.total, at_once.total, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(in_parts.outer, at_once.outer, rtol=1e-12, atol=1e-12)
    deviation = cube[lines, samples] - reference[samples]
    column = samples == 2
    np.testing.assert_allclose(at_once.outer[2], deviation[column].T @ deviation[column], rtol=1e-12)


def test_dead_band_and_empty_column_survive(synthetic):
    syn = synthetic(3, lines=100, samples=4, bands=10, plumes=())
    cube = syn.radiance.copy()
    cube[..., 3] = 7.0  # a dead band: zero variance
    usable = np.ones((100, 4), dtype=bool)
    usable[:, 1] = False  # a column with no usable pixel
    background = Background.fit(ColumnStats.from_block(cube, usable).grouped(np.arange(4)), np.arange(10))
    assert background.usable.tolist() == [True, False, True, True]
    assert not background.band_ok[0, 3] and background.band_ok[0, 2]
    assert np.isfinite(background.cholesky).all()


@pytest.mark.parametrize("shrinkage", ["loo", "oas"])
def test_a_fit_of_some_groups_is_that_part_of_a_fit_of_all(synthetic, shrinkage):
    # the refit of the column groups that changed must give what a fit of every group gives there
    cube = synthetic(5, lines=120, samples=12, bands=10, plumes=()).radiance.copy()
    cube[..., 3] = 7.0  # a dead band, replaced by a placeholder in every group
    stats = ColumnStats.from_block(cube).grouped(np.arange(12) // 2)
    whole = Background.fit(stats, np.arange(10), shrinkage=shrinkage)
    only = np.array([1, 4])
    part = Background.fit(stats, np.arange(10), shrinkage=shrinkage, only=only)
    np.testing.assert_array_equal(part.group_of_column, [0, 0, 1, 1])  # columns 2, 3, 8, 9
    for name in ("count", "mean", "covariance", "cholesky", "shrinkage", "usable", "band_ok"):
        np.testing.assert_array_equal(getattr(part, name), getattr(whole, name)[only], err_msg=name)


@pytest.mark.parametrize("method", ["oas", "lw"])
def test_analytic_shrinkage_weight_falls_with_samples(method):
    rng = np.random.default_rng(5)
    mixing = np.eye(20) + 0.8 * rng.normal(size=(20, 20))
    few = np.cov((rng.normal(size=(30, 20)) @ mixing).T, bias=True)
    many = np.cov((rng.normal(size=(20000, 20)) @ mixing).T, bias=True)
    shrunk, rho_few = shrink_covariance(few[None], np.array([30.0]), method=method)
    _, rho_many = shrink_covariance(many[None], np.array([20000.0]), method=method)
    np.testing.assert_allclose(np.diag(shrunk[0]), np.diag(few))
    assert rho_many[0] < 0.05 < rho_few[0] <= 1.0


@pytest.mark.parametrize("method", ["loo", "oas"])
def test_shrinking_in_place_gives_the_same_covariances_and_leaves_the_input_alone_otherwise(method):
    rng = np.random.default_rng(6)
    pixels = rng.normal(size=(3, 40, 12)) @ (np.eye(12) + 0.5 * rng.normal(size=(12, 12)))
    cov = np.stack([np.cov(p.T, bias=True) for p in pixels])
    before = cov.copy()
    shrunk, rho = shrink_covariance(cov, np.full(3, 40.0), method=method)
    np.testing.assert_array_equal(cov, before)
    assert np.all(rho > 0)  # 40 pixels of 12 bands: a weight that changes the off-diagonal terms
    in_place, rho_in_place = shrink_covariance(cov, np.full(3, 40.0), method=method, overwrite_cov=True)
    assert in_place is cov
    np.testing.assert_array_equal(in_place, shrunk)
    np.testing.assert_array_equal(rho_in_place, rho)


def test_leave_one_out_weight_is_small_for_high_snr_and_large_for_few_samples(synthetic):
    cube = synthetic(4, lines=400, samples=2, bands=40, plumes=()).radiance
    stats = ColumnStats.from_block(cube.copy()).grouped(np.zeros(2, dtype=int))
    _, rho = shrink_covariance(stats.covariance, stats.count, method="loo")
    assert rho[0] < 1e-3
    rng = np.random.default_rng(0)
    few = rng.normal(size=(25, 40))  # white noise, fewer samples than twice the bands: shrink hard
    _, rho_white = shrink_covariance(np.cov(few.T, bias=True)[None], np.array([25.0]), method="loo")
    assert rho_white[0] > 0.3


def test_swapping_pixel_sums_equals_recomputing_the_statistics(synthetic):
    cube = synthetic(4, lines=120, samples=5, bands=9).radiance.astype(np.float64)
    stats = ColumnStats.from_block(cube.astype(np.float32), np.ones(cube.shape[:2], bool))
    rng = np.random.default_rng(0)
    flagged = rng.random(cube.shape[:2]) < 0.1
    flagged[:, 3] = False  # a column without flagged pixels
    lines, samples = np.nonzero(flagged)
    changed = cube.copy()
    changed[flagged] *= 1.0 + 0.05 * rng.random((flagged.sum(), 1))  # e.g. the gas taken out
    removed, added = PixelSums.about(stats.mean), PixelSums.about(stats.mean)
    removed.add(cube[lines, samples], samples)
    added.add(changed[lines, samples], samples)
    for swapped, expected in (
        (replace_pixels(stats, removed), (cube, ~flagged)),
        (replace_pixels(stats, removed, added), (changed, np.ones(cube.shape[:2], bool))),
    ):
        block, usable = expected
        direct = ColumnStats.from_block(block.copy(), usable)
        np.testing.assert_allclose(swapped.count, direct.count)
        np.testing.assert_allclose(swapped.mean, direct.mean, rtol=1e-6)
        np.testing.assert_allclose(swapped.scatter, direct.scatter, rtol=2e-6, atol=1e-9)


def test_a_group_that_is_not_positive_definite_gets_a_ridge_the_others_do_not():
    rng = np.random.default_rng(9)
    spread = rng.standard_normal((40, 3, 20))
    cov = spread @ spread.transpose(0, 2, 1)
    cov[37] = np.diag([1.0, 1.0, -1e-9])  # among many groups: the batch is split over threads
    factors = _cholesky(cov)
    good = np.arange(40) != 37
    np.testing.assert_array_equal(factors[good], np.linalg.cholesky(cov[good]))
    ridge = np.trace(cov[37]) / 3 * RIDGE_FRACTION
    np.testing.assert_allclose(factors[37] @ factors[37].T, cov[37] + ridge * np.eye(3), atol=1e-12)


def test_pixel_sums_of_float32_spectra_are_their_float64_sums_to_float32_rounding(synthetic):
    cube = synthetic(9, lines=200, samples=3, bands=6).radiance.astype(np.float64)
    reference = cube.mean(axis=0)
    lines, samples = np.nonzero(np.random.default_rng(4).random(cube.shape[:2]) < 0.5)
    exact, rounded = PixelSums.about(reference), PixelSums.about(reference)
    exact.add(cube[lines, samples], samples)
    rounded.add(cube[lines, samples].astype(np.float32), samples)
    assert rounded.outer.dtype == np.float64  # the products are float32, their sums kept in float64
    scale = np.abs(exact.outer).max(axis=(1, 2))[:, None, None]
    error = np.abs(rounded.outer - exact.outer) / scale
    assert 0 < error.max() < 1e-6  # float32, not float64, and not worse than float32 rounding
    np.testing.assert_allclose(rounded.total, exact.total, rtol=0, atol=1e-5 * np.abs(cube).max())
