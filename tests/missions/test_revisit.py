"""Revisit planning: the value formula, the budget, the tour against brute force, lines along the wind."""

import itertools
from datetime import UTC, datetime, timedelta

import numpy as np
import pyproj
import pytest

from plumewatch.errors import PlanningError
from plumewatch.missions.revisit import (
    UNSEEN_TAU_DAYS,
    choose_sites,
    plan_revisit,
    plume_wind_from_deg,
    rising_term,
    site_value,
)
from plumewatch.missions.routing import nearest_neighbour_tour, tour_length, two_opt
from plumewatch.sites.records import Observation, PlumeRecord, SiteDetail, SiteSummary

NOW = datetime(2026, 6, 20, tzinfo=UTC)
GEOD = pyproj.Geod(ellps="WGS84")


def site(site_id, lon, lat, *, status="confirmed", rates=(), days_ago=(), plume_to_deg=None):
    """A SiteDetail with detections of the given rates (kg/h) so many days ago, and maybe a plume pointing."""
    obs = [
        Observation(
            NOW - timedelta(days=d),
            f"s{k}",
            "ch4",
            r is not None,
            None,
            500.0 if r else None,
            r,
            None if r is None else 0.1 * r,
        )
        for k, (r, d) in enumerate(zip(rates, days_ago, strict=True))
    ]
    plumes = []
    if plume_to_deg is not None:
        lon1, lat1, _ = GEOD.fwd(lon, lat, plume_to_deg, 200.0)
        lon2, lat2, _ = GEOD.fwd(lon1, lat1, plume_to_deg + 90, 20.0)
        lon3, lat3, _ = GEOD.fwd(lon1, lat1, plume_to_deg - 90, 20.0)
        plumes.append(
            PlumeRecord(
                "p",
                site_id,
                "s",
                NOW - timedelta(days=2),
                "ch4",
                f"POLYGON(({lon} {lat}, {lon2} {lat2}, {lon3} {lat3}, {lon} {lat}))",
                lon,
                lat,
                900.0,
                400.0,
                1e4,
                50.0,
                100.0,
                20.0,
            )
        )
    summary = SiteSummary(
        site_id, lon, lat, 30.0, ("ch4",), sum(r is not None for r in rates), len(rates), None, None, status
    )
    return SiteDetail(summary, obs, plumes)


def test_value_terms():
    assert rising_term(site("a", 0, 0, rates=(100.0, 100.0, 150.0), days_ago=(30, 20, 10))) == pytest.approx(
        0.5
    )
    assert rising_term(site("a", 0, 0, rates=(100.0, 105.0), days_ago=(30, 10))) == 0.0  # within 1 sigma
    assert rising_term(site("a", 0, 0, rates=(100.0, 500.0), days_ago=(30, 10))) == 1.0
    value = site_value(site("c", 0, 0, status="candidate", rates=(100.0,), days_ago=(UNSEEN_TAU_DAYS,)), NOW)
    assert value.candidate == 1.0 and value.unseen == pytest.approx(1 - np.exp(-1))
    assert value.value == pytest.approx(1.0 + 0.0 + (1 - np.exp(-1)))
    assert site_value(site("n", 0, 0), NOW).unseen == 1.0


def test_wind_read_off_the_plume_axis_or_given():
    detail = site("w", 10.0, 50.0, plume_to_deg=60.0)
    assert plume_wind_from_deg(detail) == pytest.approx(240.0, abs=0.5)
    assert site_value(detail, NOW, wind_from_deg=15.0).wind_source == "option"
    assert site_value(site("x", 0, 0), NOW).wind_source == "unknown"


def test_two_opt_reaches_the_optimum_on_small_tours():
    rng = np.random.default_rng(7)
    for _ in range(10):
        pts = rng.uniform(0, 100, (8, 2))
        dist = np.linalg.norm(pts[:, None] - pts[None], axis=-1)
        tour = two_opt(dist, nearest_neighbour_tour(dist))
        best = min(tour_length(dist, [0, *p]) for p in itertools.permutations(range(1, 8)))
        assert tour_length(dist, tour) <= 1.05 * best
        assert sorted(tour) == list(range(8)) and tour[0] == 0


