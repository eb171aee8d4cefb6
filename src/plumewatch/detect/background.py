"""Per-column background statistics, accumulated chunk by chunk, and the fitted background model.

Pushbroom detectors have their own response per cross-track column, so the
background mean and covariance are estimated per column (or per group of
neighbouring columns when a flight line is too short for one column alone).
Each chunk is shifted close to its own column means and reduced with one batched
GEMM (float32, the BLAS's fast path); chunks are then merged by the update of Chan,
Golub & LeVeque (1983): their scatters add (in float32, like the products), plus the
scatter of their means about the common mean (float64, one product for them all).
Memory stays flat however long the flight line, and no precision is lost to
E[xx] - E[x]^2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import lapack

from plumewatch.detect.pieces import in_pieces
from plumewatch.detect.shrinkage import loo_sample, shared_loo_weight, shrink_covariance

# A band whose variance is this small a fraction of the median band's is dead
# (constant): it carries no information and would make the covariance singular.
DEAD_BAND_FRACTION = 1e-8
# Relative ridge added to the diagonal when a shrunk covariance still fails Cholesky.
RIDGE_FRACTION = 1e-6
# Sets whose means wait to be merged (``PendingStats``): bounds their memory on a long flight line.
MAX_PENDING = 64
# A block's pixels are shifted by the mean of those on every this-many lines before their product.
SHIFT_STEP = 8
# A block's columns are shifted and reduced this many at a time: the shifted (lines, columns, bands)
# piece stays in the core's cache for its products and sums, where a shifted copy of the whole
# block would go out to memory and back (about 5 % faster a block, docs/benchmarks.md).
COLUMNS_PER_PIECE = 16


@dataclass
class ColumnStats:
    """Per-column pixel count, mean and scatter (sum of outer products of deviations), float64."""

    count: np.ndarray  # (samples,)
    mean: np.ndarray  # (samples, bands)
    scatter: np.ndarray  # (samples, bands, bands)

    @classmethod
    def from_block(cls, block: np.ndarray, usable: np.ndarray | None = None) -> ColumnStats:
        """Statistics of a (lines, samples, bands) float32 block, which is left as it is.

        ``usable`` (lines, samples) picks the pixels; the others (NaN or masked) are ignored.
        """
        return PendingStats.from_block(block, usable).total()

    def grouped(self, group_of_column: np.ndarray) -> GroupStats:
        """Pool columns into groups; ``group_of_column`` must be non-decreasing (neighbouring columns)."""
        starts = np.flatnonzero(np.r_[True, np.diff(group_of_column) != 0])
        if len(starts) == len(group_of_column):  # one column per group: nothing to pool
            return GroupStats(
                group_of_column=np.asarray(group_of_column),
                count=self.count,
                mean=np.where(self.count[:, None] > 0, self.mean, 0.0),
                covariance=self.scatter / np.maximum(self.count, 1.0)[:, None, None],
            )
        count = np.add.reduceat(self.count, starts)
        safe = np.maximum(count, 1.0)
        mean = np.add.reduceat(self.count[:, None] * self.mean, starts, axis=0) / safe[:, None]
        deviation = (self.mean - mean[group_of_column]) * np.sqrt(self.count)[:, None]
        scatter = _sum_runs(self.scatter, starts)
        scatter += _sum_runs(deviation[:, :, None] * deviation[:, None, :], starts)
        return GroupStats(
            group_of_column=np.asarray(group_of_column),
            count=count,
            mean=mean,
            covariance=scatter / safe[:, None, None],
        )


def _sum_runs(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """``np.add.reduceat(values, starts, axis=0)`` for increasing ``starts``, added in the same order.

    One vectorised step per position within the runs (runs are a few columns long): NumPy's
    reduceat along a leading axis is some 20x slower on (samples, bands, bands) arrays.
    """
    lengths = np.diff(np.r_[starts, len(values)])
    total = values[starts]  # a copy
    for step in range(1, int(lengths.max(initial=1))):
        longer = lengths > step
        total[longer] += values[starts[longer] + step]
    return total


def _centred_scatter(
    block: np.ndarray, usable: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(count (samples,), mean (samples, bands) float64, scatter about the mean float32).

    Of a (lines, samples, bands) block's ``usable`` pixels (all if None); ``block`` is left as it is.
    The pixels are shifted by a point close to their mean (``_shift``), which keeps float32 from
    losing the variance to E[xx] - E[x]^2; their sums of deviations from it give the mean and the
    scatter about it exactly, so no separate pass sums the block's columns first. A non-finite value
    in a usable pixel leaves its column's mean and scatter non-finite.
    """
    usable = np.ones(block.shape[:2], dtype=bool) if usable is None else usable
    samples, bands = block.shape[1:]
    count = usable.sum(axis=0).astype(np.float64)
    shift = np.empty((samples, bands), dtype=np.float32)
    deviation = np.empty((samples, bands), dtype=np.float32)
    scatter = np.empty((samples, bands, bands), dtype=np.float32)
    # inf - inf and inf * 0: a non-finite value makes its column's statistics non-finite, as it should
    with np.errstate(invalid="ignore"):
        for start in range(0, samples, COLUMNS_PER_PIECE):
            columns = slice(start, start + COLUMNS_PER_PIECE)
            shift[columns] = _shift(block[:, columns], usable[:, columns])
            shifted = np.subtract(block[:, columns], shift[None, columns])
            shifted[~usable[:, columns]] = 0.0
            # (columns, bands, lines) @ (columns, lines, bands): numpy hands each column to BLAS (syrk)
            part = np.matmul(shifted.transpose(1, 2, 0), shifted.transpose(1, 0, 2), out=scatter[columns])
            deviation[columns] = shifted.sum(axis=0)  # float32 sums of small deviations: as precise
            # about the mean: less n (m - shift)(m - shift)^T
            root = deviation[columns] / np.sqrt(np.maximum(count[columns], 1.0)).astype(np.float32)[:, None]
            part -= root[:, :, None] * root[:, None, :]
    return count, shift.astype(np.float64) + deviation / np.maximum(count, 1.0)[:, None], scatter


