"""Band averaging: fine-grid spectra seen through a sensor's spectral response functions.

A band's value is the response-weighted mean of the fine spectrum,
``sum_i R(l_i) f(l_i) dl_i / sum_i R(l_i) dl_i``, with trapezoid widths ``dl_i`` so that
non-uniform grids (MODTRAN's, or a wavenumber grid seen in nm) integrate correctly. The
response is a Gaussian of the band's centre and FWHM unless a table is given.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

# A Gaussian band is covered when the fine grid spans its centre +/- this many FWHM
# (3.5 sigma: the response left outside is below 0.05 %).
COVERAGE_FWHM = 1.5
FWHM_PER_SIGMA = 2.0 * np.sqrt(2.0 * np.log(2.0))

ResponseTable = tuple[np.ndarray, np.ndarray]


def trapezoid_widths(x: np.ndarray) -> np.ndarray:
    """Integration weight of each sample of an ascending grid (same units as ``x``)."""
    x = np.asarray(x, dtype=float)
    if x.size < 2:
        return np.ones_like(x)
    edges = np.concatenate(([x[0]], 0.5 * (x[1:] + x[:-1]), [x[-1]]))
    return np.diff(edges)


def band_weights(
    fine_wavelength_nm: np.ndarray,
    wavelength_nm: np.ndarray,
    fwhm_nm: np.ndarray,
    *,
    response: ResponseTable | None = None,
) -> tuple[sparse.csc_matrix, np.ndarray]:
    """Sparse (fine, bands) weights whose columns sum to 1, and a bool mask of the bands the grid covers."""
    fine = np.asarray(fine_wavelength_nm, dtype=float)
    centre = np.atleast_1d(np.asarray(wavelength_nm, dtype=float))
    fwhm = np.broadcast_to(np.asarray(fwhm_nm, dtype=float), centre.shape)
    widths = trapezoid_widths(fine)
    if response is not None:
        return _table_weights(fine, widths, centre, response)
    usable = np.isfinite(centre) & np.isfinite(fwhm) & (fwhm > 0)
    reach = COVERAGE_FWHM * fwhm
    covered = usable & (centre - reach >= fine[0]) & (centre + reach <= fine[-1])
    rows, cols, vals = [], [], []
    sigma = fwhm / FWHM_PER_SIGMA
    for b in np.flatnonzero(covered):
        lo, hi = np.searchsorted(fine, [centre[b] - 4 * sigma[b], centre[b] + 4 * sigma[b]])
        w = np.exp(-0.5 * ((fine[lo:hi] - centre[b]) / sigma[b]) ** 2) * widths[lo:hi]
        if w.sum() <= 0:
            covered[b] = False
            continue
        rows.append(np.arange(lo, hi))
        cols.append(np.full(hi - lo, b))
        vals.append(w / w.sum())
    return _assemble(rows, cols, vals, fine.size, centre.size), covered


def _table_weights(fine, widths, centre, response: ResponseTable):
    table_nm, table = (np.asarray(a, dtype=float) for a in response)
    if table.ndim != 2 or table.shape != (table_nm.size, centre.size):
        raise ValueError(f"response table must be (wavelengths, bands) = ({table_nm.size}, {centre.size})")
    order = np.argsort(table_nm)
    rows, cols, vals = [], [], []
    covered = np.zeros(centre.size, dtype=bool)
    for b in range(centre.size):
        r = table[order, b]
        support = table_nm[order][r > 0]
        if support.size == 0 or support[0] < fine[0] or support[-1] > fine[-1]:
            continue
        w = np.interp(fine, table_nm[order], r, left=0.0, right=0.0) * widths
        nz = np.flatnonzero(w > 0)
        if nz.size == 0:
            continue
        covered[b] = True
        rows.append(nz)
        cols.append(np.full(nz.size, b))
        vals.append(w[nz] / w[nz].sum())
    return _assemble(rows, cols, vals, fine.size, centre.size), covered


def _assemble(rows, cols, vals, n_fine: int, n_bands: int) -> sparse.csc_matrix:
    if not rows:
        return sparse.csc_matrix((n_fine, n_bands))
    return sparse.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n_fine, n_bands)
    )


def band_average(
    fine_values: np.ndarray,
    fine_wavelength_nm: np.ndarray,
    wavelength_nm: np.ndarray,
    fwhm_nm: np.ndarray,
    *,
    response: ResponseTable | None = None,
) -> np.ndarray:
    """Band means (..., bands) of a fine spectrum (..., fine); NaN where the grid does not cover a band."""
    weights, covered = band_weights(fine_wavelength_nm, wavelength_nm, fwhm_nm, response=response)
    values = np.asarray(fine_values, dtype=float)
    out = (weights.T @ values.reshape(-1, values.shape[-1]).T).T.reshape(*values.shape[:-1], weights.shape[1])
    return np.where(covered, out, np.nan)
