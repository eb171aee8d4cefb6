"""NH3 in the thermal-infrared library: a shape-only scan scaled to the published nu2 band strength."""

import numpy as np
import pytest

from plumewatch.errors import InputFileError
from plumewatch.spectra import get_sensor, library_gases, transmittance, unit_absorption
from plumewatch.spectra.library import DATA_DIR, MOLECULES_CM2_PER_PPMM, gas_segments
from plumewatch.spectra.scaled import (
    NH3_BASELINE_WINDOWS_CM,
    NH3_NU2,
    BandStrength,
    scaled_cross_section,
)

# Koops, Visser & Smit 1983 (NIST CCCBDB): nu2 138.0 km/mol; 1 km/mol = 1e5 cm / N_A per molecule.
NH3_NU2_CM_MOLECULE = 138.0e5 / 6.02214076e23
NH3_FILE = DATA_DIR / "nist_coblentz_nh3.jdx.gz"


@pytest.fixture(scope="module")
def hytes():
    return get_sensor("hytes")


@pytest.fixture(scope="module")
def nh3_scan():
    return scaled_cross_section(NH3_FILE, NH3_NU2, NH3_BASELINE_WINDOWS_CM)


def test_nh3_is_a_thermal_library_gas():
    assert "nh3" in library_gases("lwir")
    assert "nh3" not in library_gases("swir")


def test_cited_strength_converts_to_the_usual_units():
    # 2.29e-17 cm/molecule is 568 cm-2 atm-1 at 296 K (Loschmidt's number at 296 K: 2.479e19 cm-3)
    assert NH3_NU2.strength_cm_molecule == pytest.approx(NH3_NU2_CM_MOLECULE, rel=1e-12)
    loschmidt_296 = 101325.0 / (1.380649e-23 * 296.0) * 1e-6
    assert NH3_NU2.strength_cm_molecule * loschmidt_296 == pytest.approx(568.2, abs=0.5)


def test_library_band_integral_equals_the_cited_strength():
    segment = gas_segments("nh3")[0]
    wavenumber = 1e7 / segment.wavelength_nm[::-1]
    sigma = segment.optical_depth_per_ppmm[::-1] / MOLECULES_CM2_PER_PPMM
    band = (wavenumber >= NH3_NU2.lo_cm) & (wavenumber <= NH3_NU2.hi_cm)
    # the scaling is exact up to the round trip through nm and per-ppm·m units
    assert np.trapezoid(sigma[band], wavenumber[band]) == pytest.approx(NH3_NU2_CM_MOLECULE, rel=1e-3)
    # and nu2 holds nearly all the absorption the segment has (the rest is baseline and the nu4 wing)
    assert np.trapezoid(sigma, wavenumber) == pytest.approx(NH3_NU2_CM_MOLECULE, rel=0.03)


def test_scan_shows_less_than_the_stated_cell_contents(nh3_scan):
    # 50 mmHg in 5 cm: the 4 cm-1 scan hides the absorption of its saturated, unresolved lines, so the
    # column implied by the cited strength must fall below the cell's but not far below
    assert nh3_scan.stated_column_molecules_cm2 == pytest.approx(8.16e18, rel=0.01)
    ratio = nh3_scan.effective_column_molecules_cm2 / nh3_scan.stated_column_molecules_cm2
    assert 0.4 < ratio < 1.0


def test_only_q_branch_cores_are_saturated(nh3_scan):
    x = nh3_scan.wavenumber_cm[nh3_scan.saturated]
    assert 0 < x.size <= 10
    assert np.all(((x > 925) & (x < 935)) | ((x > 960) & (x < 970)))
    # the strongest cross-sections sit in the sQ (931) and aQ (965) branches, a few 1e-19 cm2
    peak = nh3_scan.wavenumber_cm[np.argmax(nh3_scan.cross_section_cm2)]
    assert 925 < peak < 970
    assert 2e-19 < nh3_scan.cross_section_cm2.max() < 1e-18


def test_nh3_absorbs_in_hytes_bands_near_10_3_and_10_7_um(hytes):
    k = unit_absorption("nh3", hytes.wavelength_nm, hytes.fwhm_nm)
    assert np.isfinite(k).all()
    assert np.all(k >= 0)
    q_branches = ((hytes.wavelength_nm > 10300) & (hytes.wavelength_nm < 10420)) | (
        (hytes.wavelength_nm > 10680) & (hytes.wavelength_nm < 10800)
    )
    outside = hytes.wavelength_nm < 8500
    assert np.all(k[q_branches] > 0)
    assert k[q_branches].max() > 100 * np.median(k[outside])
    strongest = hytes.wavelength_nm[np.argsort(k)[-4:]]
    assert np.all(((strongest > 10300) & (strongest < 10420)) | ((strongest > 10680) & (strongest < 10800)))


