"""HITRAN records and the line-by-line Voigt cross-section, on lines written in the test."""

import gzip

import numpy as np
import pytest

from plumewatch.errors import InputFileError
from plumewatch.spectra.lines import cross_section_cm2, read_par


def _fortran(value, decimals):
    """Fixed-point text without the leading zero, as HITRAN writes F5.4 and F8.6 fields."""
    return f"{value:.{decimals}f}".replace("0.", ".", 1)


def _record(nu, strength, gamma_air=0.070, n_air=0.75, delta_air=-0.005, molecule=6):
    head = f"{molecule:2d}1{nu:12.6f}{strength:10.3E}{1e-2:10.3E}"
    record = head + f"{_fortran(gamma_air, 4)}{0.080:5.3f}{100.0:10.4f}{n_air:4.2f}{_fortran(delta_air, 6)}"
    assert len(record) == 67
    return record.ljust(160) + "\n"


def test_read_par_parses_fields_and_drops_weak_lines(tmp_path):
    path = tmp_path / "lines.par.gz"
    with gzip.open(path, "wt") as fh:
        fh.write(_record(4300.5, 2e-21) + _record(4300.1, 1e-30) + _record(4299.9, 3e-22))
    lines = read_par(path, min_intensity=1e-27)
    assert len(lines) == 2 and lines.molecule == 6
    np.testing.assert_allclose(lines.wavenumber_cm, [4299.9, 4300.5])
    np.testing.assert_allclose(lines.intensity_cm_molecule, [3e-22, 2e-21])
    np.testing.assert_allclose(lines.gamma_air_cm_atm, 0.07)
    np.testing.assert_allclose(lines.delta_air_cm_atm, -0.005)


def test_read_par_rejects_other_formats(tmp_path):
    path = tmp_path / "bad.par"
    path.write_text("this is not a HITRAN record\n")
    with pytest.raises(InputFileError, match="bad.par"):
        read_par(path)


def test_voigt_line_keeps_its_intensity_and_shifts_with_pressure(tmp_path):
    path = tmp_path / "one.par"
    path.write_text(_record(4300.0, 1e-21))
    lines = read_par(path)
    grid = np.arange(4250.0, 4350.0, 0.002)
    sigma = cross_section_cm2(lines, grid, pressure_atm=1.0, wing_cm=50.0)
    # the profile is normalised: its integral is the line intensity, less the far Lorentz wings
    # beyond 50 cm-1 (2/pi * gamma/50 = 0.09 %)
    assert np.trapezoid(sigma, grid) == pytest.approx(1e-21 * (1 - 2 / np.pi * 0.07 / 50), rel=2e-4)
    assert grid[np.argmax(sigma)] == pytest.approx(4300.0 - 0.005, abs=0.002)
    # peak of a pressure-broadened line: S / (pi gamma) (Doppler HWHM 0.0047 cm-1 is small)
    assert sigma.max() == pytest.approx(1e-21 / (np.pi * 0.07), rel=0.02)
    half = cross_section_cm2(lines, grid, pressure_atm=0.5, wing_cm=50.0)
    assert half.max() == pytest.approx(2 * sigma.max(), rel=0.03)


def test_cross_section_refuses_other_temperatures_and_uneven_grids(tmp_path):
    path = tmp_path / "one.par"
    path.write_text(_record(4300.0, 1e-21))
    lines = read_par(path)
    with pytest.raises(ValueError):
        cross_section_cm2(lines, np.arange(4290.0, 4310.0, 0.01), temperature_k=250.0)
    with pytest.raises(ValueError):
        cross_section_cm2(lines, np.array([4299.0, 4300.0, 4300.5]))