def brute_force_value(values, dist, visit, budget):
    best = 0.0
    n = len(values)
    for r in range(1, n + 1):
        for subset in itertools.combinations(range(1, n + 1), r):
            length = min(tour_length(dist, [0, *p]) for p in itertools.permutations(subset))
            if length + visit * r <= budget:
                best = max(best, sum(values[k - 1].value for k in subset))
    return best


def test_selection_fits_the_budget_and_is_near_the_best_choice():
    rng = np.random.default_rng(11)
    for _ in range(5):
        details = [
            site(
                f"S{k}",
                *rng.uniform(-0.3, 0.3, 2),
                status=rng.choice(["candidate", "confirmed"]),
                rates=(100.0, float(rng.uniform(80, 200))),
                days_ago=(40, int(rng.integers(1, 60))),
            )
            for k in range(6)
        ]
        values = [site_value(d, NOW) for d in details]
        pts = np.array([(0.0, 0.0), *[(v.lon_deg, v.lat_deg) for v in values]])
        dist = np.array([[GEOD.inv(*a, *b)[2] for b in pts] for a in pts])
        budget = float(rng.uniform(60_000, 150_000))
        order = choose_sites(values, dist, 3000.0, budget, closed=True)
        chosen = sum(values[k].value for k in order)
        assert tour_length(dist, [0, *[k + 1 for k in order]]) + 3000.0 * len(order) <= budget
        assert chosen >= 0.8 * brute_force_value(values, dist, 3000.0, budget)


def test_revisit_plan_lines_run_along_the_wind_over_each_site():
    details = [
        site("A", 10.00, 50.00, status="candidate", rates=(100.0,), days_ago=(50,), plume_to_deg=90.0),
        site("B", 10.10, 50.05, rates=(100.0, 300.0), days_ago=(40, 30), plume_to_deg=45.0),
        site("C", 10.05, 50.10, rates=(50.0,), days_ago=(1,)),
    ]
    plan = plan_revisit(
        details, budget_h=2.0, now=NOW, base_lonlat=(10.02, 49.98), turn_radius_m=500, line_length_m=4000
    )
    assert {line.site_id for line in plan.lines} == {"A", "B", "C"}
    assert plan.flight_time_s <= 2 * 3600
    assert plan.transits[-1].word == "return"
    by_site = {line.site_id: line for line in plan.lines}
    assert min(abs(by_site["A"].heading_deg - 90.0), abs(by_site["A"].heading_deg - 270.0)) < 1.0
    assert min(abs(by_site["B"].heading_deg - 45.0), abs(by_site["B"].heading_deg - 225.0)) < 1.0
    for line in plan.lines:
        s = next(d.summary for d in details if d.summary.site_id == line.site_id)
        assert line.length_m == pytest.approx(4000.0, rel=1e-3)
        offsets = GEOD.inv(
            np.full(len(line.lonlat), s.lon_deg),
            np.full(len(line.lonlat), s.lat_deg),
            line.lonlat[:, 0],
            line.lonlat[:, 1],
        )[2]
        assert offsets.min() < 300.0
    assert any("wind unknown" in note for note in plan.notes)


def test_tight_budget_keeps_the_most_valuable_and_tiny_budget_fails():
    details = [
        site("far", 12.0, 50.0, status="candidate"),
        site("near", 10.01, 50.0, status="candidate"),
        site("low", 10.02, 50.0, rates=(100.0,), days_ago=(0,)),
    ]
    plan = plan_revisit(details, budget_h=0.25, now=NOW, base_lonlat=(10.0, 50.0), line_length_m=2000)
    assert [line.site_id for line in plan.lines][0] == "near"
    assert "far" not in {line.site_id for line in plan.lines}
    with pytest.raises(PlanningError, match="no site fits"):
        plan_revisit(details, budget_h=0.001, now=NOW, base_lonlat=(10.0, 50.0))