def _shift(block: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """(samples, bands) float32 near each column's mean: its usable pixels' on every ``SHIFT_STEP``-th line.

    Exactly the value of a constant column. Columns with no usable pixel on those lines take the
    mean of all their usable pixels (zero if none).
    """
    picked = usable[::SHIFT_STEP]
    count = picked.sum(axis=0)
    total = np.where(picked[..., None], block[::SHIFT_STEP], 0.0).sum(axis=0, dtype=np.float64)
    missing = np.flatnonzero(count == 0)
    if len(missing):
        count[missing] = usable[:, missing].sum(axis=0)
        picked_all = np.where(usable[:, missing, None], block[:, missing], 0.0)
        total[missing] = picked_all.sum(axis=0, dtype=np.float64)
    return (total / np.maximum(count, 1)[:, None]).astype(np.float32)


@dataclass
class PendingStats:
    """Per-column statistics of disjoint pixel sets, merged by adding their scatters alone.

    ``scatter`` sums each set's scatter about its own mean; the scatter of the sets' means about
    their common mean is added once, by one batched product over the sets, in ``total`` (or when
    ``MAX_PENDING`` sets wait), instead of a rank-1 update of the whole (samples, bands, bands)
    array at every pairwise merge. Exactly the statistics of Chan et al.'s merges.
    """

    scatter: np.ndarray  # (samples, bands, bands), float32 while merged from blocks alone
    counts: np.ndarray  # (sets, samples)
    means: np.ndarray  # (sets, samples, bands)

    @classmethod
    def of(cls, stats: ColumnStats) -> PendingStats:
        """One set's statistics."""
        return cls(stats.scatter, stats.count[None], stats.mean[None])

    @classmethod
    def from_block(cls, block: np.ndarray, usable: np.ndarray | None = None) -> PendingStats:
        """``ColumnStats.from_block``'s statistics, the scatter left in float32 for the merges."""
        count, mean, scatter32 = _centred_scatter(block, usable)
        return cls(scatter32, count[None], mean[None])

    def merge(self, other: PendingStats, *, in_place: bool = False) -> PendingStats:
        """Statistics of the union of the two sets' pixels.

        ``in_place``: the result takes over this object's scatter array where it has the sum's dtype
        (for partial statistics used once, as in a reduction tree), which saves allocating and
        filling a fresh one. Blocks' float32 scatters add in float32: a tree of additions rounds a
        few times, far less than the float32 product of each block, and saves the casts to float64.
        """
        dtype = np.result_type(self.scatter, other.scatter)
        if in_place and self.scatter.dtype == dtype:
            scatter = np.add(self.scatter, other.scatter, out=self.scatter)
        else:
            scatter = np.add(self.scatter, other.scatter, dtype=dtype)
        merged = PendingStats(
            scatter, np.concatenate([self.counts, other.counts]), np.concatenate([self.means, other.means])
        )
        return PendingStats.of(merged.total()) if len(merged.counts) > MAX_PENDING else merged

    def total(self) -> ColumnStats:
        """The merged per-column count, mean and scatter, float64."""
        count = self.counts.sum(axis=0)
        safe = np.maximum(count, 1.0)
        mean = np.einsum("ks,ksb->sb", self.counts, self.means) / safe[:, None]
        scatter = self.scatter.astype(np.float64)  # a copy: ``self`` stays as it was
        if len(self.counts) > 1:
            deviation = np.sqrt(self.counts)[:, :, None] * (self.means - mean[None])  # (sets, samples, bands)
            scatter += np.matmul(deviation.transpose(1, 2, 0), deviation.transpose(1, 0, 2))
        return ColumnStats(count=count, mean=mean, scatter=scatter)


@dataclass
class GroupStats:
    """Pooled statistics per column group: count (g,), mean (g, bands), covariance (g, bands, bands)."""

    group_of_column: np.ndarray
    count: np.ndarray
    mean: np.ndarray
    covariance: np.ndarray


@dataclass
class Background:
    """Fitted Gaussian background per column group on a subset of bands, with its Cholesky factor.

    ``band_ok`` marks, per group, bands that are alive; dead bands get zero weight in every filter.
    """

    group_of_column: np.ndarray  # (samples,)
    count: np.ndarray  # (groups,)
    mean: np.ndarray  # (groups, bands)
    covariance: np.ndarray  # (groups, bands, bands), shrunk
    cholesky: np.ndarray  # (groups, bands, bands), lower
    shrinkage: np.ndarray  # (groups,)
    usable: np.ndarray  # (groups,) bool
    band_ok: np.ndarray  # (groups, bands) bool

    @classmethod
    def fit(
        cls,
        stats: GroupStats,
        band_index: np.ndarray,
        *,
        shrinkage: str = "loo",
        min_pixels: int | None = None,
        only: np.ndarray | None = None,
    ) -> Background:
        """Shrunk, factorised per-group covariance on ``band_index`` (robust to singular covariance).

        ``only`` (increasing group indices): fit just those groups, for the columns they hold, with
        the shrinkage weight a fit of every group would choose (a refit of the groups whose pixels
        changed gives the same filters as a fit of all).
        """
        bands = len(band_index)
        min_pixels = bands // 4 + 2 if min_pixels is None else min_pixels
        groups = slice(None) if only is None else np.asarray(only)
        mean, cov, band_ok, usable = _prepared(stats, band_index, groups, min_pixels)
        weight = None
        if only is not None and shrinkage == "loo":
            pick = loo_sample(stats.count, bands)
            weight = shared_loo_weight(_prepared(stats, band_index, pick, min_pixels)[1], stats.count[pick])
        shrunk, rho = shrink_covariance(
            cov, stats.count[groups], method=shrinkage, weight=weight, overwrite_cov=True
        )
        group_of_column = stats.group_of_column
        if only is not None:
            inside = np.isin(group_of_column, groups)
            group_of_column = np.searchsorted(groups, group_of_column[inside])
        return cls(
            group_of_column, stats.count[groups], mean, shrunk, _cholesky(shrunk), rho, usable, band_ok
        )

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        """C^-1 rhs per group for rhs (groups, bands, m), by two triangular solves with the Cholesky factor.

        LAPACK's potrs per group: NumPy's batched solver would factorise each triangle again (LU).
        """
        return np.stack([lapack.dpotrs(c, r, lower=1)[0] for c, r in zip(self.cholesky, rhs, strict=True)])

    def whitener(self) -> np.ndarray:
        """L^-1 per group (groups, bands, bands): |L^-1 (x - mu)|^2 is the Mahalanobis distance."""
        # the transposed factor is an upper one in Fortran order, which LAPACK takes without a copy
        return np.stack([lapack.dtrtri(c.T, lower=0)[0].T for c in self.cholesky])


def _prepared(stats: GroupStats, band_index: np.ndarray, groups: np.ndarray | slice, min_pixels: int):
    """(mean, covariance, band_ok, usable) of ``groups`` (indices, or a slice) on ``band_index``, to shrink.

    Dead bands are replaced by unit-variance, uncorrelated placeholders (their weights are zeroed
    later); a group that cannot be used holds the identity.
    """
    mean = stats.mean[groups][:, band_index]
    run = as_slice(band_index)
    if isinstance(run, slice):  # one run of bands: sliced and copied, 4x faster than fancy indexing
        cov = stats.covariance[groups][:, run, run]
        if np.may_share_memory(cov, stats.covariance):  # not yet a copy (groups a slice): changed below
            cov = cov.copy()
    else:
        cov = stats.covariance[groups][:, band_index[:, None], band_index[None, :]]
    bands = len(band_index)
    variance = np.diagonal(cov, axis1=1, axis2=2).copy()
    typical = np.median(variance, axis=1, keepdims=True)
    band_ok = variance > DEAD_BAND_FRACTION * np.maximum(typical, 1e-300)
    count = stats.count[groups]
    usable = (count >= min_pixels) & np.isfinite(cov).all(axis=(1, 2)) & (band_ok.sum(axis=1) >= 2)
    dead = ~band_ok
    if dead.any():
        cov[dead[:, :, None] | dead[:, None, :]] = 0.0
        cov[:, np.arange(bands), np.arange(bands)] = np.where(dead, np.maximum(typical, 1.0), variance)
    cov[~usable] = np.eye(bands)
    return mean, cov, band_ok, usable


def as_slice(index: np.ndarray) -> slice | np.ndarray:
    """``index`` as a slice where it is one increasing run (picking it then makes a view), else as it is."""
    if len(index) and np.all(np.diff(index) == 1):
        return slice(int(index[0]), int(index[-1]) + 1)
    return index


def _cholesky(cov: np.ndarray) -> np.ndarray:
    """Lower Cholesky factors; a group that is not positive definite gets a growing ridge."""
    try:
        return in_pieces(np.linalg.cholesky, cov)
    except np.linalg.LinAlgError:
        pass
    factors = np.empty_like(cov)
    for g, c in enumerate(cov):
        scale = float(np.trace(c)) / len(c) or 1.0
        ridge = 0.0
        for _ in range(12):
            try:
                factors[g] = np.linalg.cholesky(c + ridge * np.eye(len(c)))
                break
            except np.linalg.LinAlgError:
                ridge = scale * RIDGE_FRACTION if ridge == 0 else ridge * 10
        else:
            factors[g] = np.sqrt(scale) * np.eye(len(c))
    return factors


@dataclass
class PixelSums:
    """Per-column sums over scattered pixels, accumulated in place: count, deviations, outer products.

    Deviations are taken from a fixed per-column ``reference`` (the background mean), near which
    these pixels lie, so the sums of their outer products keep their precision.
    """

    reference: np.ndarray  # (samples, bands)
    count: np.ndarray  # (samples,)
    total: np.ndarray  # (samples, bands) sum of deviations from the reference
    outer: np.ndarray  # (samples, bands, bands) sum of their outer products

    @classmethod
    def about(cls, reference: np.ndarray) -> PixelSums:
        """Empty sums about ``reference`` (samples, bands)."""
        samples, bands = reference.shape
        return cls(
            reference, np.zeros(samples), np.zeros((samples, bands)), np.zeros((samples, bands, bands))
        )

    def add(self, spectra: np.ndarray | list[np.ndarray], columns: np.ndarray) -> None:
        """Add pixels: ``spectra`` (n, bands), or pieces whose rows make it up, in ``columns`` (n,)."""
        self.add_parts(column_parts(spectra, columns, self.reference))

    def add_parts(self, parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]) -> None:
        """Add the per-column sums of ``column_parts``, made apart (of some of the pixels, say)."""
        for present, count, total, outer in parts:
            self.count[present] += count
            self.total[present] += total
            self.outer[present] += outer


