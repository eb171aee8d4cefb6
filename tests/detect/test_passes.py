"""The streaming passes' blocks: pass 1's and the later passes' preparations agree; flagged pixels."""

import dataclasses

import numpy as np
import pytest

from plumewatch.detect import passes
from plumewatch.detect.background import ColumnStats
from plumewatch.detect.exact import LOG_FLOOR
from plumewatch.detect.masks import MaskPlan
from plumewatch.detect.targets import GasModel


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


@pytest.mark.parametrize("local_index", [np.arange(1, 5), np.array([0, 2, 5])], ids=["run", "scattered"])
def test_flagged_pixels_lose_their_gas_column_interpolated_in_the_table(local_index):
    rng = np.random.default_rng(3)
    block = rng.normal(size=(10, 4, 6)).astype(np.float32)
    excluded = np.zeros((10, 4), dtype=bool)
    excluded[2, 1] = True  # flagged but masked: left out
    flagged = np.zeros((10, 4), dtype=bool)
    flagged[[1, 2, 5, 7], [0, 1, 3, 3]] = True
    grid = np.array([0.0, 100.0, 400.0, 1600.0])
    table = -np.outer(grid, 1.0 + np.arange(len(local_index))) * 1e-4 - 1e-8 * grid[:, None] ** 2
    gas = GasModel("ch4", local_index, local_index, np.ones(len(local_index)), 2.0, (2100.0, 2400.0))
    gas = dataclasses.replace(gas, exact_grid_ppmm=grid, exact_log_ratio=table)
    columns = np.zeros((1, 10, 4))
    columns[0][flagged] = [50.0, 3000.0, 400.0, 2500.0]  # between nodes, masked, on a node, past the last
    how = passes.Preparation(True, slice(0, 6), np.array([], dtype=int))
    samples, spectra, cleaned = passes.flagged_pixels(
        passes.Kept(block), excluded, flagged, columns, [gas], how
    )
    np.testing.assert_array_equal(samples, [0, 3, 3])
    np.testing.assert_array_equal(spectra, block[[1, 5, 7], [0, 3, 3]])
    expected = spectra.astype(float)
    for row, amount in enumerate([50.0, 400.0, 2500.0]):
        gas_part = [np.interp(amount, grid, table[:, j]) for j in range(len(local_index))]
        expected[row, local_index] -= gas_part
    np.testing.assert_allclose(cleaned, expected, rtol=1e-6, atol=1e-7)
    others = np.setdiff1d(np.arange(6), local_index)
    np.testing.assert_array_equal(cleaned[:, others], spectra[:, others])
