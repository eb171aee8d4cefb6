"""Forward models: at-sensor radiance over a surface with gas plumes, SWIR and LWIR.

SWIR, reflected sunlight (uW nm-1 cm-2 sr-1), computed on a fine grid and then band-averaged::

    L_b = rho_b * < E_sun(l) cos(sza) / pi * exp(-tau_bg(l) - sum_g k_g(l) c_g (1/cos(sza) + 1/cos(vza))) >_b

with ``tau_bg = sum_g k'_g C_g (1/cos(sza) + f_g/cos(vza))`` the background atmosphere (H2O, CO2,
CH4 vertical columns C_g; k'_g at each gas's effective pressure; f_g the share of each column
below the sensor; MODTRAN's below 1852 nm, see ``atmosphere.py``) and c_g the plume's vertical
column enhancement, which both the sun-to-ground and ground-to-sensor legs cross.

LWIR, three layers -- ground, a plume at its own temperature, the sensor (W m-2 sr-1 um-1)::

    L_b = tau_a [(1 - t_b) B_b(T_p) + t_b (eps_b B_b(T_s) + (1 - eps_b) B_b(T_sky))] + (1 - tau_a) B_b(T_air)

with t_b the exact band transmittance of the plume along the view path (c_g / cos(vza)). The plume
signal is ``tau_a (1 - t_b) (B(T_p) - L_bg)``: the thermal contrast between the plume and the
background radiance under it sets its sign (emission when the plume is warmer, absorption when cooler).

Both keep Beer-Lambert exact at fine resolution (no linearisation). Neither models scattering:
no aerosol, Rayleigh or adjacency terms, so SWIR radiance below ~1000 nm is the direct beam only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy import sparse

from plumewatch.errors import UnknownGasError
from plumewatch.spectra.absorption import unit_absorption
from plumewatch.spectra.atmosphere import (
    EFFECTIVE_PRESSURE_ATM,
    SENSOR_ALTITUDE_M,
    background_columns_ppmm,
    modtran_optical_depth_per_air_mass,
    share_below,
)
from plumewatch.spectra.convolve import band_weights
from plumewatch.spectra.library import gas_entry, gas_segments, library_gases
from plumewatch.spectra.planck import LWIR_UNITS, SWIR_UNITS, planck_radiance
from plumewatch.spectra.solar import solar_irradiance

__all__ = [
    "LWIR_UNITS",
    "SWIR_UNITS",
    "background_columns_ppmm",
    "lwir_radiance",
    "planck_radiance",
    "radiance_unit_absorption",
    "swir_radiance",
]

log = logging.getLogger(__name__)
# SWIR fine grid: the line-by-line grid in wavenumber over the gases' coverage, the solar table's 0.1 nm
# grid below it.
SWIR_GRID_CM = (3846.0, 7145.0, 0.02)
LWIR_GRID_CM = (700.0, 1450.0, 0.0625)
SKY_TEMPERATURE_K = 250.0
CHUNK_ELEMENTS = 4_000_000


@dataclass(frozen=True)
class FineGrid:
    """A fine grid (nm, ascending): each gas's optical depth per ppm·m, in a plume and in the background."""

    wavelength_nm: np.ndarray
    optical_depth_per_ppmm: dict[str, np.ndarray]
    background_optical_depth_per_ppmm: dict[str, np.ndarray]
    # below this wavelength the background atmosphere is MODTRAN's (no line data there)
    lines_start_nm: float
    modtran_optical_depth_per_air_mass: np.ndarray


def _on_grid(gas: str, wavelength_nm: np.ndarray, pressure_atm: float = 1.0) -> np.ndarray:
    k = np.zeros_like(wavelength_nm)
    for segment in gas_segments(gas, pressure_atm):
        inside = (wavelength_nm >= segment.wavelength_nm[0]) & (wavelength_nm <= segment.wavelength_nm[-1])
        k[inside] = np.interp(wavelength_nm[inside], segment.wavelength_nm, segment.optical_depth_per_ppmm)
    return k


@cache
def fine_grid(regime: str) -> FineGrid:
    """The fine grid used by the forward model of ``regime`` ('swir' or 'lwir'), gases loaded on it."""
    gases = library_gases(regime)
    if regime == "swir":
        lo, hi, step = SWIR_GRID_CM
        gas_nm = 1e7 / np.arange(hi, lo - step / 2, -step)
        solar_nm, _ = solar_irradiance()
        wavelength_nm = np.concatenate([solar_nm[solar_nm < gas_nm[0]], gas_nm])
        background = {g: _on_grid(g, wavelength_nm, p) for g, p in EFFECTIVE_PRESSURE_ATM.items()}
        modtran_nm, modtran_tau = modtran_optical_depth_per_air_mass()
        modtran = np.interp(wavelength_nm, modtran_nm, modtran_tau, left=0.0, right=0.0)
        lines_start_nm = float(gas_segments("h2o")[0].wavelength_nm[0])
    else:
        lo, hi, step = LWIR_GRID_CM
        wavelength_nm = 1e7 / np.arange(hi, lo - step / 2, -step)
        background, modtran, lines_start_nm = {}, np.zeros_like(wavelength_nm), 0.0
    plume = {g: _on_grid(g, wavelength_nm) for g in gases}
    return FineGrid(wavelength_nm, plume, background, lines_start_nm, modtran)


