"""Adaptive coherence/cosine estimator (ACE; Kraut, Scharf & McWhorter 2001).

ACE is the squared cosine between the whitened pixel and the whitened target,
cos^2 = (t^T C^-1 (x - mu))^2 / ((t^T C^-1 t) ((x - mu)^T C^-1 (x - mu))), and is
invariant to the pixel's overall scale: it ignores how anomalous a pixel is and
asks only whether its anomaly points along the gas. The enhancement reported
is the matched filter's maximum-likelihood amplitude; the uncertainty is the
filter's 1-sigma scaled by sqrt(Mahalanobis^2 / p), so that the significance
enhancement / uncertainty is sqrt(p) * cos: a pixel unlike its background in
ways the gas does not explain is reported with a wider error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from plumewatch.detect.background import Background
from plumewatch.detect.cmf import FilterOutput, LinearFilter, batched_dot, embed
from plumewatch.detect.targets import GasModel


@dataclass
class AceFilter:
    """Fitted ACE: the linear filter plus per-column whitening matrices."""

    linear: LinearFilter
    whitener: np.ndarray  # (samples, union_bands, b): x @ W = (L^-1 x)^T
    whitened_mean: np.ndarray  # (samples, b)
    live_bands: np.ndarray  # (samples,) p

    @property
    def usable_columns(self) -> np.ndarray:
        """(samples,) bool."""
        return self.linear.usable_columns

    @classmethod
    def fit(
        cls, background: Background, gas: GasModel, union_bands: int, noise_slope: np.ndarray | None = None
    ) -> AceFilter:
        """Linear weights and whitening per column group."""
        linear = LinearFilter.fit(background, gas, union_bands, noise_slope)
        whiten = background.whitener()  # (G, b, b): rows act on x
        whiten = np.where(background.band_ok[:, None, :] & background.band_ok[:, :, None], whiten, 0.0)
        as_columns = whiten.transpose(0, 2, 1)  # x @ W^T
        g = background.group_of_column
        return cls(
            linear=linear,
            whitener=embed(as_columns, background, gas, union_bands),
            whitened_mean=np.einsum("gb,gbc->gc", background.mean, as_columns)[g].astype(np.float32),
            live_bands=background.band_ok.sum(axis=1)[g],
        )

    def apply(self, block: np.ndarray) -> FilterOutput:
        """Matched-filter amplitude with ACE-scaled uncertainty and albedo for a block."""
        lin = self.linear.apply(block)
        whitened = batched_dot(block, self.whitener) - self.whitened_mean[None]
        mahalanobis2 = np.einsum("lsb,lsb->ls", whitened, whitened)
        scale = np.sqrt(np.maximum(mahalanobis2 / self.live_bands[None, :], 1e-12)).astype(np.float32)
        return FilterOutput(lin.enhancement_ppmm, lin.uncertainty_ppmm * scale, lin.albedo)
