"""Band unit absorption and exact band transmittance of library gases for any sensor.

``unit_absorption`` is the response-weighted mean of the fine-grid optical depth per ppm·m
(the derivative of band optical depth at zero column). ``transmittance`` is the band mean of
``exp(-k(l) * path)`` computed on the fine grid before averaging, so saturation of strong
lines inside a band is kept: it is not ``exp(-unit_absorption * path)``.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import numpy as np
from scipy import sparse

from plumewatch.spectra.convolve import ResponseTable, band_weights
from plumewatch.spectra.library import gas_entry, gas_segments

log = logging.getLogger(__name__)

# Elements of the (paths, fine points) work array held at once.
CHUNK_ELEMENTS = 4_000_000


@lru_cache(maxsize=64)
def _cached_weights(gas: str, centre: bytes, fwhm: bytes) -> tuple[tuple[sparse.csc_matrix, np.ndarray], ...]:
    wavelength_nm = np.frombuffer(centre)
    fwhm_nm = np.frombuffer(fwhm)
    return tuple(band_weights(s.wavelength_nm, wavelength_nm, fwhm_nm) for s in gas_segments(gas))


def _name(gas: str) -> str:
    gas_entry(gas)
    return str(gas).lower()


def _weights(gas, wavelength_nm, fwhm_nm, response):
    gas = _name(gas)
    centre = np.ascontiguousarray(np.atleast_1d(wavelength_nm), dtype=float)
    fwhm = np.ascontiguousarray(np.broadcast_to(np.asarray(fwhm_nm, dtype=float), centre.shape))
    if response is not None:
        return [band_weights(s.wavelength_nm, centre, fwhm, response=response) for s in gas_segments(gas)]
    return list(_cached_weights(gas, centre.tobytes(), fwhm.tobytes()))


def unit_absorption(
    gas: str, wavelength_nm: np.ndarray, fwhm_nm: np.ndarray, *, response: ResponseTable | None = None
) -> np.ndarray:
    """Band optical depth per ppm·m of one-way path (natural log, >= 0), (bands,); NaN where uncovered."""
    weights = _weights(gas, wavelength_nm, fwhm_nm, response)
    out = np.full(weights[0][0].shape[1], np.nan)
    for segment, (w, covered) in zip(gas_segments(_name(gas)), weights, strict=True):
        out[covered] = (w.T @ segment.optical_depth_per_ppmm)[covered]
    return out


def transmittance(
    gas: str,
    path_ppmm: float | np.ndarray,
    wavelength_nm: np.ndarray,
    fwhm_nm: np.ndarray,
    *,
    response: ResponseTable | None = None,
) -> np.ndarray:
    """Exact band transmittance, exp(-k path) averaged at fine resolution, (..., bands); NaN if uncovered."""
    weights = _weights(gas, wavelength_nm, fwhm_nm, response)
    path = np.asarray(path_ppmm, dtype=float)
    values, inverse = np.unique(path.ravel(), return_inverse=True)
    n_bands = weights[0][0].shape[1]
    table = np.full((values.size, n_bands), np.nan)
    for segment, (w, covered) in zip(gas_segments(_name(gas)), weights, strict=True):
        table[:, covered] = band_transmittance(segment.optical_depth_per_ppmm, w, values)[:, covered]
    return table[inverse].reshape(*path.shape, n_bands)


def band_transmittance(
    fine_optical_depth: np.ndarray, weights: sparse.csc_matrix, amounts: np.ndarray
) -> np.ndarray:
    """Band means (amounts, bands) of exp(-tau * amount) for each amount, using only rows that weigh."""
    rows = np.flatnonzero(weights.getnnz(axis=1))
    w_rows = weights[rows]
    tau = fine_optical_depth[rows]
    # columns sum to one, so bands see 1 - sum w (1 - exp(-tau a)); working with the
    # absorbed part keeps small absorptions exact to machine precision.
    out = np.empty((amounts.size, weights.shape[1]))
    step = max(1, CHUNK_ELEMENTS // max(rows.size, 1))
    for start in range(0, amounts.size, step):
        a = amounts[start : start + step, None]
        absorbed = -np.expm1(-tau[None, :] * a)
        out[start : start + step] = 1.0 - (w_rows.T @ absorbed.T).T
    return out
