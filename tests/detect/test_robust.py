"""Which pixels leave the background: plume bodies yes, gas-like clutter without a plume's shape no."""

import warnings

import numpy as np
import pytest
from scipy import ndimage

from plumewatch.detect.robust import (
    FLAG_SIGMA,
    MIN_CORE_PIXELS,
    STRONG_SIGMA,
    body_test_pixels,
    box_mean,
    core_test_pixels,
    plume_cores,
    plume_flags,
    smoothed,
)
from plumewatch.detect.run import column_nanmedian, remove_column_offset

P = 70  # live bands


def _maps(seed=0, shape=(80, 40)):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=shape)
    excess = rng.normal(scale=np.sqrt(2 * P), size=shape)  # a pixel like its background
    explained = z**2
    return z, excess, explained


@pytest.mark.parametrize("shape", [(80, 40), (3, 2), (1, 1), (7, 1)])
@pytest.mark.parametrize("size", [1, 3, 5])
def test_box_mean_is_the_uniform_filter_with_nearest_edges(shape, size):
    values = np.random.default_rng(3).normal(size=shape) * 10.0
    values[0, -1] = 1e3  # an outlier at a corner: the edges repeat it
    expected = ndimage.uniform_filter(values, size, mode="nearest")
    np.testing.assert_allclose(box_mean(values, size), expected, rtol=1e-12, atol=1e-12)
    as_float32 = box_mean(values.astype(np.float32), size)
    assert as_float32.dtype == np.float32
    np.testing.assert_allclose(as_float32, expected, rtol=1e-5, atol=1e-4)
    counts = np.arange(np.prod(shape)).reshape(shape)  # integers: averaged in floats, not truncated
    np.testing.assert_allclose(
        box_mean(counts, size), ndimage.uniform_filter(counts * 1.0, size, mode="nearest")
    )


def test_plume_core_and_its_weak_body_are_flagged():
    z, excess, explained = _maps()
    yy, xx = np.mgrid[0:80, 0:40]
    plume = 2.5 * np.exp(-0.5 * (((yy - 40) / 12.0) ** 2 + ((xx - 20) / 5.0) ** 2))
    plume[38:42, 18:22] += 6.0  # the strong core near the source
    z = z + plume
    flags = plume_flags(z, excess, z**2, np.full(40, P))
    assert flags[38:42, 18:22].all()
    assert flags[plume > 1.0].mean() > 0.8  # the weak body joins the core
    assert flags[plume < 0.01].mean() < 0.01


def test_clutter_that_the_gas_does_not_explain_stays_in_the_background():
    z, excess, explained = _maps(1)
    z[10:14, 5:9] += 7.0  # strongly significant...
    excess[10:14, 5:9] += 400.0  # ...but most of its difference from the background is not gas
    flags = plume_flags(z, excess, z**2, np.full(40, P))
    assert not flags[10:14, 5:9].any()


def test_a_weak_patch_without_a_strong_core_is_not_a_plume():
    z, excess, _ = _maps(2)
    z[50:60, 20:30] += 1.5  # coherent but never above FLAG_SIGMA: textured ground, not a source
    z = np.minimum(z, FLAG_SIGMA - 0.1)
    assert not plume_flags(z, excess, z**2, np.full(40, P)).any()
    z[55, 25], excess[55, 25] = STRONG_SIGMA + 1.0, 0.0  # with a strong, gas-like pixel inside: a plume
    assert plume_flags(z, excess, z**2, np.full(40, P))[50:60, 20:30].mean() > 0.5


def test_a_lone_moderate_pixel_is_no_core_but_a_group_is():
    z, excess, _ = _maps(4)
    z = np.clip(z, -3.0, FLAG_SIGMA - 0.5)
    excess[:] = 0.0
    z[20, 10] = STRONG_SIGMA - 0.5  # alone: as likely a clutter pixel as gas
    assert not plume_flags(z, excess, z**2, np.full(40, P))[20, 10]
    z[60:62, 30 : 30 + MIN_CORE_PIXELS // 2] = FLAG_SIGMA + 0.5  # a connected group of them: a plume
    assert plume_flags(z, excess, z**2, np.full(40, P))[60:62, 30 : 30 + MIN_CORE_PIXELS // 2].all()


def test_without_residuals_only_significance_counts():
    z, _, _ = _maps(3)
    z[5, 5] = 9.0
    flags = plume_flags(z)
    assert flags[5, 5] and flags.sum() == (z > FLAG_SIGMA).sum()


def test_residuals_are_read_only_where_the_core_and_body_tests_say():
    z, excess, explained = _maps(seed=5, shape=(90, 50))
    z[30:40, 10:20] += 5.0  # a plume: cores and a weak body around them
    z[60:70, 30:33] += 2.0  # significant on average, with no core: clutter whose residuals never matter
    live = np.full(50, P)
    z_clean, mean_z = smoothed(z)
    candidates = core_test_pixels(z_clean)
    # the cores read the candidates' residuals alone: anything may stand elsewhere
    elsewhere = (np.where(candidates, excess, 1e6), np.where(candidates, explained, -1e6))
    core = plume_cores(z_clean, *elsewhere, live)
    np.testing.assert_array_equal(core, plume_cores(z_clean, excess, explained, live))
    body = body_test_pixels(core, mean_z)
    assert body[30:40, 10:20].all() and not body[60:70, 30:33].any()  # the area with no core is left out
    needed = candidates | body
    full = plume_flags(z, excess, explained, live)
    assert full[30:40, 10:20].mean() > 0.5
    for outside in (np.nan, 1e6):  # missing, or a residual far from the background's
        sparse = plume_flags(
            z, np.where(needed, excess, outside), np.where(needed, explained, -outside), live, core=core
        )
        np.testing.assert_array_equal(full, sparse)


def test_column_median_matches_numpy_nanmedian():
    rng = np.random.default_rng(3)
    values = rng.normal(size=(101, 7)).astype(np.float32)
    values[rng.random(values.shape) < 0.2] = np.nan
    values[:, 2] = np.nan  # no valid pixel
    values[:-1, 4] = np.nan  # one valid pixel
    values[:50, 5] = np.nan  # an even count
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.nanmedian(values, axis=0)
    np.testing.assert_array_equal(column_nanmedian(values), expected)
    plume = np.zeros(values.shape, dtype=bool)
    plume[:30, 0] = True
    shifted = remove_column_offset(values + 5.0, plume)
    assert abs(np.nanmedian(shifted[30:, 0])) < 1e-5
