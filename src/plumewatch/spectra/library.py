"""The gas library: fine-grid absorption per ppm·m for each gas, with its source.

Every gas is one or more segments, each a fine spectral grid (nm, ascending) with the
natural-log optical depth per ppm·m of one-way path (a ppm·m counted at the reference
state of ``plumewatch.units``: 101 325 Pa, 288.15 K, 2.547e15 molecule cm-2):

- SWIR CH4: mag1c's MODTRAN table (``lut.py``), 1399.6-2522.0 nm.
- SWIR H2O and CO2: HITRAN lines, Voigt profiles at 296 K and 1 atm (``lines.py``) on a
  0.02 cm-1 grid: H2O 1852-2564 nm, CO2 1980-2020 nm (the line lists we hold stop there).
  Other pressures can be asked for (the forward model's background atmosphere uses them);
  the table- and lab-based gases have one fixed state.
- LWIR: NIST Quant-IR absorbance (``quantir.py``), 6.9-14.3 um; NH3 from a shape-only Coblentz
  scan scaled to its published nu2 band strength (``scaled.py``), 6.9-14.3 um.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from plumewatch.errors import UnknownGasError
from plumewatch.spectra import lut, quantir, scaled
from plumewatch.spectra.lines import cross_section_cm2, read_par
from plumewatch.units import air_molar_density_mol_m3

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).parent / "data"
AVOGADRO_PER_MOL = 6.02214076e23
# Molecules per cm2 in a path of 1 ppm·m at the reference state of plumewatch.units.
MOLECULES_CM2_PER_PPMM = 1e-6 * air_molar_density_mol_m3() * AVOGADRO_PER_MOL * 1e-4
LINE_GRID_STEP_CM = 0.02
REGIMES = ("swir", "lwir")


@dataclass(frozen=True)
class Segment:
    """One contiguous fine-grid piece of a gas's absorption spectrum."""

    wavelength_nm: np.ndarray
    optical_depth_per_ppmm: np.ndarray
    source: str


@dataclass(frozen=True)
class GasEntry:
    """A library gas: its regime, a loader for its segments, and a citation line."""

    regime: str
    load: Callable[[float], Segment]
    source: str


def _from_wavenumber(wavenumber_cm: np.ndarray, tau: np.ndarray, source: str) -> Segment:
    return Segment(np.ascontiguousarray(1e7 / wavenumber_cm[::-1]), np.ascontiguousarray(tau[::-1]), source)


def _hitran(filename: str, lo_cm: float, hi_cm: float, source: str) -> Callable[[float], Segment]:
    def load(pressure_atm: float) -> Segment:
        lines = read_par(DATA_DIR / filename)
        grid = np.arange(lo_cm, hi_cm + LINE_GRID_STEP_CM / 2, LINE_GRID_STEP_CM)
        tau = cross_section_cm2(lines, grid, pressure_atm=pressure_atm) * MOLECULES_CM2_PER_PPMM
        log.debug("%s: %d lines on %d grid points", filename, len(lines), grid.size)
        return _from_wavenumber(grid, tau, source)

    return load


def _mag1c_ch4(pressure_atm: float) -> Segment:
    wavelength_nm, tau = lut.ch4_optical_depth_per_ppmm()
    return Segment(wavelength_nm, tau, "mag1c MODTRAN CH4 look-up table (Foote et al. 2020)")


def _quantir(gas: str) -> Callable[[float], Segment]:
    def load(pressure_atm: float) -> Segment:
        wavenumber, tau = quantir.quantir_optical_depth_per_ppmm(DATA_DIR / f"nist_quantir_{gas}.jdx.gz")
        return _from_wavenumber(wavenumber, tau, "NIST Quant-IR (SRD 79)")

    return load


def _scaled_nh3(pressure_atm: float) -> Segment:
    spectrum = scaled.scaled_cross_section(
        DATA_DIR / "nist_coblentz_nh3.jdx.gz", scaled.NH3_NU2, scaled.NH3_BASELINE_WINDOWS_CM
    )
    tau = spectrum.cross_section_cm2 * MOLECULES_CM2_PER_PPMM
    return _from_wavenumber(spectrum.wavenumber_cm, tau, NH3_SOURCE)


NH3_SOURCE = f"NIST/Coblentz No. 8751 shape scaled to {scaled.NH3_NU2.citation}"
HITRAN = "HITRAN lines, Voigt at 296 K, 1 atm"
GASES: dict[str, GasEntry] = {
    "ch4": GasEntry("swir", _mag1c_ch4, "mag1c MODTRAN CH4 look-up table (Foote et al. 2020)"),
    "co2": GasEntry("swir", _hitran("hitran_co2_4950-5050cm.par.gz", 4950.0, 5050.0, HITRAN), HITRAN),
    "h2o": GasEntry("swir", _hitran("hitran_h2o_3875-5405cm.par.gz", 3900.0, 5400.0, HITRAN), HITRAN),
    "nh3": GasEntry("lwir", _scaled_nh3, NH3_SOURCE),
    **{
        gas: GasEntry("lwir", _quantir(gas), "NIST Quant-IR (SRD 79)")
        for gas in (
            "acetone",
            "acetonitrile",
            "cfc-12",
            "chloroform",
            "dichloromethane",
            "ethyl_acetate",
            "isopropanol",
            "mek",
            "sf6",
        )
    },
}


def library_gases(regime: str | None = None) -> list[str]:
    """Lower-case names of the library's gases, all or those of one regime ('swir' or 'lwir')."""
    if regime is not None and regime not in REGIMES:
        raise ValueError(f"regime must be one of {REGIMES}, not {regime!r}")
    return sorted(g for g, e in GASES.items() if regime is None or e.regime == regime)


def gas_entry(gas: str) -> GasEntry:
    """The library entry of ``gas`` (case-insensitive); UnknownGasError if there is none."""
    try:
        return GASES[str(gas).lower()]
    except KeyError:
        known = ", ".join(library_gases())
        raise UnknownGasError(f"gas {gas!r} is not in the spectral library; known: {known}") from None


@cache
def gas_segments(gas: str, pressure_atm: float = 1.0) -> tuple[Segment, ...]:
    """The fine-grid absorption segments of ``gas`` (line gases at ``pressure_atm``), loaded once."""
    entry = gas_entry(gas)
    return (entry.load(pressure_atm),)
