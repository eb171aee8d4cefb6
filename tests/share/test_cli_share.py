"""The sharing commands end to end: partners, sites mark, share, audit-log."""

import json
import subprocess
import sys

import pytest
from share_catalog import build_catalog
from stix2validator import validate_string

from plumewatch.cli import main
from plumewatch.cli.share import FORMAT_NAMES
from plumewatch.share.export import FORMATS


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'catalog.sqlite'}"
    return url, build_catalog(url)


def run(capsys, *args) -> str:
    assert main(list(args)) == 0
    return capsys.readouterr().out


def test_cli_names_match_the_library():
    assert set(FORMAT_NAMES) == set(FORMATS)


def test_register_mark_share_and_audit(db, tmp_path, capsys):
    url, ids = db
    out = run(capsys, "partners", "add", "bfs", "--tlp", "amber", "--country", "DE", "--db", url)
    key = out.strip().splitlines()[-1]
    assert key.startswith("pwk_")
    listing = run(capsys, "partners", "list", "--db", url)
    assert "bfs" in listing and "active" in listing and key not in listing
    marked = run(
        capsys, "sites", "mark", ids["red_site"], "--tlp", "amber", "--release-to", "de", "--db", url
    )
    assert "TLP:AMBER REL TO DE" in marked
    for fmt in FORMAT_NAMES:
        target = tmp_path / f"release.{fmt}"
        out = run(capsys, "share", "--partner", "bfs", "--format", fmt, "--out", str(target), "--db", url)
        assert "3 sites" in out and target.stat().st_size > 100
    assert validate_string((tmp_path / "release.stix").read_text()).is_valid
    boxed = tmp_path / "boxed.geojson"
    run(
        capsys,
        "share",
        "--partner",
        "bfs",
        "--format",
        "geojson",
        "--out",
        str(boxed),
        "--db",
        url,
        "--bbox",
        "-103.01",
        "31.9",
        "-102.99",
        "32.1",
        "--since",
        "2026-06-12",
    )
    features = json.loads(boxed.read_text())["features"]
    assert {f["properties"].get("site_id") for f in features} == {ids["green_site"]}
    assert all(f["properties"].get("time", "2026-06-12") >= "2026-06-12" for f in features)
    log = json.loads(run(capsys, "audit-log", "--partner", "bfs", "--format", "json", "--db", url))
    assert [e["action"] for e in log] == ["partner.add"] + ["export"] * 7
    assert log[1]["detail"]["format"] == "stix" and {o["id"] for o in log[1]["objects"]} >= set(ids.values())
    table = run(capsys, "audit-log", "--action", "mark", "--db", url)
    assert ids["red_site"] in table and "mark" in table
    run(capsys, "partners", "revoke", "bfs", "--db", url)
    assert "revoked" in run(capsys, "partners", "list", "--db", url)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["share", "--partner", "nobody", "--format", "csv", "--out", "{tmp}/x.csv"], "no partner 'nobody'"),
        (["sites", "mark", "PW00001", "--tlp", "purple"], "unknown TLP label"),
        (["partners", "add", "x", "--tlp", "red"], "named individual"),
        (["share", "--partner", "p", "--format", "csv", "--out", "{tmp}/no/x.csv"], "does not exist"),
        (["audit-log", "--since", "yesterday"], "not ISO 8601"),
    ],
)
def test_user_errors_are_one_line(db, tmp_path, args, message):
    url, _ = db
    if "p" in args:
        assert main(["partners", "add", "p", "--tlp", "green", "--db", url]) == 0
    filled = [a.format(tmp=tmp_path) for a in args] + ["--db", url]
    result = subprocess.run(
        [sys.executable, "-m", "plumewatch", *filled], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "no").exists()
