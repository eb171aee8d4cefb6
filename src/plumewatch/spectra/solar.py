"""Top-of-atmosphere solar spectral irradiance (Kurucz 1992, via LBLRTM/libRadtran and isofit).

Kurucz, R.L. (1992), "Synthetic infrared spectra", in Infrared Solar Physics, IAU Symp. 154,
Kluwer. The table holds 0.1 nm means in mW m-2 nm-1 at 1 AU; plumewatch ships 350-2600 nm.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

import numpy as np

from plumewatch.errors import InputFileError

DATA_DIR = Path(__file__).parent / "data"
# 1 mW m-2 nm-1 = 1e3 uW / 1e4 cm2 per nm
UW_CM2_NM_PER_MW_M2_NM = 0.1


@cache
def solar_irradiance(path: Path = DATA_DIR / "kurucz_350-2600nm.dat.gz") -> tuple[np.ndarray, np.ndarray]:
    """Wavelength (nm) and TOA solar irradiance at 1 AU (uW cm-2 nm-1) from the Kurucz table."""
    try:
        with gzip.open(path, "rt", encoding="ascii") as fh:
            table = np.loadtxt(fh, comments="#")
    except (OSError, ValueError) as exc:
        raise InputFileError(path, f"cannot read the solar spectrum ({exc})") from None
    return table[:, 0], table[:, 1] * UW_CM2_NM_PER_MW_M2_NM
