"""`plumewatch plan` and `plumewatch airspace` end to end: files, exit codes, one-line errors."""

import json
import math
from datetime import UTC, datetime, timedelta

import jsonschema
import numpy as np
import pytest
from shapely.geometry import Point, Polygon, box

from plumewatch.cli import main
from plumewatch.io.telemetry import write_klv, write_track_csv, write_track_gpx
from plumewatch.plumes.plume import Overflight, Plume
from plumewatch.sites.catalog import Catalog

from .conftest import make_track, write_geojson
from .test_exports import SCHEMA

AOI = Polygon([(-118.30, 35.20), (-118.15, 35.21), (-118.14, 35.30), (-118.28, 35.31)])


def run_cli(capsys, *args):
    """Run the CLI in-process: (exit status, stdout, stderr)."""
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("suffix", [".plan", ".kml", ".geojson"])
def test_plan_survey_writes_each_format(tmp_path, capsys, suffix):
    aoi = write_geojson(tmp_path / "aoi.geojson", [AOI])
    out = tmp_path / f"survey{suffix}"
    code = main(
        [
            "plan",
            "survey",
            str(aoi),
            "--sensor",
            "avirisng",
            "--altitude-m",
            "3000",
            "--sidelap",
            "0.2",
            "--heading",
            "auto",
            "--speed-m-s",
            "70",
            "--turn-radius-m",
            "600",
            "--out",
            str(out),
            "--json",
            str(tmp_path / "summary.json"),
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "swath 1834 m, GSD 3.00 m" in text and "h at 70 m/s" in text
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["swath_width_m"] == pytest.approx(2 * 3000 * math.tan(math.radians(17)), rel=1e-6)
    assert summary["sensor"] == "avirisng" and summary["n_lines"] >= 5
    if suffix == ".plan":
        jsonschema.validate(json.loads(out.read_text()), SCHEMA)
    assert out.stat().st_size > 0


def test_plan_survey_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys):
    aoi = write_geojson(tmp_path / "aoi.geojson", [AOI])
    for args, needle in [
        (["--altitude-m", "0"], "no coverage"),
        (["--altitude-m", "90000"], "ceiling"),
        (["--altitude-m", "3000", "--sensor", "nosuch"], "nosuch"),
    ]:
        code, _, err = run_cli(capsys, "plan", "survey", aoi, *args, "--out", tmp_path / "out.plan")
        assert code == 1
        assert len(err.strip().splitlines()) == 1 and needle in err, err
    code, _, err = run_cli(
        capsys,
        "plan",
        "survey",
        tmp_path / "none.geojson",
        "--altitude-m",
        "3000",
        "--out",
        tmp_path / "o.kml",
    )
    assert code == 1 and "none.geojson" in err
    assert not (tmp_path / "out.plan").exists() and not (tmp_path / "o.kml").exists()


def permitted_file(tmp_path):
    return write_geojson(
        tmp_path / "permitted.geojson",
        [box(-118.3, 35.0, -118.0, 35.3)],
        [{"name": "survey box", "floor_m": 0, "ceiling_m": 3000}],
    )


@pytest.mark.parametrize(
    ("lon_end", "gap", "strict", "expected"),
    [
        (-118.05, False, False, 0),
        (-117.9, False, False, 3),
        (-118.05, True, False, 0),
        (-118.05, True, True, 4),
    ],
)
def test_airspace_exit_status_and_json(tmp_path, capsys, lon_end, gap, strict, expected):
    n = 40
    times = np.arange(n, dtype=float) + (np.arange(n) >= 20) * (30.0 if gap else 0.0)
    track = make_track(np.linspace(-118.25, lon_end, n), np.full(n, 35.1), np.full(n, 2000.0), times_s=times)
    csv = write_track_csv(tmp_path / "track.csv", track)
    out_json, out_kml = tmp_path / "audit.json", tmp_path / "excursions.kml"
    code, _, err = run_cli(
        capsys,
        "airspace",
        csv,
        "--permitted",
        permitted_file(tmp_path),
        "--json",
        out_json,
        "--out-excursions",
        out_kml,
        *(["--fail-on-gaps"] if strict else []),
    )
    assert code == expected, err
    document = json.loads(out_json.read_text())
    assert document["verdict"] == ("violations" if expected == 3 else "compliant")
    for e in document["excursions"]:
        assert set(e) >= {"kind", "start", "end", "max_distance_m", "max_altitude_excess_m"}
        datetime.fromisoformat(e["start"].replace("Z", "+00:00"))
    assert (document["coverage"] == "partial") == gap
    assert out_kml.exists()


def test_airspace_refuses_time_going_backwards_unless_allowed(tmp_path, capsys):
    csv = tmp_path / "back.csv"
    csv.write_text(
        "time_utc,lon_deg,lat_deg,alt_m\n2026-06-11T10:00:00Z,-118.2,35.1,100\n"
        "2026-06-11T10:00:02Z,-118.19,35.1,100\n2026-06-11T10:00:01Z,-118.18,35.1,100\n"
    )
    code, _, err = run_cli(
        capsys, "airspace", csv, "--permitted", permitted_file(tmp_path), "--json", tmp_path / "a.json"
    )
    assert code == 1 and "backwards" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "a.json").exists()
    code, out, _ = run_cli(
        capsys, "airspace", csv, "--permitted", permitted_file(tmp_path), "--allow-time-sort"
    )
    assert code == 0 and "sorted the fixes" in out


