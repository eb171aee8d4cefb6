"""The streaming passes' blocks: pass 1's and the later passes' preparations agree."""

import numpy as np
import pytest

from plumewatch.detect import passes
from plumewatch.detect.background import ColumnStats
from plumewatch.detect.exact import LOG_FLOOR
from plumewatch.detect.masks import MaskPlan


@pytest.mark.parametrize("log_space", [True, False])
def test_pass_one_and_later_passes_prepare_the_same_block(log_space):
    rng = np.random.default_rng(2)
    raw = (5.0 + rng.random((30, 6, 8))).astype(np.float32)
    raw[4, 1, :] = 200.0  # saturated
    raw[4, 1, 3] = 0.0  # and with no logarithm
    raw[9, 2, 5] = -0.5  # no logarithm alone
    raw[12, 4, 6] = np.nan  # no data
    how = passes.Preparation(log_space, slice(0, 7), np.array([7]))
    plan = MaskPlan(check_index=np.arange(7), reflectance_factor=None, saturation_radiance=100.0)
    block, flags, excluded, stats = passes.first_prepared(raw, how, plan)
    assert flags["saturated"][4, 1] and flags["nodata"][12, 4] and flags["nodata"].sum() == 1
    if log_space:
        assert flags["nonpositive"][4, 1] and flags["nonpositive"][9, 2] and flags["nonpositive"].sum() == 2
        assert block[4, 1, 3] == LOG_FLOOR and block[9, 2, 5] == LOG_FLOOR
    np.testing.assert_array_equal(passes.prepare(raw, how, excluded), block)
    # the statistics are those of the pixels left, found however their columns were flagged
    expected = ColumnStats.from_block(np.where(excluded[..., None], np.nan, block), ~excluded)
    total = stats.total()
    np.testing.assert_allclose(total.mean, expected.mean, rtol=1e-12)
    np.testing.assert_allclose(total.scatter, expected.scatter, rtol=1e-6, atol=1e-9)
    assert np.isfinite(total.scatter).all()
