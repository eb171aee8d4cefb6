"""Cross-sections of gases held only as shape spectra, scaled to a published band strength.

The only NH3 spectrum we hold is Coblentz No. 8751 (Dow Chemical 1964, digitised by NIST): a
transmittance scan at 4 cm-1 resolution of a 5 cm cell. Its shape is used, its scale is not:

1. the baseline is a straight line fitted through line-free windows on both sides of the band,
   and the scan is divided by it (the hard copy's 100 % line sits near 0.9);
2. natural absorbance ``a = -ln(T / T_base)``; where ``T / T_base`` falls below
   ``SATURATED_BELOW`` (the Q-branch cores) the scan is too dark to read, so ``a`` there is held
   at ``-ln(SATURATED_BELOW)``, a lower bound on the absorbance;
3. the cross-section is ``a / N`` with ``N`` chosen so that its integral over the band equals the
   published integrated band intensity (``BandStrength``).

The scaled spectrum keeps the 4 cm-1 instrument's view of the band: lines that are saturated
there are too weak relative to the rest, so narrow features carry the shape error, while band
integrals (what a 2-3 cm-1 HyTES band sees, summed) follow the published strength. The
residual scale uncertainty is written down in docs/physics.md.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from plumewatch.errors import InputFileError
from plumewatch.spectra.quantir import read_jcamp

log = logging.getLogger(__name__)

AVOGADRO_PER_MOL = 6.02214076e23
BOLTZMANN_J_K = 1.380649e-23
PA_PER_MMHG = 101_325.0 / 760.0
# 1 km mol-1 of integrated band intensity (natural-log absorbance) per molecule.
CM_MOLECULE_PER_KM_MOL = 1e5 / AVOGADRO_PER_MOL
TRANSMITTANCE_YUNITS = "TRANSMITTANCE"
SATURATED_BELOW = 0.1
# A cell of unstated temperature is taken to be at room temperature (HITRAN's reference).
ROOM_TEMPERATURE_K = 296.0


@dataclass(frozen=True)
class BandStrength:
    """A published integrated band intensity (km mol-1, natural log) and the range it is applied over."""

    strength_km_mol: float
    uncertainty_km_mol: float
    lo_cm: float
    hi_cm: float
    citation: str

    @property
    def strength_cm_molecule(self) -> float:
        """The band intensity in cm molecule-1 (integral of the cross-section over wavenumber)."""
        return self.strength_km_mol * CM_MOLECULE_PER_KM_MOL


@dataclass(frozen=True)
class ScaledSpectrum:
    """A shape spectrum scaled to a band strength, with what the scaling needed to know."""

    wavenumber_cm: np.ndarray  # ascending
    cross_section_cm2: np.ndarray  # per molecule, >= 0
    saturated: np.ndarray  # bool: points read as a lower bound
    effective_column_molecules_cm2: float  # the column that makes the scan's band integral the strength
    stated_column_molecules_cm2: float  # from the header's pressure and path at 296 K; NaN if unstated


# NH3 nu2 (umbrella, 950 cm-1): 138.0 +/- 6.0 km mol-1, Koops, Visser & Smit 1983,
# J. Mol. Struct. 96, 203, as tabulated by NIST CCCBDB (SRD 101, release 22, 2022).
NH3_NU2 = BandStrength(
    138.0,
    6.0,
    700.0,
    1250.0,
    "NH3 nu2 138.0 +/- 6.0 km/mol (Koops, Visser & Smit 1983, J. Mol. Struct. 96, 203; NIST CCCBDB)",
)
# Line-free stretches of the Coblentz NH3 scan on each side of nu2 (its P and R branches reach
# about 690 and 1235 cm-1; the nu4 band starts past 1400 cm-1).
NH3_BASELINE_WINDOWS_CM = ((640.0, 690.0), (1236.0, 1330.0))


@lru_cache(maxsize=8)
def scaled_cross_section(
    path: Path,
    band: BandStrength,
    baseline_windows_cm: tuple[tuple[float, float], ...],
    lo_cm: float = 700.0,
    hi_cm: float = 1450.0,
) -> ScaledSpectrum:
    """The scan of ``path`` as a cross-section (cm2 molecule-1) on [lo, hi] cm-1, scaled to ``band``."""
    spectrum = read_jcamp(path)
    yunits = str(spectrum.get("yunits", "")).strip().upper()
    if yunits != TRANSMITTANCE_YUNITS:
        raise InputFileError(path, f"Y units {yunits!r} are not transmittance")
    wavenumber = np.asarray(spectrum["x"], dtype=float)
    transmittance = np.asarray(spectrum["y"], dtype=float)
    order = np.argsort(wavenumber)
    wavenumber, transmittance = wavenumber[order], transmittance[order]
    relative = transmittance / _baseline(path, wavenumber, transmittance, baseline_windows_cm)
    saturated = relative < SATURATED_BELOW
    # above the baseline is digitising noise, not emission
    absorbance = -np.log(np.clip(np.where(saturated, SATURATED_BELOW, relative), None, 1.0))
    in_band = (wavenumber >= band.lo_cm) & (wavenumber <= band.hi_cm)
    band_integral = np.trapezoid(absorbance[in_band], wavenumber[in_band])
    if not band_integral > 0:
        raise InputFileError(path, f"no absorption in {band.lo_cm:.0f}-{band.hi_cm:.0f} cm-1 to scale")
    column_molecules_cm2 = band_integral / band.strength_cm_molecule
    keep = (wavenumber >= lo_cm) & (wavenumber <= hi_cm)
    log.debug(
        "%s: %d saturated points, band integral %.1f cm-1, effective column %.3e cm-2",
        Path(path).name,
        int(saturated[in_band].sum()),
        band_integral,
        column_molecules_cm2,
    )
    return ScaledSpectrum(
        wavenumber[keep],
        absorbance[keep] / column_molecules_cm2,
        saturated[keep],
        float(column_molecules_cm2),
        _stated_column_molecules_cm2(spectrum),
    )


def _baseline(
    path: Path, wavenumber: np.ndarray, transmittance: np.ndarray, windows: tuple[tuple[float, float], ...]
) -> np.ndarray:
    """The straight line (transmittance) fitted through the scan inside ``windows`` (cm-1)."""
    inside = np.zeros(wavenumber.shape, dtype=bool)
    for lo, hi in windows:
        inside |= (wavenumber >= lo) & (wavenumber <= hi)
    if inside.sum() < 2 * len(windows):
        raise InputFileError(path, f"too few points in the baseline windows {windows} cm-1")
    slope, intercept = np.polyfit(wavenumber[inside], transmittance[inside], 1)
    return intercept + slope * wavenumber


def _stated_column_molecules_cm2(spectrum: dict) -> float:
    """Molecules per cm2 in the cell from its '##PARTIAL_PRESSURE' (mmHg) and '##PATH LENGTH' (cm)."""
    pressure = re.fullmatch(r"\s*([\d.]+)\s*mmHg\s*", str(spectrum.get("partial_pressure", "")), re.I)
    length = re.fullmatch(r"\s*([\d.]+)\s*CM\s*", str(spectrum.get("path length", "")), re.I)
    if not (pressure and length):
        return float("nan")
    density_cm3 = float(pressure[1]) * PA_PER_MMHG / (BOLTZMANN_J_K * ROOM_TEMPERATURE_K) * 1e-6
    return density_cm3 * float(length[1])
