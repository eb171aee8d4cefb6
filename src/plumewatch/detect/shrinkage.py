"""Shrinkage of sample covariances towards their diagonal, computed from accumulated sums.

Both rules need only the sample covariance and the sample count, so they work
on statistics merged from chunks. They act on the correlation matrix (bands of
very different brightness are treated alike) with the identity as target, i.e.
the covariance is shrunk towards its own diagonal:

- ``oas``: Oracle Approximating Shrinkage (Chen, Wiesel, Eldar & Hero 2010, IEEE TSP 58:5016).
- ``lw``: the Rao-Blackwellised Ledoit-Wolf rule of the same paper (RBLW), which improves
  on Ledoit & Wolf (2004) for Gaussian data without needing fourth moments.
- ``loo``: the weight that maximises the leave-one-out Gaussian likelihood (Hoffbeck &
  Landgrebe 1996), in the closed form of Theiler (2012, Proc. SPIE 8391) that replaces each
  sample's Mahalanobis distance by its mean trace(G^-1 S), so it too needs only S and n.

OAS and RBLW assume little about the spectrum of the covariance and shrink hard
(weights ~p/n); high-SNR radiance has correlations of 0.999 between bands, where
even a weight of 1e-3 swamps the noise floor the filter relies on. The
leave-one-out weight is chosen from the data and is usually orders of magnitude smaller.
"""

from __future__ import annotations

import numpy as np

from plumewatch.detect.pieces import in_pieces

SHRINKAGE_METHODS = ("loo", "oas", "lw")
LOO_CANDIDATES = np.r_[0.0, np.logspace(-9, -0.3, 22)]
LOO_GROUPS = 48  # groups on which the shared leave-one-out weight is evaluated


def shrink_covariance(
    cov: np.ndarray,
    n_samples: np.ndarray | float,
    *,
    method: str = "loo",
    weight: float | None = None,
    overwrite_cov: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Shrunk covariances (..., bands, bands) and shrinkage weights (...) in [0, 1].

    ``weight``: the shared leave-one-out weight, where the caller already has it (``loo`` only).
    ``overwrite_cov``: shrink ``cov`` in place (a caller's own copy), instead of a new array.
    """
    if method not in SHRINKAGE_METHODS:
        raise ValueError(f"unknown shrinkage {method!r}; choose from {SHRINKAGE_METHODS}")
    p = cov.shape[-1]
    variance = np.diagonal(cov, axis1=-2, axis2=-1).copy()
    n = np.broadcast_to(np.asarray(n_samples, dtype=float), variance.shape[:-1])
    if method == "loo":
        if weight is None:
            pick = loo_sample(n, p)
            weight = shared_loo_weight(cov[pick], n[pick])
        rho = np.full(n.shape, weight)
    else:
        corr = _correlation(cov)
        tr_s2 = np.einsum("...ij,...ij->...", corr, corr)  # trace(R @ R) for symmetric R
        tr_s = float(p)  # trace(R) = p
        spread = tr_s2 - tr_s**2 / p
        if method == "oas":
            numerator = (1.0 - 2.0 / p) * tr_s2 + tr_s**2
            denominator = (n + 1.0 - 2.0 / p) * spread
        else:
            numerator = (n - 2.0) / np.maximum(n, 1.0) * tr_s2 + tr_s**2
            denominator = (n + 2.0) * spread
        with np.errstate(divide="ignore", invalid="ignore"):
            rho = np.where(denominator > 0, np.minimum(1.0, numerator / denominator), 1.0)
    shrunk = np.multiply(cov, (1.0 - rho)[..., None, None], out=cov if overwrite_cov else None)
    idx = np.arange(p)
    shrunk[..., idx, idx] = variance
    return shrunk, rho


def loo_sample(n_samples: np.ndarray, bands: int) -> np.ndarray:
    """Indices of the (up to LOO_GROUPS, evenly spaced) groups the shared leave-one-out weight is chosen on.

    One weight serves all groups, so only these need their correlation matrix. Groups too small for
    Background.fit to use (fewer than bands/4 + 2 pixels) hold an identity placeholder whose
    likelihood would veto every weight but 1: they take no part in the choice.
    """
    eligible = np.flatnonzero(np.asarray(n_samples) >= bands // 4 + 2)
    spaced = np.linspace(0, len(eligible) - 1, min(LOO_GROUPS, len(eligible))).round().astype(int)
    return eligible[np.unique(spaced)]


def _correlation(cov: np.ndarray) -> np.ndarray:
    std = np.sqrt(np.clip(np.diagonal(cov, axis1=-2, axis2=-1), 1e-300, None))
    return cov / std[..., :, None] / std[..., None, :]


def shared_loo_weight(cov: np.ndarray, n_samples: np.ndarray) -> float:
    """The leave-one-out weight shared by all groups, chosen on the covariances ``cov`` of ``loo_sample``."""
    return loo_weight(_correlation(cov), n_samples) if len(cov) else 1.0


def loo_weight(corr: np.ndarray, n_samples: np.ndarray) -> float:
    """Shrinkage weight towards the identity maximising the approximate leave-one-out likelihood.

    ``corr`` (groups, p, p) correlation matrices of ``n_samples`` (groups,) pixels; one weight is shared
    by all groups (``shrink_covariance`` evaluates it on up to LOO_GROUPS of them), which steadies it
    where groups are small.
    The shrunk matrix G = (1 - beta) n / (n - 1) R + beta I shares R's eigenvectors, so one
    eigendecomposition per group gives log det G and trace(G^-1 R) for every candidate weight.
    """
    n = np.maximum(n_samples, 3.0)[:, None]
    eigenvalues = in_pieces(np.linalg.eigvalsh, corr)  # (groups, p)
    best, best_score = 1.0, np.inf
    for beta in LOO_CANDIDATES:
        g = (1.0 - beta) * (n / (n - 1.0)) * eigenvalues + beta
        if np.any(g <= 0):
            continue
        log_det = np.sum(np.log(g), axis=1)
        r_mean = np.sum(eigenvalues / g, axis=1)
        shrink = 1.0 - (1.0 - beta) / (n[:, 0] - 1.0) * r_mean
        if np.any(shrink <= 0):
            continue
        score = float(np.sum(log_det + np.log(shrink) + r_mean / shrink))
        if score < best_score:
            best, best_score = float(beta), score
    return best