@cache
def _weights(regime: str, centre: bytes, fwhm: bytes) -> tuple[sparse.csc_matrix, np.ndarray]:
    grid = fine_grid(regime)
    return band_weights(grid.wavelength_nm, np.frombuffer(centre), np.frombuffer(fwhm))


def _band_weights(regime: str, wavelength_nm, fwhm_nm):
    centre = np.ascontiguousarray(np.atleast_1d(wavelength_nm), dtype=float)
    fwhm = np.ascontiguousarray(np.broadcast_to(np.asarray(fwhm_nm, dtype=float), centre.shape))
    return _weights(regime, centre.tobytes(), fwhm.tobytes())


def background_optical_depth(
    grid: FineGrid, columns_ppmm: dict[str, float], mu_sun: float, mu_view: float, sensor_altitude_m: float
) -> np.ndarray:
    """Background optical depth along the sun-ground-sensor path on the SWIR fine grid."""
    tau = np.zeros_like(grid.wavelength_nm)
    for gas, column in columns_ppmm.items():
        k = grid.background_optical_depth_per_ppmm.get(gas)
        if k is None:
            k = grid.optical_depth_per_ppmm[_plume_gas(gas, "swir")]
        tau += k * column * (1.0 / mu_sun + share_below(gas, sensor_altitude_m) / mu_view)
    below = grid.wavelength_nm < grid.lines_start_nm
    water_share = share_below("h2o", sensor_altitude_m)
    tau[below] = grid.modtran_optical_depth_per_air_mass[below] * (1.0 / mu_sun + water_share / mu_view)
    return tau


def _plume_gas(gas: str, regime: str) -> str:
    if gas_entry(gas).regime != regime:
        raise UnknownGasError(f"gas {gas!r} has no {regime.upper()} absorption in the spectral library")
    return str(gas).lower()


def _plume_paths(columns_ppmm: dict, shape: tuple[int, ...], regime: str, air_mass: float):
    gases = [_plume_gas(gas, regime) for gas in columns_ppmm]
    paths = [
        np.broadcast_to(np.asarray(c, dtype=float), shape).ravel() * air_mass for c in columns_ppmm.values()
    ]
    return gases, (np.stack(paths, axis=1) if paths else np.zeros((int(np.prod(shape)), 0)))


def _k_matrix(grid: FineGrid, gases: list[str]) -> np.ndarray:
    """Optical depth per ppm·m of the plume gases on the fine grid, (fine, gases)."""
    columns = [grid.optical_depth_per_ppmm[g] for g in gases]
    return np.stack(columns, axis=1) if columns else np.zeros((grid.wavelength_nm.size, 0))


