"""The gas library agrees with independent references (numbers reported in docs/physics.md)."""

import pytest

from plumewatch.spectra.reference import acetone_band_strengths, lut_path_factor, srcfinder_agreement


def test_ch4_unit_absorption_agrees_with_srcfinder_on_avirisng_bands():
    agreement = srcfinder_agreement()
    assert agreement["bands"] >= 65
    assert agreement["correlation"] > 0.99
    # srcfinder's column is -1e5 x optical depth per ppm·m of one-way path, as ours
    assert agreement["scale_srcfinder_over_ours"] == pytest.approx(1.0, abs=0.06)
    assert agreement["max_abs_difference_over_peak"] < 0.1
    assert agreement["median_relative_difference_strong_bands"] < 0.1


def test_srcfinder_wavelength_calibration_improves_the_match():
    own = srcfinder_agreement(use_srcfinder_wavelengths=True)
    assert own["correlation"] > srcfinder_agreement()["correlation"]


def test_mag1c_table_is_a_two_way_path():
    # HITRAN lines in the heart of the 2.3 um band fix the table's path factor
    assert lut_path_factor() == pytest.approx(2.0, abs=0.1)


def test_nist_acetone_band_strength_matches_hitran_cross_section():
    strengths = acetone_band_strengths()
    assert strengths["nist_cm_molecule"] == pytest.approx(strengths["hitran_cm_molecule"], rel=0.03)
