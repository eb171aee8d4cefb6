"""HITRAN line lists and line-by-line Voigt absorption cross-sections.

Reads the 160-character HITRAN ``.par`` records (plain or gzip) and sums Voigt
profiles (``scipy.special.voigt_profile``) at one reference state. At the HITRAN
reference temperature (296 K) the catalogued intensities apply as they are, so
no partition sums are needed; air-broadened Lorentz widths scale with pressure
and the Doppler width with sqrt(T/m). Sources: Gordon et al. (2022), "The
HITRAN2020 molecular spectroscopic database", JQSRT 277, 107949, and its
format description (Rothman et al. 2005, JQSRT 96, 139).
"""

from __future__ import annotations

import gzip
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.special import voigt_profile

from plumewatch.errors import InputFileError

log = logging.getLogger(__name__)

HITRAN_REFERENCE_TEMPERATURE_K = 296.0
BOLTZMANN_J_K = 1.380649e-23
ATOMIC_MASS_KG = 1.66053906660e-27
SPEED_OF_LIGHT_M_S = 299_792_458.0

# Mass of the principal isotopologue (u), keyed by HITRAN molecule number.
# Half-width (cm-1) of the line core evaluated as a full Voigt profile, and lines per batch.
CORE_CM = 1.0
LINE_BATCH = 256
MOLECULE_MASS_U: dict[int, float] = {1: 18.010565, 2: 43.989830, 6: 16.031300, 11: 17.026549}


@dataclass(frozen=True)
class LineList:
    """Line parameters of one molecule, HITRAN units (cm-1, cm-1/(molecule cm-2), cm-1 atm-1)."""

    molecule: int
    wavenumber_cm: np.ndarray
    intensity_cm_molecule: np.ndarray
    gamma_air_cm_atm: np.ndarray
    n_air: np.ndarray
    delta_air_cm_atm: np.ndarray

    def __len__(self) -> int:
        return int(self.wavenumber_cm.size)


def read_par(*paths: str | Path, min_intensity: float = 0.0) -> LineList:
    """Lines of one molecule from HITRAN 160-character ``.par`` files (``.gz`` allowed)."""
    rows: list[str] = []
    for path in paths:
        opener = gzip.open if str(path).endswith(".gz") else open
        try:
            with opener(path, "rt", encoding="ascii") as fh:
                rows.extend(line for line in fh if line.strip())
        except (OSError, UnicodeDecodeError) as exc:
            raise InputFileError(path, f"cannot read HITRAN line list ({exc})") from None
    if not rows:
        raise InputFileError(paths[0] if paths else "<none>", "no HITRAN records")
    try:
        molecule = np.array([int(r[0:2]) for r in rows])
        fields = ((3, 15), (15, 25), (35, 40), (55, 59), (59, 67))
        table = np.array([[float(r[a:b]) for a, b in fields] for r in rows])
    except (ValueError, IndexError):
        raise InputFileError(paths[0], "not 160-character HITRAN .par records") from None
    if np.unique(molecule).size != 1:
        raise InputFileError(paths[0], f"mixes HITRAN molecules {sorted(set(molecule.tolist()))}")
    keep = table[:, 1] >= min_intensity
    table = table[keep][np.argsort(table[keep, 0])]
    return LineList(int(molecule[0]), *(np.ascontiguousarray(table[:, i]) for i in range(5)))


def cross_section_cm2(
    lines: LineList,
    wavenumber_cm: np.ndarray,
    *,
    pressure_atm: float = 1.0,
    temperature_k: float = HITRAN_REFERENCE_TEMPERATURE_K,
    wing_cm: float = 25.0,
) -> np.ndarray:
    """Absorption cross-section (cm2/molecule) on a uniform wavenumber grid, Voigt lines, air broadening."""
    grid = np.asarray(wavenumber_cm, dtype=float)
    step = float(grid[1] - grid[0])
    if not np.allclose(np.diff(grid), step, rtol=1e-6, atol=1e-9):
        raise ValueError("wavenumber grid must be uniform")
    if temperature_k != HITRAN_REFERENCE_TEMPERATURE_K:
        raise ValueError("line intensities are only valid at the HITRAN reference temperature 296 K")
    mass_kg = MOLECULE_MASS_U[lines.molecule] * ATOMIC_MASS_KG
    thermal_speed_m_s = np.sqrt(BOLTZMANN_J_K * temperature_k / mass_kg)
    doppler_sigma = lines.wavenumber_cm * thermal_speed_m_s / SPEED_OF_LIGHT_M_S
    lorentz_hwhm = lines.gamma_air_cm_atm * pressure_atm
    centre = lines.wavenumber_cm + lines.delta_air_cm_atm * pressure_atm
    sigma = np.zeros_like(grid)
    half = int(np.ceil(wing_cm / step))
    offsets = np.arange(-half, half + 1)
    first = np.rint((centre - grid[0]) / step).astype(int)
    near = np.flatnonzero((first + half >= 0) & (first - half < grid.size))
    for start in range(0, near.size, LINE_BATCH):
        i = near[start : start + LINE_BATCH]
        index = first[i, None] + offsets[None, :]
        x = grid[0] + index * step - centre[i, None]
        gamma = lorentz_hwhm[i, None]
        # beyond CORE_CM the Doppler core no longer matters (Voigt = Lorentz to ~1e-4), and the
        # Lorentz form is far cheaper than the Faddeeva function
        profile = gamma / np.pi / (x**2 + gamma**2)
        core = np.abs(x) < CORE_CM
        rows = np.broadcast_to(np.arange(i.size)[:, None], x.shape)[core]
        profile[core] = voigt_profile(x[core], doppler_sigma[i][rows], lorentz_hwhm[i][rows])
        inside = (index >= 0) & (index < grid.size)
        contribution = lines.intensity_cm_molecule[i, None] * profile
        sigma += np.bincount(index[inside], weights=contribution[inside], minlength=grid.size)
    return sigma
