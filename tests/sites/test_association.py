"""Association gates: fine source points keep nearby facilities apart, coarse ones still find their site."""

import pytest

from plumewatch.sites.association import (
    MAX_GATE_M,
    METRES_PER_DEG_LAT,
    SiteState,
    SourceFix,
    best_site,
    gate_m,
)

LON, LAT = -119.0, 35.4


def fix_north_of_site(metres: float, sigma_m: float) -> SourceFix:
    return SourceFix(LON, LAT + metres / METRES_PER_DEG_LAT, sigma_m, "ch4")


def test_gate_is_three_sigma_capped_for_fine_points_and_two_sigma_for_coarse_ones():
    assert gate_m(5.0, 10.0) == pytest.approx(3.0 * (5.0**2 + 10.0**2) ** 0.5)
    assert gate_m(25.0, 25.0) == MAX_GATE_M
    # EMIT-like source points (60 m pixels): 2 combined sigma is wider than the fixed cap.
    assert gate_m(78.0, 134.0) == pytest.approx(2.0 * (78.0**2 + 134.0**2) ** 0.5)


@pytest.mark.parametrize(("sigma_m", "joins"), [(11.0, False), (134.0, True)])
def test_source_120_m_off_joins_only_when_its_uncertainty_allows(sigma_m, joins):
    site = SiteState(1, LON, LAT, sigma_m * 0.6, {"ch4"})
    match = best_site(fix_north_of_site(120.0, sigma_m), [site])
    assert (match is not None and match.downwind_m is None) == joins
