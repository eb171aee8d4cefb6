"""CH4 absorption from mag1c's MODTRAN look-up table.

The table (Foote et al. 2020, IEEE TGRS 58(9), 6480, "Fast and accurate retrieval of methane
concentration from imaging spectrometer data using sparsity prior"; shipped with
github.com/markusfoote/mag1c) holds MODTRAN at-sensor radiance L(l, c) from 1399.6 to 2522.0 nm
(~0.02-0.06 nm steps) for CH4 enhancements c = 0, 500, 1000, 2000, 4000, 8000, 16000 ppm·m.

Fine-grid optical depth along the table's light path is -ln(L(c)/L(0)); its initial slope in c,
from a fit tau(c) = k c - q c^2 over all six enhanced levels, is the absorption per ppm·m of
*vertical* enhancement seen along the table's sun-ground-sensor path. Comparing it with HITRAN
line intensities in the 4383.5-4385.5 cm-1 window (the heart of the 2.3 um band; see
docs/physics.md) gives a path factor of 1.98: the table's ppm·m is a vertical column enhancement
crossed twice, as for overhead sun and a nadir view. Dividing by ``LUT_AIR_MASS_FACTOR`` = 2 gives
the one-way optical depth per ppm·m that the library uses.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from plumewatch.errors import InputFileError

DATA_DIR = Path(__file__).parent / "data"
LUT_ENHANCEMENTS_PPMM = np.array([0.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0, 16000.0])
LUT_AIR_MASS_FACTOR = 2.0
# Below this radiance (table units) the atmosphere is opaque (1.4 and 1.9 um water bands): the
# ratio L(c)/L(0) there is numerical noise, and no CH4 signal can reach a sensor anyway.
OPAQUE_RADIANCE = 1e-3


@lru_cache(maxsize=1)
def read_lut(
    hdr_path: Path = DATA_DIR / "mag1c_ch4.hdr", lut_path: Path = DATA_DIR / "mag1c_ch4.lut"
) -> tuple[np.ndarray, np.ndarray]:
    """mag1c's table: wavelength (nm, ascending) and radiance (wavelength, 7 enhancement levels)."""
    try:
        header = Path(hdr_path).read_text(encoding="ascii")
        radiance = np.fromfile(lut_path, dtype="<f8")
    except OSError as exc:
        raise InputFileError(lut_path, f"cannot read the CH4 look-up table ({exc})") from None
    match = re.search(r"wavelength\s*=\s*\{([^}]*)\}", header)
    if match is None:
        raise InputFileError(hdr_path, "no wavelength list in the ENVI header")
    wavelength_nm = np.array([float(v) for v in match.group(1).split(",")])
    if radiance.size != wavelength_nm.size * LUT_ENHANCEMENTS_PPMM.size:
        raise InputFileError(lut_path, f"holds {radiance.size} values, expected {wavelength_nm.size} x 7")
    return wavelength_nm, radiance.reshape(wavelength_nm.size, LUT_ENHANCEMENTS_PPMM.size)


@lru_cache(maxsize=1)
def lut_path_optical_depth_per_ppmm() -> tuple[np.ndarray, np.ndarray]:
    """Wavelength (nm) and the table's optical depth per ppm·m of vertical enhancement (two-way path)."""
    wavelength_nm, radiance = read_lut()
    clear = radiance[:, 0] > OPAQUE_RADIANCE
    tau = np.zeros((wavelength_nm.size, LUT_ENHANCEMENTS_PPMM.size - 1))
    tau[clear] = -np.log(radiance[clear, 1:] / radiance[clear, :1])
    c = LUT_ENHANCEMENTS_PPMM[1:]
    design = np.stack([c, -(c**2)], axis=1)
    slope = np.linalg.lstsq(design, tau.T, rcond=None)[0][0]
    return wavelength_nm, np.clip(slope, 0.0, None)


def ch4_optical_depth_per_ppmm() -> tuple[np.ndarray, np.ndarray]:
    """Wavelength (nm) and CH4 optical depth per ppm·m of one-way path, from the table."""
    wavelength_nm, k_path = lut_path_optical_depth_per_ppmm()
    return wavelength_nm, k_path / LUT_AIR_MASS_FACTOR
