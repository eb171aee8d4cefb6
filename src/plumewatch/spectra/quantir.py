"""Thermal-infrared absorption from NIST Quant-IR spectra (JCAMP-DX) and HITRAN cross-sections.

NIST SRD 79 (Quant-IR; Chu, Guenther, Rhoderick & Lafferty 1999, J. Res. NIST 104, 59) gives
decadic absorbance per ppm·m, ``A = eps * c * L``, measured at 296.15 K and 101.3 kPa. The natural
optical depth per ppm·m is ``ln(10) * eps``. A ppm·m in plumewatch is counted at the reference
state of ``plumewatch.units`` (288.15 K), where it holds 296.15/288.15 more molecules than at the
NIST cell temperature, so the NIST value is scaled by that ratio as well.
"""

from __future__ import annotations

import gzip
import logging
from functools import lru_cache
from pathlib import Path

import jcamp
import numpy as np

from plumewatch.errors import InputFileError
from plumewatch.units import REFERENCE_TEMPERATURE_K

log = logging.getLogger(__name__)

NIST_CELL_TEMPERATURE_K = 296.15
QUANT_IR_YUNITS = "(micromol/mol)-1m-1 (base 10)"
PER_PPMM_NIST_TO_REFERENCE = NIST_CELL_TEMPERATURE_K / REFERENCE_TEMPERATURE_K


def read_jcamp(path: str | Path) -> dict:
    """The header and x/y arrays of a JCAMP-DX file (plain or gzip), via the ``jcamp`` package."""
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="latin-1") as fh:
            spectrum = jcamp.read(fh)
    except (OSError, ValueError) as exc:
        raise InputFileError(path, f"cannot read JCAMP-DX spectrum ({exc})") from None
    if "x" not in spectrum or len(spectrum["x"]) == 0:
        raise InputFileError(path, "no XYDATA in the JCAMP-DX file")
    return spectrum


@lru_cache(maxsize=32)
def quantir_optical_depth_per_ppmm(
    path: Path, lo_cm: float = 700.0, hi_cm: float = 1450.0
) -> tuple[np.ndarray, np.ndarray]:
    """Wavenumber (cm-1, ascending) and natural optical depth per ppm·m (>= 0) from a Quant-IR file."""
    spectrum = read_jcamp(path)
    yunits = str(spectrum.get("yunits", "")).strip()
    if yunits != QUANT_IR_YUNITS:
        raise InputFileError(path, f"Y units {yunits!r} are not Quant-IR absorbance per ppm·m")
    wavenumber = np.asarray(spectrum["x"], dtype=float)
    absorbance = np.asarray(spectrum["y"], dtype=float)
    order = np.argsort(wavenumber)
    wavenumber, absorbance = wavenumber[order], absorbance[order]
    keep = (wavenumber >= lo_cm) & (wavenumber <= hi_cm)
    # small negative absorbances are baseline noise of the measurement, not emission
    tau = np.log(10.0) * PER_PPMM_NIST_TO_REFERENCE * np.clip(absorbance[keep], 0.0, None)
    return wavenumber[keep], tau


@lru_cache(maxsize=4)
def read_hitran_xsc(path: Path) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Wavenumber (cm-1), cross-section (cm2/molecule), temperature (K) and pressure (Torr) of a .xsc file."""
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="ascii") as fh:
            header = fh.readline()
            values = np.array(fh.read().split(), dtype=float)
        lo, hi, n = float(header[20:30]), float(header[30:40]), int(header[40:47])
        temperature_k, pressure_torr = float(header[47:54]), float(header[54:60])
    except (OSError, ValueError) as exc:
        raise InputFileError(path, f"cannot read HITRAN cross-section file ({exc})") from None
    if values.size < n:
        raise InputFileError(path, f"holds {values.size} cross-sections, header says {n}")
    return np.linspace(lo, hi, n), values[:n], temperature_k, pressure_torr