def test_plan_revisit_from_a_catalog(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'catalog.sqlite'}"
    t0 = datetime(2026, 6, 1, tzinfo=UTC)
    with Catalog(url) as catalog:
        for day in range(2):
            plumes = []
            for k, (lon, lat) in enumerate([(-118.20, 35.10), (-118.10, 35.15)], start=1):
                outline = box(lon, lat - 0.0003, lon + 0.004, lat + 0.0003)
                plumes.append(
                    Plume(
                        f"pw{day}",
                        "ch4",
                        k,
                        np.zeros((10, 2), int),
                        outline,
                        lon,
                        lat,
                        900.0,
                        400.0,
                        2000.0,
                        50.0,
                        acquired=t0 + timedelta(days=day),
                        emission_kg_h=100.0 * (1 + day * k),
                        emission_sigma_kg_h=10.0,
                    )
                )
            catalog.ingest(
                Overflight(
                    f"pw{day}", t0 + timedelta(days=day), box(-118.3, 35.0, -118.0, 35.3), ("ch4",), plumes
                )
            )
    out = tmp_path / "revisit.geojson"
    code = main(
        [
            "plan",
            "revisit",
            "--db",
            url,
            "--budget-h",
            "1.5",
            "--base=-118.15,35.05",
            "--now",
            "2026-06-20T00:00:00Z",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "plume_axis" in text
    features = json.loads(out.read_text())["features"]
    assert len(features) == 2
    for f in features:
        heading = f["properties"]["heading_deg"]
        assert min(abs(heading - 90.0), abs(heading - 270.0)) < 2.0
        assert Point(f["geometry"]["coordinates"][0]).distance(Point(-118.15, 35.1)) < 0.2


@pytest.mark.parametrize("suffix", [".gpx", ".klv"])
def test_airspace_reads_gpx_and_klv_telemetry(tmp_path, capsys, suffix):
    writer = write_track_gpx if suffix == ".gpx" else write_klv
    n = 36
    track = make_track(np.linspace(-118.25, -117.9, n), np.full(n, 35.1), np.full(n, 2000.0))
    path = writer(tmp_path / f"track{suffix}", track)
    code, out, _ = run_cli(
        capsys, "airspace", path, "--permitted", permitted_file(tmp_path), "--json", tmp_path / "a.json"
    )
    assert code == 3
    (e,) = json.loads((tmp_path / "a.json").read_text())["excursions"]
    crossing_s = (-118.0 + 118.25) / (0.35 / (n - 1))
    start = datetime.fromisoformat(e["start"].replace("Z", "+00:00"))
    assert (start - datetime(2026, 6, 11, 10, tzinfo=UTC)).total_seconds() == pytest.approx(
        crossing_s, abs=0.05
    )
