"""Airspace audit: exact crossing times, crossings between fixes, distances, altitude excess, gaps."""

import math

import numpy as np
import pyproj
import pytest
from shapely.geometry import Polygon, box

from plumewatch.errors import PlanningError
from plumewatch.missions.airspace import AirspaceVolume
from plumewatch.missions.audit import audit_track, excursion_features, iso
from plumewatch.missions.exports import write_features

from .conftest import make_track

GEOD = pyproj.Geod(ellps="WGS84")
BOX = [AirspaceVolume("box", box(-118.3, 35.0, -118.0, 35.3), -math.inf, 3000.0)]


def seconds(text):
    return (
        np.datetime64(text.rstrip("Z"), "us") - np.datetime64("2026-06-11T10:00:00", "us")
    ) / np.timedelta64(1, "s")


def test_compliant_track():
    track = make_track(np.linspace(-118.25, -118.05, 50), np.full(50, 35.1), np.full(50, 2000.0))
    report = audit_track(track, BOX)
    assert report.verdict == "compliant" and not report.gaps
    assert report.to_json() == {
        **report.to_json(),
        "verdict": "compliant",
        "excursions": [],
        "coverage": "complete",
    }


def test_horizontal_exit_time_and_distance_are_exact():
    lon = np.linspace(-118.2, -117.9, 31)
    report = audit_track(make_track(lon, np.full(31, 35.1), np.full(31, 2500.0), dt_s=2.0), BOX)
    (exit_,) = report.excursions
    assert exit_.kind == "horizontal"
    assert seconds(iso(exit_.start)) == pytest.approx(40.0, abs=1e-3)
    assert exit_.open_end
    assert exit_.max_distance_m == pytest.approx(GEOD.inv(-117.9, 35.1, -118.0, 35.1)[2], rel=1e-3)


def test_crossing_between_two_fixes_is_found():
    notched = [
        AirspaceVolume(
            "U", Polygon([(0, 0), (1, 0), (1, 1), (0.6, 1), (0.6, 0.2), (0.4, 0.2), (0.4, 1), (0, 1)])
        )
    ]
    report = audit_track(make_track([0.2, 0.8], [0.5, 0.5], [100, 100], dt_s=3.0), notched)
    (e,) = report.excursions
    assert seconds(iso(e.start)) == pytest.approx(1.0, abs=1e-3)
    assert seconds(iso(e.end)) == pytest.approx(2.0, abs=1e-3)
    assert e.max_distance_m == pytest.approx(GEOD.inv(0.5, 0.5, 0.4, 0.5)[2], rel=2e-3)
    assert not e.open_start and not e.open_end


def test_altitude_excess_with_interpolated_crossing_times():
    alt = np.full(11, 2500.0)
    alt[5] = 3600.0
    report = audit_track(make_track(np.linspace(-118.2, -118.1, 11), np.full(11, 35.1), alt), BOX)
    (e,) = report.excursions
    assert e.kind == "altitude" and e.side == "above"
    assert e.max_altitude_excess_m == pytest.approx(600.0)
    assert seconds(iso(e.start)) == pytest.approx(4 + 500 / 1100, abs=1e-3)
    assert seconds(iso(e.end)) == pytest.approx(6 - 500 / 1100, abs=1e-3)


def test_global_limit_applies_outside_volumes_and_without_them():
    track = make_track(np.linspace(-118.2, -118.1, 5), np.full(5, 35.1), [100, 100, 700, 100, 100])
    report = audit_track(track, [], max_alt_m=500.0)
    assert [e.kind for e in report.excursions] == ["altitude"]
    assert report.excursions[0].max_altitude_excess_m == pytest.approx(200.0)


def test_floor_and_lowest_band_of_overlapping_volumes():
    volumes = [
        AirspaceVolume("low", box(0, 0, 1, 1), 500.0, 1000.0),
        AirspaceVolume("high", box(0.5, 0, 1, 1), 900.0, 2000.0),
    ]
    track = make_track([0.2, 0.3, 0.7, 0.8], [0.5] * 4, [400.0, 600.0, 1300.0, 1500.0])
    (e,) = audit_track(track, volumes).excursions
    assert e.side == "below" and e.max_altitude_excess_m == pytest.approx(100.0)
    climbing_early = make_track([0.3, 0.7], [0.5] * 2, [600.0, 1500.0], dt_s=4.0)
    (e,) = audit_track(climbing_early, volumes).excursions
    assert e.side == "above" and e.max_altitude_excess_m == pytest.approx(50.0, rel=0.01)
    assert seconds(iso(e.start)) == pytest.approx(4 * 400 / 900, abs=0.01)


def test_gaps_are_unknown_not_compliant():
    times = [0, 1, 2, 30, 31, 32]
    track = make_track(np.linspace(-118.2, -118.1, 6), np.full(6, 35.1), np.full(6, 2000.0), times_s=times)
    report = audit_track(track, BOX, max_gap_s=5.0)
    assert report.verdict == "compliant"
    document = report.to_json()
    assert document["coverage"] == "partial" and document["unknown_s"] == pytest.approx(28.0)
    assert document["gaps"][0]["seconds"] == pytest.approx(28.0)


def test_excursion_cut_by_gap_is_open():
    lon = [-117.9, -117.9, -117.9, -118.1, -118.1]
    track = make_track(lon, [35.1] * 5, [2000.0] * 5, times_s=[0, 1, 2, 60, 61])
    report = audit_track(track, BOX)
    (e,) = report.excursions
    assert e.open_start and e.open_end
    assert seconds(iso(e.end)) == pytest.approx(2.0)


def test_time_going_backwards_is_refused():
    track = make_track([0, 0.1, 0.2], [0, 0, 0], [10, 10, 10], times_s=[0, 2, 1])
    with pytest.raises(PlanningError, match="time goes backwards at fix 3"):
        audit_track(track, BOX)


def test_excursion_segments_export(tmp_path):
    lon = np.linspace(-118.2, -117.9, 31)
    report = audit_track(make_track(lon, np.full(31, 35.1), np.full(31, 2500.0)), BOX)
    features = excursion_features(report)
    assert len(features) == 1
    path = write_features(tmp_path / "ex.geojson", features, title="t")
    assert '"kind": "horizontal"' in path.read_text()
    assert write_features(tmp_path / "ex.kml", features, title="t", altitude_mode="absolute").exists()


def test_long_track_is_quick_to_audit_and_exact_at_the_boundary():
    n = 20_000
    lon = np.linspace(-118.25, -117.95, n)
    report = audit_track(make_track(lon, np.full(n, 35.1), np.full(n, 2000.0), dt_s=0.1), BOX)
    (e,) = report.excursions
    crossing_index = (-118.0 - lon[0]) / (lon[1] - lon[0])
    assert seconds(iso(e.start)) == pytest.approx(crossing_index * 0.1, abs=1e-4)