def column_parts(
    spectra: np.ndarray | list[np.ndarray], columns: np.ndarray, reference: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Sums of pixels ``spectra`` (n, bands) in ``columns`` (n,) about ``reference`` (samples, bands).

    ``spectra`` may come as a list of pieces whose rows, in order, make up the (n, bands) array:
    each is taken from the reference straight into one array, with no concatenated copy first.

    Returns [(columns (g,), pixel counts (g,), sums of deviations (g, bands), sums of their outer
    products (g, bands, bands))], one entry per batch of ``column_batches``: only the columns present.
    """
    pieces = [spectra] if isinstance(spectra, np.ndarray) else spectra
    # float32 spectra give float32 deviations and products, like the blocks' own scatters
    dtype = np.result_type(np.float32, *(piece.dtype for piece in pieces))
    deviation = np.empty((len(columns) + 1, reference.shape[1]), dtype)  # a last row of zeros: the padding
    start = 0
    for piece in pieces:
        stop = start + len(piece)
        np.subtract(piece, reference[columns[start:stop]], out=deviation[start:stop])
        start = stop
    deviation[-1] = 0.0
    parts = []
    for present, index in column_batches(columns):
        batch = np.take(deviation, index, axis=0)  # (g, m, bands), the padding rows zero
        count = np.count_nonzero(index >= 0, axis=1)
        parts.append((present, count, batch.sum(axis=1), np.matmul(batch.transpose(0, 2, 1), batch)))
    return parts


def column_batches(columns: np.ndarray, size: int = 32) -> list[tuple[np.ndarray, np.ndarray]]:
    """Scattered pixels in ``columns`` (n,) grouped for batched per-column products.

    Returns [(column (g,), index (g, m))]: the pixels of each column (``index`` into ``columns``, -1
    padding), columns with similar pixel counts batched together, so that a per-column product
    over them is a few batched GEMMs with little padding instead of a loop over columns.
    """
    present, group, count = np.unique(columns, return_inverse=True, return_counts=True)
    order = np.argsort(group, kind="stable")
    start = np.cumsum(count) - count
    by_count = np.argsort(count, kind="stable")
    batches = []
    for chunk in np.array_split(by_count, math.ceil(len(present) / size)) if len(present) else []:
        slot = np.arange(count[chunk].max())[None, :]
        inside = slot < count[chunk][:, None]
        index = np.where(inside, order[np.where(inside, start[chunk][:, None] + slot, 0)], -1)
        batches.append((present[chunk], index))
    return batches


def replace_pixels(stats: ColumnStats, removed: PixelSums, added: PixelSums | None = None) -> ColumnStats:
    """``stats`` without the pixels summed in ``removed`` [, with those of ``added`` instead].

    Both sums are about ``stats.mean``, where the deviations of all of ``stats``' pixels sum to zero
    and their outer products to ``stats.scatter``: swapping pixels is adding and subtracting sums
    (the pairwise update of Chan et al., run backwards and forwards in one step).
    """
    count, total = stats.count - removed.count, -removed.total
    changed = removed.count > 0
    if added is not None:
        count, total = count + added.count, total + added.total
        changed |= added.count > 0
    shift = total / np.maximum(count, 1.0)[:, None]
    # only the columns that held such pixels change: the others keep their scatter as it is
    cols = np.flatnonzero(changed)
    scatter = stats.scatter.copy()
    part = np.take(scatter, cols, axis=0) - np.take(removed.outer, cols, axis=0)
    if added is not None:
        part += np.take(added.outer, cols, axis=0)
    scaled = shift[cols] * np.sqrt(count[cols])[:, None]
    part -= scaled[:, :, None] * scaled[:, None, :]
    scatter[cols] = part
    return ColumnStats(count=count, mean=stats.mean + shift, scatter=scatter)
