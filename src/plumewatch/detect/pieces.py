"""Whole-array steps between the dask passes, split over the process's cores.

The fits and the plume tests run in the calling thread between passes, on (samples, ...) and
(lines, samples) arrays. NumPy's batched linear algebra, its sorts and its element-wise steps on
large arrays release the GIL, so pieces of one array run side by side on threads. Each piece's
entries depend on that piece alone, so the joined result holds exactly the values of one call over
the whole array.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

MIN_PIECE = 16  # entries along the split axis below which a piece is not worth a thread


def in_pieces(step: Callable, *arrays: np.ndarray, axis: int = 0):
    """``step(*arrays)``, computed on pieces of ``arrays`` along ``axis`` on threads (one per core), joined.

    The arrays are cut alike (they must share that axis's length); ``step`` returns an array, or a
    tuple of arrays (each joined). It must keep ``axis`` entry for entry, each entry depending on
    the arrays' entries at the same place along ``axis`` alone.
    """
    size = arrays[0].shape[axis]
    workers = min(os.cpu_count() or 1, size // MIN_PIECE)
    if workers < 2:
        return step(*arrays)
    edges = np.linspace(0, size, workers + 1).round().astype(int)

    def cut(array: np.ndarray, start: int, stop: int) -> np.ndarray:
        return array[(slice(None),) * axis + (slice(start, stop),)]

    def piece(start: int, stop: int):
        return step(*(cut(a, start, stop) for a in arrays))

    # a pool of its own: one made before a fork (as dask's default one) has no threads in the child
    with ThreadPoolExecutor(workers) as pool:
        parts = list(pool.map(piece, edges[:-1], edges[1:]))
    if isinstance(parts[0], tuple):
        return tuple(np.concatenate(joined, axis=axis) for joined in zip(*parts, strict=True))
    return np.concatenate(parts, axis=axis)
