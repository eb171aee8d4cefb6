"""Whole-array steps split over threads give the values of one call."""

import numpy as np
import pytest

from plumewatch.detect import pieces


@pytest.mark.parametrize("cores", [1, 2, 3])
def test_pieces_give_the_whole_step_on_any_number_of_cores(monkeypatch, cores):
    monkeypatch.setattr(pieces.os, "cpu_count", lambda: cores)
    matrices = np.random.default_rng(5).standard_normal((101, 4, 4))
    matrices = matrices @ matrices.transpose(0, 2, 1) + np.eye(4)
    np.testing.assert_array_equal(
        pieces.in_pieces(np.linalg.cholesky, matrices), np.linalg.cholesky(matrices)
    )


def test_pieces_along_another_axis_and_errors_come_back(monkeypatch):
    monkeypatch.setattr(pieces.os, "cpu_count", lambda: 4)
    values = np.random.default_rng(6).random((30, 70))
    sort = lambda part: np.sort(part, axis=0)  # noqa: E731
    np.testing.assert_array_equal(pieces.in_pieces(sort, values, axis=1), sort(values))
    matrices = np.stack([np.eye(3)] * 40)
    matrices[33] = -np.eye(3)  # not positive definite, in the last piece
    with pytest.raises(np.linalg.LinAlgError):
        pieces.in_pieces(np.linalg.cholesky, matrices)


def test_pieces_of_several_arrays_give_each_result_of_the_whole(monkeypatch):
    monkeypatch.setattr(pieces.os, "cpu_count", lambda: 3)
    rng = np.random.default_rng(7)
    a, b = rng.random((50, 4)), rng.random((50, 4))

    def step(x, y):
        return x * y, np.cumsum(x + y, axis=1)

    joined = pieces.in_pieces(step, a, b)
    for got, expected in zip(joined, step(a, b), strict=True):
        np.testing.assert_array_equal(got, expected)