def _band_mean_with_plumes(
    weights: sparse.csc_matrix, base: np.ndarray, k_gases: np.ndarray, paths: np.ndarray
) -> np.ndarray:
    """Band means (pixels, bands) of base * exp(-k @ path) per pixel; each distinct path computed once."""
    clear = weights.T @ base
    if paths.shape[1] == 0 or not np.any(paths):
        return np.broadcast_to(clear, (paths.shape[0], clear.size))
    unique, inverse = np.unique(paths, axis=0, return_inverse=True)
    rows = np.flatnonzero((weights.getnnz(axis=1) > 0) & np.any(k_gases > 0, axis=1))
    w_rows, base_rows, k_rows = weights[rows], base[rows], k_gases[rows]
    out = np.empty((unique.shape[0], clear.size))
    step = max(1, CHUNK_ELEMENTS // max(rows.size, 1))
    for start in range(0, unique.shape[0], step):
        tau = unique[start : start + step] @ k_rows.T
        # subtracting the absorbed light keeps weak absorption exact to rounding
        absorbed = base_rows[None, :] * -np.expm1(-tau)
        out[start : start + step] = clear[None, :] - (w_rows.T @ absorbed.T).T
    return out[inverse.ravel()]


def swir_radiance(
    reflectance: np.ndarray,
    wavelength_nm: np.ndarray,
    fwhm_nm: np.ndarray,
    *,
    solar_zenith_deg: float,
    view_zenith_deg: float,
    columns_ppmm: dict[str, np.ndarray],
    background_ppmm: dict[str, float] | None = None,
    sensor_altitude_m: float = SENSOR_ALTITUDE_M,
) -> np.ndarray:
    """At-sensor radiance (..., bands) in uW nm-1 cm-2 sr-1 over reflectance (..., bands) with plumes."""
    reflectance = np.asarray(reflectance, dtype=float)
    weights, covered = _band_weights("swir", wavelength_nm, fwhm_nm)
    if reflectance.shape[-1] != covered.size:
        raise ValueError(f"reflectance has {reflectance.shape[-1]} bands, the band table {covered.size}")
    mu_sun = np.cos(np.deg2rad(solar_zenith_deg))
    mu_view = np.cos(np.deg2rad(view_zenith_deg))
    if mu_sun <= 0 or mu_view <= 0:
        raise ValueError("solar and view zenith angles must be below 90 degrees")
    grid = fine_grid("swir")
    background = background_columns_ppmm() if background_ppmm is None else background_ppmm
    tau_bg = background_optical_depth(grid, background, mu_sun, mu_view, sensor_altitude_m)
    solar_nm, solar = solar_irradiance()
    base = np.interp(grid.wavelength_nm, solar_nm, solar) * mu_sun / np.pi * np.exp(-tau_bg)
    shape = reflectance.shape[:-1]
    gases, paths = _plume_paths(columns_ppmm, shape, "swir", 1.0 / mu_sun + 1.0 / mu_view)
    at_sensor = _band_mean_with_plumes(weights, base, _k_matrix(grid, gases), paths).reshape(
        *shape, covered.size
    )
    return np.where(covered, reflectance * at_sensor, np.nan)


def radiance_unit_absorption(
    gas: str,
    wavelength_nm: np.ndarray,
    fwhm_nm: np.ndarray,
    *,
    solar_zenith_deg: float,
    view_zenith_deg: float,
    background_ppmm: dict[str, float] | None = None,
    sensor_altitude_m: float = SENSOR_ALTITUDE_M,
) -> np.ndarray:
    """-d ln(L_b)/d(path) at zero plume, per ppm·m of path, (bands,): k weighted by at-sensor radiance."""
    weights, covered = _band_weights("swir", wavelength_nm, fwhm_nm)
    mu_sun, mu_view = np.cos(np.deg2rad(solar_zenith_deg)), np.cos(np.deg2rad(view_zenith_deg))
    grid = fine_grid("swir")
    background = background_columns_ppmm() if background_ppmm is None else background_ppmm
    tau_bg = background_optical_depth(grid, background, mu_sun, mu_view, sensor_altitude_m)
    solar_nm, solar = solar_irradiance()
    # the band's radiance weights each fine point: where background lines (of water, or of the
    # gas itself) already absorb, little light is left for a plume to take
    lit = np.interp(grid.wavelength_nm, solar_nm, solar) * np.exp(-tau_bg)
    k = grid.optical_depth_per_ppmm[_plume_gas(gas, "swir")]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (weights.T @ (lit * k)) / (weights.T @ lit)
    # bands the gas's own data do not cover stay NaN, as in unit_absorption
    inside = np.isfinite(unit_absorption(gas, wavelength_nm, fwhm_nm))
    return np.where(covered & inside, out, np.nan)


def lwir_radiance(
    surface_temperature_k: np.ndarray | float,
    emissivity: np.ndarray | float,
    wavelength_nm: np.ndarray,
    fwhm_nm: np.ndarray,
    *,
    plume_temperature_k: np.ndarray | float,
    columns_ppmm: dict[str, np.ndarray],
    view_zenith_deg: float = 0.0,
    atmosphere_transmittance: np.ndarray | float = 1.0,
    air_temperature_k: float | None = None,
    sky_temperature_k: float = SKY_TEMPERATURE_K,
) -> np.ndarray:
    """At-sensor radiance (..., bands), W m-2 sr-1 um-1: ground, a plume at its own temperature, sensor."""
    wavelength = np.atleast_1d(np.asarray(wavelength_nm, dtype=float))
    weights, covered = _band_weights("lwir", wavelength, fwhm_nm)
    surface = np.asarray(surface_temperature_k, dtype=float)
    plume_t = np.asarray(plume_temperature_k, dtype=float)
    eps = np.asarray(emissivity, dtype=float)
    shape = np.broadcast_shapes(surface.shape, plume_t.shape, eps.shape[:-1] if eps.ndim else ())
    mu_view = np.cos(np.deg2rad(view_zenith_deg))
    if mu_view <= 0:
        raise ValueError("view zenith angle must be below 90 degrees")
    grid = fine_grid("lwir")
    gases, paths = _plume_paths(columns_ppmm, shape, "lwir", 1.0 / mu_view)
    unit = np.ones(weights.shape[0])
    plume_t_band = _band_mean_with_plumes(weights, unit, _k_matrix(grid, gases), paths)
    plume_t_band = plume_t_band.reshape(*shape, wavelength.size)
    # the plume sees the same band table; outside the library's LWIR grid there is no plume absorption
    plume_t_band = np.where(covered, plume_t_band, 1.0)
    sky = planck_radiance(wavelength, sky_temperature_k)
    ground = eps * planck_radiance(wavelength, surface[..., None]) + (1.0 - eps) * sky
    layer = (1.0 - plume_t_band) * planck_radiance(wavelength, plume_t[..., None]) + plume_t_band * ground
    tau_a = np.asarray(atmosphere_transmittance, dtype=float)
    t_air = float(np.mean(surface)) if air_temperature_k is None else air_temperature_k
    return tau_a * layer + (1.0 - tau_a) * planck_radiance(wavelength, t_air)
