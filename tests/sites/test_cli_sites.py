"""`plumewatch sites list|show|history|alerts` against a catalog filled by hand."""

import json

import pytest
from tests.sites.conftest import make_overflight, offset

from plumewatch.cli import main
from plumewatch.sites.catalog import Catalog


@pytest.fixture
def filled(db_url):
    with Catalog(db_url) as catalog:
        for overflight in [
            make_overflight(0, [("ch4", 0, 0, 100.0), ("co2", 400, 0, 2000.0)]),
            make_overflight(1, [("ch4", 2, 1, 120.0)]),
            make_overflight(2, []),
        ]:
            catalog.ingest(overflight)
        ids = {s.gases: s.site_id for s in catalog.sites()}
    return db_url, ids


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_list_formats(filled, capsys):
    url, ids = filled
    code, out, _ = run(capsys, "sites", "list", "--db", url)
    assert code == 0 and ids[("ch4",)] in out and ids[("co2",)] in out
    code, out, _ = run(capsys, "sites", "list", "--db", url, "--format", "json")
    rows = json.loads(out)
    assert {r["site_id"] for r in rows} == set(ids.values())
    assert sorted(r["persistence"] for r in rows) == pytest.approx([1 / 3, 2 / 3])
    code, out, _ = run(capsys, "sites", "list", "--db", url, "--format", "geojson")
    assert json.loads(out)["type"] == "FeatureCollection"


def test_list_filters(filled, capsys):
    url, ids = filled
    _, out, _ = run(capsys, "sites", "list", "--db", url, "--gas", "co2", "--format", "json")
    assert [r["site_id"] for r in json.loads(out)] == [ids[("co2",)]]
    west, south = offset(-50, -50)
    east, north = offset(50, 50)
    _, out, _ = run(
        capsys,
        "sites",
        "list",
        "--db",
        url,
        "--bbox",
        str(west),
        str(south),
        str(east),
        str(north),
        "--format",
        "json",
    )
    assert [r["site_id"] for r in json.loads(out)] == [ids[("ch4",)]]
    _, out, _ = run(
        capsys, "sites", "list", "--db", url, "--since", "2026-06-12T00:00:00Z", "--format", "json"
    )
    assert [r["site_id"] for r in json.loads(out)] == [ids[("ch4",)]]
    _, out, _ = run(capsys, "sites", "list", "--db", url, "--status", "dormant", "--format", "json")
    assert [r["site_id"] for r in json.loads(out)] == [ids[("co2",)]], "clean on the last two overflights"
    _, out, _ = run(capsys, "sites", "list", "--db", url, "--status", "candidate", "--format", "json")
    assert json.loads(out) == []


def test_show_and_history(filled, capsys):
    url, ids = filled
    code, out, _ = run(capsys, "sites", "show", ids[("ch4",)], "--db", url)
    assert code == 0 and "confirmed" in out and out.count("DETECTED") == 2 and out.count("clean") == 1
    code, out, _ = run(capsys, "sites", "history", ids[("ch4",)], "--db", url, "--format", "json")
    detail = json.loads(out)
    assert [o["emission_kg_h"] for o in detail["observations"]] == [100.0, 120.0, None]


def test_alerts(filled, capsys):
    url, _ = filled
    code, out, _ = run(capsys, "sites", "alerts", "--db", url, "--format", "json")
    assert [a["kind"] for a in json.loads(out)] == ["new_site", "new_site"]


def test_unknown_site_and_bad_db_are_one_line_errors(filled, capsys, tmp_path):
    url, _ = filled
    code, _, err = run(capsys, "sites", "show", "PW99999", "--db", url)
    assert code == 1 and err.count("\n") == 1 and "PW99999" in err
    code, _, err = run(capsys, "sites", "list", "--db", f"sqlite:///{tmp_path}/nowhere/c.sqlite")
    assert code == 1 and err.count("\n") == 1 and "does not exist" in err


def test_plumewatch_db_variable_is_the_default(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'env.sqlite'}"
    with Catalog(url) as catalog:
        catalog.ingest(make_overflight(0, [("ch4", 0, 0)]))
    monkeypatch.setenv("PLUMEWATCH_DB", url)
    _, out, _ = run(capsys, "sites", "list", "--format", "json")
    assert len(json.loads(out)) == 1
