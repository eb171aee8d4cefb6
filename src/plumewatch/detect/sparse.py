"""The albedo-corrected, non-negative, reweighted-L1 sparse matched filter (mag1c's estimator).

Foote et al. (2020, IEEE TGRS 58:6480): with q = (x - mu)^T C^-1 t, E = t^T C^-1 t
and the pixel's albedo r = x.mu / mu.mu, iterate

    alpha_0 = max(0, q / (r E)),   alpha_{i+1} = max(0, (q - 1 / (r (alpha_i + eps))) / (r E)),

a reweighted-L1 (Candes, Wakin & Boyd 2008) penalty that drives background
pixels to exactly zero while strong plumes keep their amplitude. The penalty's
scale follows mag1c's internal units (targets scaled by 1e5, eps = 1e-9 there).
Here the iterations run per pixel on a fixed background fitted in the first
streaming pass, on the whole scene's (lines, samples) linear estimates after the
second pass (after the column offset that plume pixels put into the mean is
removed); mag1c instead re-estimates the column statistics every iteration,
which needs the whole column in memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from plumewatch.detect.background import Background
from plumewatch.detect.cmf import MIN_VARIANCE_FRACTION, FilterOutput, LinearFilter, batched_dot
from plumewatch.detect.targets import GasModel

MAG1C_SCALE = 1e5  # mag1c's target scaling; sets the L1 penalty's units
MAG1C_EPSILON = 1e-9
ITERATIONS = 30  # mag1c's default
MIN_ALBEDO = 0.02


@dataclass
class SparseFilter:
    """Fitted sparse filter: the linear filter's weights plus the reweighting loop."""

    linear: LinearFilter
    energy: np.ndarray  # (samples,) t^T C^-1 t
    iterations: int = ITERATIONS

    @property
    def usable_columns(self) -> np.ndarray:
        """(samples,) bool."""
        return self.linear.usable_columns

    @classmethod
    def fit(
        cls,
        background: Background,
        gas: GasModel,
        union_bands: int,
        noise_slope: np.ndarray | None = None,
        iterations: int = ITERATIONS,
    ) -> SparseFilter:
        """Linear weights and E per column; mag1c clamps E so that E * scale^2 >= 1."""
        linear = LinearFilter.fit(background, gas, union_bands, noise_slope)
        energy = np.maximum(1.0 / linear.sigma_ppmm**2, 1.0 / MAG1C_SCALE**2)
        return cls(linear=linear, energy=np.where(np.isfinite(energy), energy, 1.0), iterations=iterations)

    def apply(self, block: np.ndarray) -> FilterOutput:
        """Albedo-corrected linear estimate q / (r E) (ppm·m), 1-sigma, albedo; ``sparsify`` finishes it."""
        lin = self.linear
        out = batched_dot(block, lin.weights) - lin.offset[None].astype(np.float32)
        albedo = np.maximum(out[..., 1] + 1.0, MIN_ALBEDO)
        variance = 1.0 / (albedo * albedo * self.energy[None, :].astype(np.float32))
        if out.shape[2] > 2:
            variance = np.maximum(variance + out[..., 2], MIN_VARIANCE_FRACTION * variance)
        return FilterOutput(out[..., 0] / albedo, np.sqrt(variance).astype(np.float32), albedo)

    def sparsify(self, linear_ppmm: np.ndarray, albedo: np.ndarray) -> np.ndarray:
        """The reweighted-L1, non-negative iterations on (lines, samples) linear estimates."""
        scale = albedo * self.energy[None, :].astype(np.float32)
        floor = np.float32(MAG1C_EPSILON * MAG1C_SCALE)
        alpha = np.maximum(linear_ppmm, 0.0)
        for _ in range(self.iterations):
            alpha = np.maximum(linear_ppmm - 1.0 / (albedo * (alpha + floor) * scale), 0.0)
        return alpha.astype(np.float32)
