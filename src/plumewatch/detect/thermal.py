"""Thermal-infrared retrieval: each pixel's own thermal contrast, fitted jointly with the exact column.

A plume layer at the air temperature T_a, seen through air at that temperature (the three-layer
model of ``plumewatch.spectra.forward.lwir_radiance`` with T_p = T_air), leaves in each band

    B_b - x_b = t_b(c) (B_b - x0_b)

with B = B(T_a) in the scene's units, x0 the plume-free at-sensor radiance and t_b(c) the exact
band transmittance of a vertical column c along the view path (one way, AMF = 1 / cos(vza)). The
path's transmittance and the ground's emissivity drop out: the signal x - x0 = (1 - t(c)) (B - x0)
is the pixel's own contrast times the plume's absorptance, k AMF c for a weak plume.

The contrast B - x0 is unknown per pixel (temperature, emissivity: quartz sand has almost none at
8-9.5 um where it is strong elsewhere). It is modelled as E r: ``CONTRAST_SHAPES`` shapes per
column group, the group's mean contrast B - mu and the leading principal components of the
scene's radiance, with free coefficients r. At each node c_j of the gas's exact transmittance table
the pixel's B - x is fitted by generalised least squares on A_j = t(c_j) * E under the background
covariance C, which profiles r out:

    chi2(c_j) = const - p_j^T (A_j^T C^-1 A_j)^-1 p_j,    p_j = A_j^T C^-1 (B - x)

so the strong-plume curvature of t(c) is exact (no linear or two-term expansion of the plume that
could leak into r). Negative nodes carry the odd extension 1 - t(-c) = -(1 - t(c)), which keeps
the noise of plume-free pixels symmetric about 0. A Gaussian prior N(0, s^2) on the column
(``GasModel.prior_column_ppmm``: optical depth 1 in the gas's strongest band) is added as c^2/s^2.
The estimate is the vertex of the parabola through the smallest cost and its two neighbours, its
1-sigma 1 / sqrt(a) with a that parabola's curvature (chi2 is -2 ln L), times the sandwich factor
of the covariance's shrinkage (``_spread``) on the data's share: where the ground has no
contrast (r -> 0) the cost is flat but for the prior, so the estimate goes to 0 and its 1-sigma to s
instead of dividing by a vanishing contrast; where the plume saturates the same. Pixels that were
part of their own background are scaled by n / (n - (1 - rho) trace(C^-1 S)), the mean
leave-one-out factor (``finish``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

from plumewatch.detect.background import Background
from plumewatch.detect.cmf import FilterOutput, batched_dot, embed
from plumewatch.detect.exact import MAX_IN_SAMPLE_FACTOR
from plumewatch.detect.targets import GasModel

# Contrast shapes: the group's mean contrast and the scene's leading principal components. More
# components fit unusual ground better but start to describe plumes left in the background as ground
# (4 under-estimated a plume of optical depth 1-3 by 2-4x on a small scene, 5 NH3 on survey seed 4 by 2x).
CONTRAST_SHAPES = 3
# Negative nodes reach this optical depth in the gas's strongest band (every NEGATIVE_STRIDE-th node of
# the positive side, mirrored): enough for the noise of plume-free pixels under a prior of depth 1.
NEGATIVE_OPTICAL_DEPTH = 3.0
NEGATIVE_STRIDE = 2
# Relative size below which a direction of a node's contrast fit counts as absent.
RANK_TOLERANCE = 1e-9
# Column groups whose inverse covariance diagonal is computed at once (memory: groups x bands^2 floats).
INVERSE_CHUNK = 32


@dataclass
class ThermalFilter:
    """Fitted thermal filter for one gas: per-column projections at each node of the exact table."""

    gas: str
    weights: np.ndarray  # (samples, union_bands, J K): C^-1 A_j, node-major
    plume_radiance: np.ndarray  # (union_bands,) B(T_plume) on the gas's bands, 0 elsewhere
    gram_inverse: np.ndarray  # (samples, J, K, K): (A_j^T C^-1 A_j)^-1
    nodes_ppmm: np.ndarray  # (J,) vertical columns of the nodes, ascending
    prior_ppmm: float  # 1-sigma of the prior on the column
    spread: np.ndarray  # (samples,) variance of the estimate over the group / its curvature's (``_spread``)
    spent_bands: np.ndarray  # (samples,) (1 - rho) trace(C^-1 S): bands' worth a pixel spends on itself
    pixels: np.ndarray  # (samples,) pixels behind the column's background
    usable_columns: np.ndarray  # (samples,) bool

    @classmethod
    def fit(cls, background: Background, gas: GasModel, union_bands: int) -> ThermalFilter:
        """Projections and node Gram inverses of ``gas`` over a background of radiance (scene units)."""
        if gas.plume_radiance is None or gas.exact_grid_ppmm is None or gas.exact_log_ratio is None:
            raise ValueError(f"{gas.gas}: a thermal filter needs the plume radiance and transmittance table")
        live = background.band_ok
        shapes = np.where(live[:, :, None], _contrast_shapes(background, gas.plume_radiance), 0.0)
        groups, bands, shape_count = shapes.shape
        nodes, absorbed = _nodes(gas)
        design = (1.0 - absorbed)[None, :, :, None] * shapes[:, None]  # (G, J, b, K)
        stacked = design.transpose(0, 2, 1, 3).reshape(groups, bands, len(nodes) * shape_count)
        solved = background.solve(stacked)
        gram = np.einsum(
            "gjbk,gbjl->gjkl", design, solved.reshape(groups, bands, len(nodes), shape_count), optimize=True
        )
        gram_inverse = np.linalg.pinv(gram, rcond=RANK_TOLERANCE, hermitian=True)
        ok = background.usable & np.isfinite(solved).all(axis=(1, 2))
        ok &= np.isfinite(gram_inverse).all(axis=(1, 2, 3))
        solved = np.where(ok[:, None, None], solved, 0.0)
        plume = np.zeros(union_bands)
        plume[gas.local_index] = gas.plume_radiance
        g = background.group_of_column
        return cls(
            gas=gas.gas,
            weights=embed(solved, background, gas, union_bands),
            plume_radiance=plume.astype(np.float32),
            gram_inverse=np.where(ok[:, None, None, None], gram_inverse, 0.0)[g],
            nodes_ppmm=nodes,
            prior_ppmm=float(gas.prior_column_ppmm or np.inf),
            spread=_spread(background, gas.unit_absorption_per_ppmm * shapes[:, :, 0])[g],
            spent_bands=_spent_bands(background)[g],
            pixels=background.count[g],
            usable_columns=ok[g],
        )

    def apply(self, block: np.ndarray) -> FilterOutput:
        """Column (ppm·m), 1-sigma (ppm·m) and the mean-contrast coefficient r_1 at the column, of a block."""
        lines, samples = block.shape[:2]
        nodes = self.nodes_ppmm
        shape_count = self.gram_inverse.shape[-1]
        contrast = self.plume_radiance[None, None, :] - block
        projection = batched_dot(contrast, self.weights).astype(np.float64)
        projection = projection.reshape(lines, samples, len(nodes), shape_count)
        fitted = np.einsum("sjkm,lsjm->lsjk", self.gram_inverse, projection, optimize=True)
        cost = -np.einsum("lsjk,lsjk->lsj", projection, fitted) + (nodes / self.prior_ppmm) ** 2
        middle = np.clip(np.argmin(cost, axis=2), 1, len(nodes) - 2)[..., None]
        x0, x1, x2 = nodes[middle - 1], nodes[middle], nodes[middle + 1]
        y0, y1, y2 = (np.take_along_axis(cost, middle + d, axis=2) for d in (-1, 0, 1))
        # the parabola through the three nodes: y = a c^2 + b c + const
        slope_left, slope_right = (y1 - y0) / (x1 - x0), (y2 - y1) / (x2 - x1)
        curvature = (slope_right - slope_left) / (x2 - x0)
        bowl = curvature > 0
        safe = np.where(bowl, curvature, 1.0)
        vertex = np.clip(-(slope_left - safe * (x0 + x1)) / (2.0 * safe), x0, x2)
        column = np.where(bowl, vertex, x1)[..., 0]
        # the curvature's variance is under the shrunk covariance; the group's pixels scatter less
        # the prior's share of the curvature keeps its full weight: no contrast -> 1-sigma = s
        prior_share = np.clip(1.0 / (self.prior_ppmm**2 * safe), 0.0, 1.0)
        variance = (self.spread[None, :, None] * (1.0 - prior_share) + prior_share) / safe
        sigma = np.where(bowl, np.sqrt(variance), self.prior_ppmm)[..., 0]
        mean_contrast = np.take_along_axis(fitted[..., 0], middle, axis=2)[..., 0]
        return FilterOutput(
            column.astype(np.float32), sigma.astype(np.float32), mean_contrast.astype(np.float32)
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


def _nodes(gas: GasModel) -> tuple[np.ndarray, np.ndarray]:
    """(J,) node columns (ppm·m), ascending, and (J, b) the plume's band absorptance 1 - t there."""
    grid = np.asarray(gas.exact_grid_ppmm, dtype=float)
    absorbed = -np.expm1(np.asarray(gas.exact_log_ratio, dtype=float))
    peak = float(np.max(gas.unit_absorption_per_ppmm)) * gas.air_mass_factor
    mirrored = np.flatnonzero((grid > 0) & (grid * peak <= NEGATIVE_OPTICAL_DEPTH))[::NEGATIVE_STRIDE][::-1]
    return np.concatenate([-grid[mirrored], grid]), np.concatenate([-absorbed[mirrored], absorbed])


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


def _spread(background: Background, target: np.ndarray) -> np.ndarray:
    """(G,) g^T C^-1 S C^-1 g / g^T C^-1 g for the linear target g (G, b): sandwich over curvature variance.

    S is the group's sample covariance and C = (1 - rho) S + rho diag(S) its shrunk form, so
    C^-1 S C^-1 = (C^-1 - rho C^-1 diag(S) C^-1) / (1 - rho): where shrinkage damps weak directions an
    estimate varies less over the group than the curvature under C says.
    """
    rho = np.clip(np.asarray(background.shrinkage, dtype=float), 0.0, 1.0 - 1e-12)
    target = np.where(background.band_ok, target, 0.0)
    solved = background.solve(target[:, :, None])[:, :, 0]
    variance = np.diagonal(background.covariance, axis1=1, axis2=2)
    energy = np.einsum("gb,gb->g", target, solved)
    damped = np.einsum("gb,gb,gb->g", solved, variance, solved)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = (1.0 - rho * damped / energy) / (1.0 - rho)
    return np.where(np.isfinite(ratio), np.clip(ratio, 0.0, 1.0), 1.0)


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
