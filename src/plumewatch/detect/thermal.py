"""Thermal-infrared matched filter: each pixel's own thermal contrast, the exact band transmittance.

A plume at the air temperature T_a, seen through air at that temperature (the three-layer
model of ``plumewatch.spectra.forward.lwir_radiance`` with T_p = T_air), leaves in each band

    B_b - x_b = t_b(c) (B_b - x0_b),     i.e.     x_b - x0_b = (1 - t_b(c)) (B_b - x0_b)

with B = B(T_a), x0 the plume-free at-sensor radiance and t_b(c) the band transmittance of a
vertical column c along the view path (one way, AMF = 1 / cos(vza)). The path's transmittance
and the ground's emissivity drop out: the signal is the pixel's own contrast B - x0, band by
band, times 1 - t(c) (k AMF c for a weak plume). Over quartz sand, for one, the contrast at
8-9.5 um can vanish while it is strong elsewhere, so a pixel's contrast is modelled as
B - x0 = sum_k r_k e_k over ``CONTRAST_SHAPES`` shapes: the column group's mean contrast B - mu
and the leading principal components of the scene's radiance (temperature, emissivity). A
plume of column c then adds sum_k r_k s_k(c) with s_k(c) = (1 - t(c)) e_k.

Per column group (mean mu, covariance C):

- the gas subspace T holds, per shape, the linear imprint t_k = k AMF e_k and the bend
  s_k(c_1) / c_1 - t_k, how an optically thick plume (peak optical depth ``BEND_OPTICAL_DEPTH``
  at c_1) departs from it. The generalised least-squares coordinates y = (T^T C^-1 T)^-1 T^T
  C^-1 (x - mu) are unchanged by background covariance that lies in that subspace (Rao 1967):
  plume pixels left in the background, strong ones included, do not teach the filter to ignore
  the plume, which a one-direction filter suffers because a saturated plume is not a multiple of
  its linear target;
- r_k = u_k . (B - x), the weighted least-squares coefficients of the pixel's contrast on the
  shapes with the gas's imprints fitted beside them (so a plume leaves r alone to first order),
  weighted towards the bands around the gas's, where the contrast matters.

The column is the maximum a posteriori c along the exact curve y = sum_k r_k q_k(c) (q_k(c) the
coordinates of s_k(c)) under a Gaussian prior N(0, s^2) (``GasModel.prior_column_ppmm``: optical
depth 1 at the gas's peak), with precision M = T^T C^-1 T for y. Its 1-sigma is the curvature's,
1 / sqrt(m'^T M m' + 1 / s^2), m' = sum_k r_k dq_k/dc. Where the pixel has contrast the prior is
negligible and the estimate unbiased; where it has none (r -> 0: ground at the air temperature)
the estimate goes to 0 and its uncertainty to s rather than dividing by a vanishing contrast; where
the plume saturates (dq/dc -> 0) the same. Pixels that were part of their own background are
scaled by n / (n - (1 - rho) trace(C^-1 S)), the mean leave-one-out factor (``finish``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
from scipy import ndimage

from plumewatch.detect.background import Background
from plumewatch.detect.cmf import FilterOutput, batched_dot, embed
from plumewatch.detect.exact import MAX_IN_SAMPLE_FACTOR
from plumewatch.detect.targets import GasModel

# Contrast shapes: the group's mean contrast and the scene's leading principal components.
CONTRAST_SHAPES = 4
# The bend directions are taken where the gas's strongest band reaches this optical depth.
BEND_OPTICAL_DEPTH = 1.0
# Relative size below which a direction of the gas subspace (or of the contrast fit) counts as absent.
RANK_TOLERANCE = 1e-9
# A pixel's contrast is read mostly within this many bands (1-sigma) of the gas's absorption; every band
# keeps at least the floor's weight.
NEARNESS_BANDS = 5.0
NEARNESS_FLOOR = 0.02
# Column groups whose inverse covariance diagonal is computed at once (memory: groups x bands^2 floats).
INVERSE_CHUNK = 32
# Pixels whose curve costs are evaluated at once (memory: pixels x shapes x nodes floats).
MAP_CHUNK_PIXELS = 4096


@dataclass
class ThermalFilter:
    """Fitted thermal filter for one gas: per-column subspace and contrast weights, exact curves, prior."""

    gas: str
    weights: np.ndarray  # (samples, union_bands, 3K): subspace coordinates y (2K), then -u_k (K)
    offset: np.ndarray  # (samples, 3K): x-independent parts: mu . W, and -u_k . B
    metric: np.ndarray  # (samples, 2K, 2K): M = T^T C^-1 T, the precision of y under the model C
    spread: np.ndarray  # (samples, 2K, 2K): A, M^-1 A M^-1 is y's covariance over the group (``_spread``)
    curve_ppmm: np.ndarray  # (J,) columns at the curves' nodes, ascending, the first negative
    curve: np.ndarray  # (samples, J, K, 2K): q_k(c) at those nodes
    prior_ppmm: float  # 1-sigma of the prior on the column
    spent_bands: np.ndarray  # (samples,) (1 - rho) trace(C^-1 S): bands' worth a pixel spends on itself
    pixels: np.ndarray  # (samples,) pixels behind the column's background
    usable_columns: np.ndarray  # (samples,) bool

    @classmethod
    def fit(cls, background: Background, gas: GasModel, union_bands: int) -> ThermalFilter:
        """Weights, metric and curves of ``gas`` over a background fitted on radiance (scene units)."""
        if gas.plume_radiance is None or gas.exact_grid_ppmm is None or gas.exact_log_ratio is None:
            raise ValueError(f"{gas.gas}: a thermal filter needs the plume radiance and transmittance table")
        live = background.band_ok
        k_amf = np.where(live, gas.unit_absorption_per_ppmm * gas.air_mass_factor, 0.0)
        shapes = _contrast_shapes(background, gas.plume_radiance)  # (G, b, K)
        shape_count = shapes.shape[2]
        grid = np.asarray(gas.exact_grid_ppmm, dtype=float)
        absorbed = 1.0 - np.exp(gas.exact_log_ratio)  # (J, b)
        peak = float(np.max(gas.unit_absorption_per_ppmm)) * gas.air_mass_factor
        bend_node = max(1, int(np.argmin(np.abs(grid * peak - BEND_OPTICAL_DEPTH))))
        linear = k_amf[:, :, None] * shapes
        bend = absorbed[bend_node][None, :, None] * shapes / grid[bend_node] - linear
        design = np.concatenate([linear, bend], axis=2)  # (G, b, 2K)
        solved = background.solve(design)
        metric = np.einsum("gbm,gbn->gmn", design, solved)
        ok = background.usable & np.isfinite(metric).all(axis=(1, 2))
        ok &= np.trace(metric, axis1=1, axis2=2) > 0
        metric = np.where(ok[:, None, None], metric, np.eye(metric.shape[1]))
        coordinates = np.einsum("gbm,gmn->gbn", solved, _pseudo_inverse(metric))  # (G, b, 2K)
        spread = _spread(background, solved, metric)
        regressors = np.concatenate([shapes, design], axis=2)
        u = _contrast_weights(regressors, _nearness(k_amf), shape_count)  # (G, b, K)
        ok &= np.isfinite(u).all(axis=(1, 2)) & np.isfinite(coordinates).all(axis=(1, 2))
        coordinates = np.where(ok[:, None, None], coordinates, 0.0)
        u = np.where(ok[:, None, None], u, 0.0)
        weights = np.concatenate([coordinates, -u], axis=2)
        offset = np.concatenate(
            [
                np.einsum("gb,gbm->gm", background.mean, coordinates),
                -np.einsum("b,gbk->gk", gas.plume_radiance, u),
            ],
            axis=1,
        )
        curve = np.einsum("jb,gbk,gbm->gjkm", absorbed, shapes, coordinates, optimize=True)
        # below zero the model is the linear one, q_k(c) = c (unit vector of t_k): one node far out closes it
        far = grid[-1]
        first = np.zeros((len(curve), 1, shape_count, 2 * shape_count))
        first[:, 0, np.arange(shape_count), np.arange(shape_count)] = -far
        g = background.group_of_column
        return cls(
            gas=gas.gas,
            weights=embed(weights, background, gas, union_bands),
            offset=offset[g].astype(np.float32),
            metric=metric[g],
            spread=spread[g],
            curve_ppmm=np.concatenate([[-far], grid]),
            curve=np.concatenate([first, curve], axis=1)[g],
            prior_ppmm=float(gas.prior_column_ppmm or np.inf),
            spent_bands=_spent_bands(background)[g],
            pixels=background.count[g],
            usable_columns=ok[g],
        )

    def apply(self, block: np.ndarray) -> FilterOutput:
        """Column (ppm·m), 1-sigma (ppm·m) and contrast r_1 (relative to the group's) of a block."""
        out = batched_dot(block, self.weights) - self.offset[None]
        dims = self.metric.shape[1]
        lines, samples = block.shape[:2]
        y = out[..., :dims].astype(np.float64).transpose(1, 0, 2)  # (S, L, 2K)
        r = out[..., dims:].astype(np.float64).transpose(1, 0, 2)  # (S, L, K)
        column = np.empty((samples, lines))
        sigma = np.empty((samples, lines))
        step = max(1, MAP_CHUNK_PIXELS // max(lines, 1))
        for start in range(0, samples, step):
            part = slice(start, start + step)
            column[part], sigma[part] = self._map_column(y[part], r[part], part)
        return FilterOutput(
            column.T.astype(np.float32), sigma.T.astype(np.float32), out[..., dims].astype(np.float32)
        )

    def finish(
        self, column_ppmm: np.ndarray, sigma_ppmm: np.ndarray, in_background: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(column, 1-sigma), with the mean leave-one-out factor where a pixel was in its own background."""
        factor = np.clip(
            self.pixels / np.maximum(self.pixels - self.spent_bands, 1.0), 1.0, MAX_IN_SAMPLE_FACTOR
        )
        scale = np.where(in_background, factor[None, :], 1.0)
        return (column_ppmm * scale).astype(np.float32), (sigma_ppmm * scale).astype(np.float32)

    def _map_column(self, y: np.ndarray, r: np.ndarray, columns: slice) -> tuple[np.ndarray, np.ndarray]:
        """MAP column and 1-sigma for coordinates y (S, L, 2K) and contrasts r (S, L, K) of ``columns``."""
        nodes, curve, metric, spread = (
            self.curve_ppmm,
            self.curve[columns],
            self.metric[columns],
            self.spread[columns],
        )
        inverse_prior = 1.0 / self.prior_ppmm**2
        weighted = np.einsum("smn,sjkn->sjkm", metric, curve)  # (S, J, K, 2K)
        energy = np.einsum("sjkm,sjlm->sjkl", curve, weighted)  # (S, J, K, K)
        cross = np.einsum("slm,sjkm->sljk", y, weighted)  # (S, L, J, K)
        cost = (
            -2.0 * np.einsum("slk,sljk->slj", r, cross)
            + np.einsum("slk,sjkq,slq->slj", r, energy, r, optimize=True)
            + inverse_prior * nodes**2
        )
        best = np.argmin(cost, axis=2)
        index = np.arange(len(curve))[:, None]
        candidates = []
        for start in (np.maximum(best - 1, 0), np.minimum(best, len(nodes) - 2)):
            m0 = np.einsum("slk,slkm->slm", r, curve[index, start])
            m1 = np.einsum("slk,slkm->slm", r, curve[index, start + 1])
            c0, step = nodes[start], nodes[start + 1] - nodes[start]
            along, miss = m1 - m0, y - m0
            m = metric[:, None]
            gain = _quadratic(along, m, along) + inverse_prior * step**2
            pull = _quadratic(along, m, miss) - inverse_prior * c0 * step
            fraction = np.clip(pull / np.maximum(gain, 1e-300), 0.0, 1.0)
            left = miss - fraction[..., None] * along
            total = _quadratic(left, m, left) + inverse_prior * (c0 + fraction * step) ** 2
            slope = along / step[..., None]
            information = _quadratic(slope, m, slope) + inverse_prior
            # the estimate's variance over the group's pixels: sandwich of the curvature and y's spread
            variance = (_quadratic(slope, spread[:, None], slope) + inverse_prior) / np.maximum(
                information, 1e-300
            ) ** 2
            candidates.append((total, c0 + fraction * step, variance))
        (cost_a, column_a, variance_a), (cost_b, column_b, variance_b) = candidates
        pick = cost_b < cost_a
        return np.where(pick, column_b, column_a), np.sqrt(np.where(pick, variance_b, variance_a))


def _contrast_shapes(background: Background, plume_radiance: np.ndarray) -> np.ndarray:
    """(G, b, K) contrast shapes per group: B - mu, then the pooled covariance's leading eigenvectors."""
    live = background.band_ok
    mean_contrast = np.where(live, plume_radiance[None, :] - background.mean, 0.0)
    weight = np.where(background.usable, background.count, 0.0)
    pooled = np.einsum("g,gbc->bc", weight, background.covariance) / max(float(weight.sum()), 1.0)
    _, vectors = np.linalg.eigh(pooled)
    leading = vectors[:, ::-1][:, : CONTRAST_SHAPES - 1]
    # scaled like the mean contrast, so that the least-squares fits are balanced
    scale = np.linalg.norm(mean_contrast, axis=1)[:, None, None]
    components = np.where(live[:, :, None], leading[None] * scale, 0.0)
    return np.concatenate([mean_contrast[:, :, None], components], axis=2)


def _spread(background: Background, solved: np.ndarray, metric: np.ndarray) -> np.ndarray:
    """(G, d, d) A = T^T C^-1 S C^-1 T: y = M^-1 T^T C^-1 (x - mu) has covariance M^-1 A M^-1 over the group.

    S is the group's sample covariance and C = (1 - rho) S + rho diag(S) its shrunk form, so
    A = (M - rho T^T C^-1 diag(S) C^-1 T) / (1 - rho): where shrinkage damps weak directions, y varies
    less than M^-1 says, and an estimate's 1-sigma from M alone would be too large.
    """
    rho = np.clip(np.asarray(background.shrinkage, dtype=float), 0.0, 1.0 - 1e-12)[:, None, None]
    variance = np.diagonal(background.covariance, axis1=1, axis2=2)
    damped = np.einsum("gbm,gb,gbn->gmn", solved, variance, solved)
    return (metric - rho * damped) / (1.0 - rho)


def _spent_bands(background: Background) -> np.ndarray:
    """(G,) (1 - rho) trace(C^-1 S) over live bands: the mean in-sample Mahalanobis distance of a pixel.

    C = (1 - rho) S + rho diag(S) is the shrunk sample covariance S. Removing a pixel of distance d^2
    from its own background (Sherman-Morrison) scales its estimate by n / (n - (1 - rho) d^2), and d^2
    averages trace(C^-1 S) over the sample: p bands without shrinkage, fewer with it.
    """
    rho = np.clip(np.asarray(background.shrinkage, dtype=float), 0.0, 1.0 - 1e-12)
    variance = np.diagonal(background.covariance, axis1=1, axis2=2)
    inverse_diagonal = np.empty_like(variance)
    eye = np.eye(variance.shape[1])
    for start in range(0, len(variance), INVERSE_CHUNK):
        part = slice(start, start + INVERSE_CHUNK)
        factor = background.cholesky[part]
        half = scipy.linalg.solve_triangular(factor, np.broadcast_to(eye, factor.shape), lower=True)
        inverse_diagonal[part] = np.sum(half * half, axis=1)
    live = background.band_ok
    spread = np.sum(np.where(live, variance * inverse_diagonal, 0.0), axis=1)
    return live.sum(axis=1) - rho * spread


def _nearness(k_amf: np.ndarray) -> np.ndarray:
    """(G, b) weight of each band in reading a pixel's contrast: high next to the gas's bands, >= a floor."""
    relative = k_amf / np.maximum(k_amf.max(axis=1, keepdims=True), 1e-300)
    near = ndimage.gaussian_filter1d(relative, NEARNESS_BANDS, axis=1, mode="nearest")
    return np.maximum(near / np.maximum(near.max(axis=1, keepdims=True), 1e-300), NEARNESS_FLOOR)


def _contrast_weights(regressors: np.ndarray, weight: np.ndarray, first: int) -> np.ndarray:
    """(G, b, first) u: the weighted least-squares coefficients of the ``first`` regressors (G, b, m).

    The rows of the weighted pseudo-inverse: u_k . z is the coefficient of shape k when z is fitted on
    all the regressors (the shapes, then the gas's imprints, which thereby leave the shapes' alone).
    """
    gram = np.einsum("gbm,gb,gbn->gmn", regressors, weight, regressors)
    rows = np.linalg.pinv(gram, rcond=RANK_TOLERANCE, hermitian=True)[:, :, :first]  # (G, m, first)
    return weight[:, :, None] * np.einsum("gbm,gmk->gbk", regressors, rows)


def _quadratic(a: np.ndarray, metric: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a^T M b over the last axes, broadcasting the leading ones."""
    return np.einsum("...m,...mn,...n->...", a, metric, b)


def _pseudo_inverse(metric: np.ndarray) -> np.ndarray:
    """Inverse of each subspace metric (G, d, d); a direction a group lacks (no saturation) drops out."""
    return np.linalg.pinv(metric, rcond=RANK_TOLERANCE, hermitian=True)