def test_nh3_transmittance_is_linear_then_saturates(hytes):
    k = unit_absorption("nh3", hytes.wavelength_nm, hytes.fwhm_nm)
    t = transmittance("nh3", np.array([10.0, 1e4]), hytes.wavelength_nm, hytes.fwhm_nm)
    assert t.shape == (2, hytes.wavelength_nm.size)
    np.testing.assert_allclose(1.0 - t[0], 10.0 * k, rtol=1e-2, atol=1e-12)
    strongest = np.argmax(k)
    assert np.exp(-k[strongest] * 1e4) < t[1, strongest] < 1.0


def _write_transmittance_jcamp(path, wavenumber, values):
    lines = [
        "##TITLE=synthetic",
        "##JCAMP-DX=4.24",
        "##DATA TYPE=INFRARED SPECTRUM",
        "##XUNITS=1/CM",
        "##YUNITS=TRANSMITTANCE",
        "##XFACTOR=1.0",
        "##YFACTOR=1",
        f"##FIRSTX={wavenumber[0]}",
        f"##LASTX={wavenumber[-1]}",
        f"##NPOINTS={wavenumber.size}",
        "##XYDATA=(X++(Y..Y))",
        *(f"{x:.6f} {y:.6f}" for x, y in zip(wavenumber, values, strict=True)),
        "##END=",
    ]
    path.write_text("\n".join(lines) + "\n")


def test_scaling_recovers_a_known_cross_section(tmp_path):
    wavenumber = np.arange(600.0, 1400.0, 0.5)
    strength = BandStrength(100.0, 0.0, 800.0, 1100.0, "synthetic")
    sigma = np.exp(-0.5 * ((wavenumber - 950.0) / 20.0) ** 2)
    sigma *= strength.strength_cm_molecule / np.trapezoid(sigma, wavenumber)
    column = 0.8 / sigma.max()
    baseline = 0.92 - 2e-5 * (wavenumber - 600.0)
    path = tmp_path / "band.jdx"
    _write_transmittance_jcamp(path, wavenumber, baseline * np.exp(-sigma * column))
    scan = scaled_cross_section(path, strength, ((600.0, 700.0), (1200.0, 1400.0)), 700.0, 1300.0)
    assert not scan.saturated.any()
    assert np.isnan(scan.stated_column_molecules_cm2)
    assert scan.effective_column_molecules_cm2 == pytest.approx(column, rel=2e-3)
    inside = (wavenumber >= 700.0) & (wavenumber <= 1300.0)
    np.testing.assert_allclose(scan.cross_section_cm2, sigma[inside], rtol=5e-3, atol=1e-3 * sigma.max())


def test_saturated_core_is_held_at_the_readable_limit(tmp_path):
    wavenumber = np.arange(600.0, 1400.0, 0.5)
    strength = BandStrength(100.0, 0.0, 800.0, 1100.0, "synthetic")
    optical_depth = 4.0 * np.exp(-0.5 * ((wavenumber - 950.0) / 5.0) ** 2)
    path = tmp_path / "dark.jdx"
    _write_transmittance_jcamp(path, wavenumber, 0.9 * np.exp(-optical_depth))
    scan = scaled_cross_section(path, strength, ((600.0, 700.0), (1200.0, 1400.0)))
    inside = (wavenumber >= 700.0) & (wavenumber <= 1450.0)
    np.testing.assert_array_equal(scan.saturated, optical_depth[inside] > np.log(10.0))
    # the dark core reads as absorbance -ln(0.1), so it is flat at the top and the band still integrates
    top = scan.cross_section_cm2[scan.saturated]
    np.testing.assert_allclose(top, top[0])
    assert top[0] == pytest.approx(scan.cross_section_cm2.max())
    band = (scan.wavenumber_cm >= 800.0) & (scan.wavenumber_cm <= 1100.0)
    integral = np.trapezoid(scan.cross_section_cm2[band], scan.wavenumber_cm[band])
    assert integral == pytest.approx(strength.strength_cm_molecule, rel=1e-9)


def test_absorbance_files_are_refused():
    with pytest.raises(InputFileError, match="not transmittance"):
        scaled_cross_section(DATA_DIR / "nist_quantir_acetone.jdx.gz", NH3_NU2, NH3_BASELINE_WINDOWS_CM)
