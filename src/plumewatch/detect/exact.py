"""Albedo-corrected matched filter with the exact (non-linear) Beer-Lambert model.

The linear filter assumes x - mu = -alpha * mu * k * AMF, which holds for thin
plumes only: band-averaged transmittance saturates, so strong plumes (thousands
of ppm·m) are under-estimated by tens of percent, and dark or bright pixels are
biased by their albedo. Here each pixel is modelled as x = r * mu * T(a) + n,
n ~ N(0, C), with r its brightness relative to the column mean and T the exact
band-averaged transmittance of a vertical column a (tabulated by
:func:`plumewatch.detect.targets.exact_table`). The maximum-likelihood a solves

    f(a) = J(a)^T C^-1 x / r(a) - J(a)^T C^-1 m(a) = 0,

with m(a) = mu * T(a), J(a) = mu * dT/da and r(a) = (x . mu) / (m(a) . mu).
All pixel-dependent terms are dot products of x with per-column vectors
C^-1 J(a_j) at the grid nodes a_j, so one batched GEMM per block gives f at
every node for every pixel; the root is then bracketed and interpolated.
The 1-sigma uncertainty is the Cramer-Rao bound 1 / (r sqrt(J^T C^-1 J)) at
the solution.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from plumewatch.detect.background import Background
from plumewatch.detect.cmf import MIN_VARIANCE_FRACTION, FilterOutput, batched_dot, embed
from plumewatch.detect.targets import GasModel

# Pixels whose brightness is below this fraction of their column's mean carry
# too little signal for an albedo correction (shadow, water): their albedo is clamped.
MIN_ALBEDO = 0.02


@dataclass
class ExactFilter:
    """Fitted exact Beer-Lambert filter for one gas (per-column node vectors and scalars)."""

    gas: str
    grid_ppmm: np.ndarray  # (J,)
    weights: np.ndarray  # (samples, union_bands, J + 1 [+1]): C^-1 J(a_j), mu [, noise weights]
    model_dot: np.ndarray  # (samples, J): J(a_j)^T C^-1 m(a_j)
    energy: np.ndarray  # (samples, J): J(a_j)^T C^-1 J(a_j)
    brightness: np.ndarray  # (samples, J): m(a_j) . mu
    noise_offset: np.ndarray | None  # (samples,)
    usable_columns: np.ndarray  # (samples,) bool

    @classmethod
    def fit(
        cls, background: Background, gas: GasModel, union_bands: int, noise_slope: np.ndarray | None = None
    ) -> ExactFilter:
        """Node vectors from a fitted background and the gas's exact transmittance table."""
        if gas.exact_transmittance is None or gas.exact_slope_per_ppmm is None or gas.exact_grid_ppmm is None:
            raise ValueError(f"{gas.gas}: the exact filter needs a transmittance table")
        mu = np.where(background.band_ok, background.mean, 0.0)  # (G, b)
        model = mu[:, None, :] * gas.exact_transmittance[None]  # (G, J, b)
        jac = mu[:, None, :] * gas.exact_slope_per_ppmm[None]
        solved = background.solve(jac.transpose(0, 2, 1))  # (G, b, J)
        energy = np.einsum("gjb,gbj->gj", jac, solved)
        model_dot = np.einsum("gjb,gbj->gj", model, solved)
        brightness = np.einsum("gjb,gb->gj", model, background.mean)
        ok = background.usable & np.all(np.isfinite(energy) & (energy > 0), axis=1)
        solved = np.where(ok[:, None, None], solved, 0.0)
        columns = [solved, background.mean[:, :, None]]
        noise_offset = None
        if noise_slope is not None:
            w0 = solved[:, :, _zero_node(gas.exact_grid_ppmm)] / energy[:, [_zero_node(gas.exact_grid_ppmm)]]
            noise_w = w0 * w0 * noise_slope[None, gas.local_index]
            columns.append(noise_w[:, :, None])
            noise_offset = np.sum(noise_w * background.mean, axis=1)[background.group_of_column]
        g = background.group_of_column
        return cls(
            gas=gas.gas,
            grid_ppmm=np.asarray(gas.exact_grid_ppmm, dtype=np.float64),
            weights=embed(np.concatenate(columns, axis=2), background, gas, union_bands),
            model_dot=np.where(ok[:, None], model_dot, 0.0)[g].astype(np.float32),
            energy=np.where(ok[:, None], energy, 1.0)[g].astype(np.float32),
            brightness=brightness[g].astype(np.float32),
            noise_offset=noise_offset,
            usable_columns=ok[g],
        )

    def apply(self, block: np.ndarray) -> FilterOutput:
        """Enhancement (ppm·m), its Cramer-Rao 1-sigma and albedo for a (lines, samples, bands) block."""
        nodes = len(self.grid_ppmm)
        dots = batched_dot(block, self.weights)  # (L, S, J + 1 [+1])
        x_mu = dots[..., nodes]
        zero = _zero_node(self.grid_ppmm)
        x_mu = np.maximum(x_mu, MIN_ALBEDO * self.brightness[None, :, zero])
        albedo = x_mu[..., None] / self.brightness[None]  # (L, S, J): r(a_j)
        f = dots[..., :nodes] / albedo - self.model_dot[None]
        below = np.clip((f > 0).sum(axis=-1) - 1, 0, nodes - 2)  # last node with f > 0 (f decreases)
        f_lo = np.take_along_axis(f, below[..., None], -1)[..., 0]
        f_hi = np.take_along_axis(f, below[..., None] + 1, -1)[..., 0]
        a_lo, a_hi = self.grid_ppmm[below], self.grid_ppmm[below + 1]
        bracketed = (f_lo > 0) & (f_hi <= 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(bracketed, f_lo / (f_lo - f_hi), 0.0)
            # Outside the grid, one Newton step from the nearest end node.
            e_lo = np.take_along_axis(np.broadcast_to(self.energy[None], f.shape), below[..., None], -1)[
                ..., 0
            ]
            e_hi = np.take_along_axis(np.broadcast_to(self.energy[None], f.shape), below[..., None] + 1, -1)[
                ..., 0
            ]
            newton = np.where(f_lo <= 0, a_lo + f_lo / e_lo, a_hi + f_hi / e_hi)
        alpha = np.where(bracketed, a_lo + frac * (a_hi - a_lo), newton)
        energy = e_lo + np.where(bracketed, frac, 0.0) * (e_hi - e_lo)
        r_lo = np.take_along_axis(albedo, below[..., None], -1)[..., 0]
        r_hi = np.take_along_axis(albedo, below[..., None] + 1, -1)[..., 0]
        r = r_lo + np.where(bracketed, frac, 0.0) * (r_hi - r_lo)
        variance = 1.0 / (r * r * np.maximum(energy, 1e-30))
        if self.noise_offset is not None:
            noise_delta = dots[..., nodes + 1] - self.noise_offset[None]
            variance = np.maximum(variance + noise_delta, MIN_VARIANCE_FRACTION * variance)
        return FilterOutput(
            alpha.astype(np.float32),
            np.sqrt(variance).astype(np.float32),
            (x_mu / self.brightness[None, :, zero]).astype(np.float32),
        )


def _zero_node(grid_ppmm: np.ndarray) -> int:
    return int(np.argmin(np.abs(grid_ppmm)))
