"""Log-radiance matched filter with the forward model's exact band absorption (the default method).

In the logarithm of radiance a pixel over a plume of vertical column a is

    y = ln x = ln r + m + ln R(a) + n,

with r its brightness relative to the column, m the column's mean log spectrum and
R(a) = L(a) / L(0) the band radiance ratio of the forward model (see
:mod:`plumewatch.detect.targets`). Brightness becomes a constant offset, which the
background covariance learns as one direction, and the gas signal becomes the same
vector ln R(a) for every surface, so no separate albedo correction is needed. The
matched filter w = C^-1 t / (t^T C^-1 t) with t = d ln R / da at a = 0 gives the
linear estimate alpha = w . (y - m); its response to a plume of column a is
g(a) = w . ln R(a), tabulated per column at the grid nodes, and the column is
a = g^-1(alpha): exact for strong, saturating plumes where the linear filter falls
short. The 1-sigma uncertainty is the filter's (plus the sensor-noise change of a
pixel brighter or darker than its column), carried through g^-1.

A pixel that took part in estimating C shrinks its own estimate: removing it from
the sample (Sherman-Morrison) scales alpha by n / (n - 1 - r^2), r^2 its Mahalanobis
residual, which is the number of live bands p on average. Pixels kept in the
background as they are get that factor n / (n - p); plume pixels, whose gas was
taken out of the background (see :mod:`plumewatch.detect.robust`), need none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from plumewatch.detect.background import Background, column_batches
from plumewatch.detect.cmf import MIN_VARIANCE_FRACTION, FilterOutput, batched_dot, embed
from plumewatch.detect.targets import GasModel, target_signature

# Log radiance of a band at or below zero radiance: such pixels are masked (``nonpositive``).
LOG_FLOOR = -30.0
# The exact model's bend is taken where the linear filter's response has fallen to this fraction.
BEND_RESPONSE = 0.7
# The in-sample factor stays finite when a column group has barely more pixels than bands.
MAX_IN_SAMPLE_FACTOR = 3.0


def log_radiance(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ln radiance, float32, with LOG_FLOOR where radiance <= 0; (lines, samples) bool of such pixels)."""
    positive = block > 0
    nonpositive = (~positive & ~np.isnan(block)).any(axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        logged = np.log(np.where(positive, block, np.nan)).astype(np.float32)
    logged[~positive & ~np.isnan(block)] = LOG_FLOOR
    return logged, nonpositive


@dataclass
class ExactFilter:
    """Fitted log-radiance filter for one gas: per-column weights, whitener and response table."""

    # the fields that hold one entry per column (``detect.run`` refits and applies some columns alone)
    PER_COLUMN: ClassVar[tuple[str, ...]] = (
        "weights",
        "offset",
        "sigma_ppmm",
        "noise",
        "whitener",
        "whitened_mean",
        "shape_weights",
        "shape_offset",
        "live_bands",
        "pixels",
        "response",
        "usable_columns",
    )

    gas: str
    weights: np.ndarray  # (samples, union_bands, 2): [w, mean over live bands] on log radiance
    offset: np.ndarray  # (samples, 2): the same applied to the column mean
    sigma_ppmm: np.ndarray  # (samples,) background 1-sigma of alpha
    noise: np.ndarray | None  # (samples, 2): sensor-noise variance of alpha ~ A / r^2 + B / r
    # the spectral-shape test's terms (None in a filter fitted without them, which is only applied)
    whitener: np.ndarray | None  # (samples, union_bands, b): |x @ W - whitened_mean|^2 is the Mahalanobis^2
    whitened_mean: np.ndarray | None  # (samples, b)
    shape_weights: np.ndarray | None  # (samples, union_bands, 2): whitened coordinates in the gas's plane
    shape_offset: np.ndarray | None  # (samples, 2)
    live_bands: np.ndarray  # (samples,) p
    pixels: np.ndarray  # (samples,) pixels behind the column's background
    grid_ppmm: np.ndarray  # (J,) vertical columns, from 0 up
    response: np.ndarray  # (samples, J) g(a_j) = w . ln R(a_j), non-decreasing
    usable_columns: np.ndarray  # (samples,) bool

    @classmethod
    def fit(
        cls,
        background: Background,
        gas: GasModel,
        union_bands: int,
        noise_terms: tuple[np.ndarray, np.ndarray] | None = None,
        *,
        shape_test: bool = True,
    ) -> ExactFilter:
        """Weights from a background fitted on log radiance; ``noise_terms``: (c, s) per union band.

        ``shape_test=False`` leaves out the whitener and gas-plane weights, which only ``shape_terms``
        and ``apply(residual=True)`` read (a refit that is only applied needs none).
        """
        if gas.exact_log_ratio is None or gas.exact_grid_ppmm is None:
            raise ValueError(f"{gas.gas}: the exact filter needs the band radiance-ratio table")
        target = target_signature(background, gas, log_space=True)
        solved = background.solve(target[:, :, None])[:, :, 0]
        energy = np.sum(target * solved, axis=1)
        ok = background.usable & np.isfinite(energy) & (energy > 0)
        energy = np.where(ok, energy, 1.0)
        w = np.where(ok[:, None], solved / energy[:, None], 0.0)
        live = background.band_ok.sum(axis=1)
        mean_weights = background.band_ok / np.maximum(live, 1)[:, None]
        per_group = np.stack([w, mean_weights], axis=2)
        offset = np.einsum("gb,gbm->gm", background.mean, per_group)
        log_ratio = np.where(background.band_ok[:, None, :], gas.exact_log_ratio[None], 0.0)
        # g must rise strictly to be inverted; where it stops rising the column is unconstrained
        ramp = 1e-9 * np.arange(len(gas.exact_grid_ppmm))
        response = np.maximum.accumulate(np.einsum("gjb,gb->gj", log_ratio, w), axis=1) + ramp
        g = background.group_of_column
        shape_fields = (
            _shape_fields(background, gas, union_bands, target, log_ratio, response)
            if shape_test
            else dict.fromkeys(("whitener", "whitened_mean", "shape_weights", "shape_offset"))
        )
        return cls(
            gas=gas.gas,
            weights=embed(per_group, background, gas, union_bands),
            offset=offset[g].astype(np.float32),
            sigma_ppmm=np.where(ok, 1.0 / np.sqrt(energy), np.nan)[g],
            noise=None if noise_terms is None else _noise_terms(background, gas, w, noise_terms)[g],
            **shape_fields,
            live_bands=live[g],
            pixels=background.count[g],
            grid_ppmm=np.asarray(gas.exact_grid_ppmm, dtype=float),
            response=response[g],
            usable_columns=ok[g],
        )

    def apply(self, block: np.ndarray, *, residual: bool = False) -> FilterOutput:
        """Linear estimate alpha (ppm·m), its 1-sigma, albedo [and residual] for a log-radiance block."""
        out = batched_dot(block, self.weights) - self.offset[None]
        albedo = np.exp(out[..., 1])
        variance = np.broadcast_to((self.sigma_ppmm**2)[None, :].astype(np.float32), albedo.shape)
        if self.noise is not None:
            a, b = (self.noise[:, i].astype(np.float32)[None, :] for i in (0, 1))
            change = a * (1.0 / albedo**2 - 1.0) + b * (1.0 / albedo - 1.0)
            variance = np.maximum(variance + change, MIN_VARIANCE_FRACTION * variance)
        excess = explained = None
        if residual:
            whitened = batched_dot(block, self.whitener) - self.whitened_mean[None]
            along = batched_dot(block, self.shape_weights) - self.shape_offset[None]
            excess, explained = _shape_test(whitened, along, self.live_bands[None, :])
        return FilterOutput(
            out[..., 0], np.sqrt(variance).astype(np.float32), albedo.astype(np.float32), excess, explained
        )

    def shape_terms(
        self, pixels: np.ndarray, columns: np.ndarray, map_batches=map
    ) -> tuple[np.ndarray, np.ndarray]:
        """(excess residual, gas explained), (n,) float32, of log-radiance ``pixels`` (n, union_bands).

        ``columns`` (n,) holds each pixel's column: the same terms as ``apply(residual=True)`` gives,
        for scattered pixels (one batched GEMM over them, grouped per column). ``map_batches``, a
        ``map`` such as a thread pool's, runs the batches of columns (each writes its own pixels).
        """
        excess = np.empty(len(columns), dtype=np.float32)
        explained = np.empty(len(columns), dtype=np.float32)

        def terms_of(batch_of_columns):
            present, index = batch_of_columns
            # (g, m, union_bands); the padding rows (index -1) are left out below
            batch = np.take(pixels, index, axis=0)
            whitened = np.matmul(batch, self.whitener[present]) - self.whitened_mean[present, None, :]
            along = np.matmul(batch, self.shape_weights[present]) - self.shape_offset[present, None, :]
            terms = _shape_test(whitened, along, self.live_bands[present, None])
            inside = index >= 0
            excess[index[inside]], explained[index[inside]] = (t[inside] for t in terms)

        for _ in map_batches(terms_of, column_batches(columns)):
            pass
        return excess, explained

    def finish(
        self, alpha_ppmm: np.ndarray, sigma_ppmm: np.ndarray, in_background: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(column ppm·m, 1-sigma) from offset-free linear estimates (lines, samples) through g^-1.

        ``in_background`` (lines, samples) marks the pixels that were part of the fitted background.
        """
        column = np.empty(np.shape(alpha_ppmm), dtype=np.float32)
        sigma = np.empty(np.shape(alpha_ppmm), dtype=np.float32)
        columns = np.arange(column.shape[1])[None, :]
        for rows in _line_chunks(len(column)):
            linear = np.asarray(alpha_ppmm[rows], dtype=float)
            scale, alpha, magnitude = self._scaled(linear, columns, in_background[rows])
            # a column's pixels searched in its own table: many searches of a few nodes each
            node = np.empty(alpha.shape, dtype=np.intp)
            for s, table in enumerate(self.response):
                node[:, s] = np.searchsorted(table, magnitude[:, s], side="right") - 1
            column[rows], slope = self._along_segments(alpha, magnitude, columns, node)
            sigma[rows] = np.asarray(sigma_ppmm[rows], dtype=float) * (scale * slope)
        return column, sigma

    def invert(
        self, alpha_ppmm: np.ndarray, samples: np.ndarray, in_background: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(column ppm·m, d column / d alpha) of offset-free linear estimates of pixels in ``samples``.

        Any shape, the three arrays alike; ``in_background`` as in ``finish``.
        """
        scale, alpha, magnitude = self._scaled(alpha_ppmm, samples, in_background)
        response, nodes = self.response, self.response.shape[1]
        # the columns' tables laid end to end, each above the last: one searchsorted finds every segment
        step = float(np.max(response[:, -1], initial=0.0)) + 1.0
        ends = (response + step * np.arange(len(response))[:, None]).ravel()
        node = np.searchsorted(ends, magnitude + step * samples, side="right") - 1 - samples * nodes
        column, slope = self._along_segments(alpha, magnitude, samples, node)
        return column, scale * slope

    def _scaled(self, alpha_ppmm: np.ndarray, samples: np.ndarray, in_background: np.ndarray):
        """(scale, scaled alpha, |scaled alpha| capped at the table's top) of pixels in ``samples``.

        The scale n / (n - p) undoes a background pixel's shrinking of its own alpha; beyond the
        table's top a pixel takes its last node and segment.
        """
        factor = np.clip(
            self.pixels / np.maximum(self.pixels - self.live_bands, 1.0), 1.0, MAX_IN_SAMPLE_FACTOR
        )
        scale = np.where(in_background, factor[samples], 1.0)
        alpha = alpha_ppmm * scale
        return scale, alpha, np.minimum(np.abs(alpha), self.response[samples, -1])

    def _along_segments(
        self, alpha: np.ndarray, magnitude: np.ndarray, samples: np.ndarray, node: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(column float32, d column / d alpha) of pixels whose |alpha| (capped at the table's top) is
        ``magnitude``, in ``samples`` (broadcasting with it), on the segment from table ``node`` up."""
        grid, response = self.grid_ppmm, self.response
        nodes = response.shape[1]
        segment = np.clip(node, 0, nodes - 2)
        low = response.ravel()[samples * nodes + segment]
        # d a / d g on each column's segments: the values a division per pixel would give
        slopes = np.diff(grid)[None, :] / np.diff(response, axis=1)
        slope = slopes.ravel()[samples * (nodes - 1) + segment]
        inside = grid[segment] + (magnitude - low) * slope
        column = np.sign(alpha) * np.where(magnitude >= response[samples, -1], grid[-1], inside)
        return column.astype(np.float32), slope


def _line_chunks(lines: int, size: int = 1024) -> list[slice]:
    return [slice(start, start + size) for start in range(0, lines, size)]


def _shape_test(whitened: np.ndarray, along: np.ndarray, live_bands) -> tuple[np.ndarray, np.ndarray]:
    """(excess residual, gas explained) from whitened deviations (..., b) and gas-plane coordinates (..., 2).

    The excess is the squared Mahalanobis distance left after the gas, minus its expectation p - 2.
    """
    explained = np.einsum("...m,...m->...", along, along)
    distance2 = np.einsum("...b,...b->...", whitened, whitened)
    return distance2 - explained - (live_bands - 2), explained


def _shape_fields(background: Background, gas: GasModel, union_bands: int, target, log_ratio, response):
    """The spectral-shape test's per-column fields of ``ExactFilter``: whitener and gas-plane weights."""
    whiten = background.whitener()
    if not background.band_ok.all():
        whiten = np.where(background.band_ok[:, None, :] & background.band_ok[:, :, None], whiten, 0.0)
    as_columns = whiten.transpose(0, 2, 1)
    shape = _gas_plane(whiten, target, log_ratio, response, gas.exact_grid_ppmm)
    g = background.group_of_column
    return {
        "whitener": embed(as_columns, background, gas, union_bands),
        "whitened_mean": np.einsum("gb,gbc->gc", background.mean, as_columns)[g].astype(np.float32),
        "shape_weights": embed(shape, background, gas, union_bands),
        "shape_offset": np.einsum("gb,gbm->gm", background.mean, shape)[g].astype(np.float32),
    }


def _gas_plane(whiten, target, log_ratio, response, grid_ppmm) -> np.ndarray:
    """(groups, b, 2): x . these = whitened coordinates of x in the plane of the gas's signatures.

    The plane holds the linear target t and the bend u = ln R(a_u) - a_u t of the exact model at
    the column a_u where the filter's response g(a) / a has fallen to ``BEND_RESPONSE``: together
    they carry a saturated plume's spectrum, which t alone leaves partly in the residual.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        relative = response[:, 1:] / grid_ppmm[None, 1:]
    node = 1 + np.argmax(np.r_["1", relative <= BEND_RESPONSE, np.ones((len(response), 1), bool)], axis=1)
    node = np.minimum(node, len(grid_ppmm) - 1)
    pick = log_ratio[np.arange(len(node)), node]
    bend = pick - grid_ppmm[node][:, None] * target
    directions = whiten @ np.stack([target, bend], axis=2)  # batched BLAS: 20x einsum's loop here
    basis, _ = np.linalg.qr(directions)
    # a bend parallel to t (no saturation) leaves a zero second direction, not a spurious one
    basis[:, :, 1] *= (
        np.linalg.norm(directions[:, :, 1], axis=1) > 1e-9 * np.linalg.norm(directions[:, :, 0], axis=1)
    )[:, None]
    return whiten.transpose(0, 2, 1) @ basis


def _noise_terms(background: Background, gas: GasModel, w: np.ndarray, terms) -> np.ndarray:
    """(groups, 2) A, B: the sensor-noise variance of alpha at relative brightness r is A / r^2 + B / r."""
    constant, slope = (np.asarray(t, dtype=float)[gas.local_index] for t in terms)
    radiance = np.exp(background.mean)  # geometric mean radiance of each band in the group
    w2 = np.where(background.band_ok, w * w, 0.0)
    return np.stack(
        [np.sum(w2 * constant / radiance**2, axis=1), np.sum(w2 * slope / radiance, axis=1)], axis=1
    )
