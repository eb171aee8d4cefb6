"""Checks of the gas library against independent references, as numbers for tests and docs.

- ``srcfinder_agreement``: our CH4 unit absorption on AVIRIS-NG bands against JPL srcfinder's
  ``ang_ch4_unit_3col_425chan.txt``, whose third column is -1e5 x the band optical depth per
  ppm·m (``robust_mf.py`` multiplies its matched-filter output by ``ppmscaling = 1e5``).
- ``lut_path_factor``: mag1c's table against HITRAN line intensities, which fixes the path the
  table's ppm·m is seen along (see ``lut.py``); also usable on the 2.5 um edge of the band
  (``WEAK_EDGE_WINDOW``), where the two differ.
- ``acetone_band_strengths``: NIST Quant-IR acetone against the HITRAN acetone cross-section.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from plumewatch.spectra.absorption import unit_absorption
from plumewatch.spectra.library import MOLECULES_CM2_PER_PPMM, gas_segments
from plumewatch.spectra.lines import cross_section_cm2, read_par
from plumewatch.spectra.lut import lut_path_optical_depth_per_ppmm
from plumewatch.spectra.quantir import read_hitran_xsc
from plumewatch.spectra.sensors import get_sensor

DATA_DIR = Path(__file__).parent / "data"
SRCFINDER_SCALE = -1e5
COMPARISON_WINDOW_NM = (2100.0, 2450.0)
# 3970-4095 cm-1 (2442-2519 nm): weak CH4 under strong water lines, with its own HITRAN fragment
WEAK_EDGE_WINDOW = {"lo_cm": 3970.0, "hi_cm": 4095.0, "lines_file": "hitran_ch4_3875-4100cm.par.gz"}


def srcfinder_agreement(*, use_srcfinder_wavelengths: bool = False) -> dict[str, float]:
    """Correlation, fitted scale, and differences of our AVIRIS-NG CH4 unit absorption vs srcfinder's."""
    table = np.loadtxt(DATA_DIR / "srcfinder_ang_ch4_unit_3col_425chan.txt")
    sensor = get_sensor("avirisng")
    wavelength_nm = table[:, 1] if use_srcfinder_wavelengths else sensor.wavelength_nm
    ours = unit_absorption("ch4", wavelength_nm, sensor.fwhm_nm)
    theirs = table[:, 2] / SRCFINDER_SCALE
    window = (wavelength_nm >= COMPARISON_WINDOW_NM[0]) & (wavelength_nm <= COMPARISON_WINDOW_NM[1])
    x, y = ours[window], theirs[window]
    scale = float(x @ y / (x @ x))
    diff = scale * x - y
    strong = y > 0.1 * y.max()
    return {
        "bands": int(window.sum()),
        "correlation": float(np.corrcoef(x, y)[0, 1]),
        "scale_srcfinder_over_ours": scale,
        "max_abs_difference_over_peak": float(np.abs(diff).max() / y.max()),
        "max_relative_difference_strong_bands": float(np.max(np.abs(diff[strong]) / y[strong])),
        "median_relative_difference_strong_bands": float(np.median(np.abs(diff[strong]) / y[strong])),
    }


def lut_path_factor(
    lo_cm: float = 4383.5, hi_cm: float = 4385.5, lines_file: str = "hitran_ch4_4383-4386cm.par.gz"
) -> float:
    """Ratio of mag1c's integrated CH4 optical depth per ppm·m to HITRAN's one-way value in a window."""
    wavelength_nm, k_path = lut_path_optical_depth_per_ppmm()
    wavenumber = 1e7 / wavelength_nm[::-1]
    k_path = k_path[::-1]
    inside = (wavenumber >= lo_cm) & (wavenumber <= hi_cm)
    lut = np.trapezoid(k_path[inside], wavenumber[inside])
    lines = read_par(DATA_DIR / lines_file)
    grid = np.arange(lo_cm - 1.0, hi_cm + 1.0, 0.002)
    sigma = cross_section_cm2(lines, grid)
    within = (grid >= lo_cm) & (grid <= hi_cm)
    hitran = np.trapezoid(sigma[within], grid[within]) * MOLECULES_CM2_PER_PPMM
    return float(lut / hitran)


def acetone_band_strengths(lo_cm: float = 1150.0, hi_cm: float = 1270.0) -> dict[str, float]:
    """Integrated acetone band strength (cm/molecule) over [lo, hi] cm-1: NIST Quant-IR and HITRAN xsc."""
    segment = gas_segments("acetone")[0]
    wavenumber = 1e7 / segment.wavelength_nm[::-1]
    tau = segment.optical_depth_per_ppmm[::-1]
    inside = (wavenumber >= lo_cm) & (wavenumber <= hi_cm)
    nist = np.trapezoid(tau[inside], wavenumber[inside]) / MOLECULES_CM2_PER_PPMM
    xsc_cm, sigma, temperature_k, _ = read_hitran_xsc(DATA_DIR / "hitran_xsc_acetone_233K.xsc.gz")
    within = (xsc_cm >= lo_cm) & (xsc_cm <= hi_cm)
    hitran = np.trapezoid(sigma[within], xsc_cm[within])
    return {
        "nist_cm_molecule": float(nist),
        "hitran_cm_molecule": float(hitran),
        "hitran_temperature_k": temperature_k,
    }
