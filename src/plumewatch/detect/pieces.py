"""Whole-array steps between the dask passes, split over the process's cores.

The fits and the plume tests run in the calling thread between passes, on (samples, ...) and
(lines, samples) arrays. NumPy's batched linear algebra and sorts and SciPy's ndimage filters
release the GIL, so pieces of one array run side by side on threads. Each piece's entries depend on
that piece alone, or on a margin of neighbours it carries along, so the joined result holds exactly
the values of one call over the whole array.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

MIN_PIECE = 16  # entries along the split axis below which a piece is not worth a thread


def in_pieces(
    step: Callable[[np.ndarray], np.ndarray], array: np.ndarray, *, axis: int = 0, margin: int = 0
) -> np.ndarray:
    """``step(array)``, computed on pieces of ``array`` along ``axis`` on threads (one per core) and joined.

    ``step`` must keep ``axis`` entry for entry, each depending on the entries within ``margin`` of
    it alone (0: on itself alone); every piece carries that many neighbours each side.
    """
    size = array.shape[axis]
    workers = min(os.cpu_count() or 1, size // MIN_PIECE)
    if workers < 2:
        return step(array)
    edges = np.linspace(0, size, workers + 1).round().astype(int)

    def piece(start: int, stop: int) -> np.ndarray:
        low, high = max(start - margin, 0), min(stop + margin, size)
        result = step(array[(slice(None),) * axis + (slice(low, high),)])
        return result[(slice(None),) * axis + (slice(start - low, stop - low),)]

    # a pool of its own: one made before a fork (as dask's default one) has no threads in the child
    with ThreadPoolExecutor(workers) as pool:
        return np.concatenate(list(pool.map(piece, edges[:-1], edges[1:])), axis=axis)
