"""Processing a simulated survey: process pool and dask.distributed agree, re-running adds nothing,
and the emission rates come out near the truth."""

import json

import numpy as np
import pytest
from sqlalchemy import func, select

from plumewatch.cli import main
from plumewatch.evaluate.survey import evaluate_sites
from plumewatch.io.cog import validate_cog
from plumewatch.io.stac import validate_item
from plumewatch.io.survey import read_survey
from plumewatch.process import process_survey
from plumewatch.simulate.survey import simulate_survey
from plumewatch.simulate.truth import read_truth
from plumewatch.sites import models
from plumewatch.sites.catalog import Catalog

GASES = ["ch4", "co2"]


@pytest.fixture(scope="module")
def survey(tmp_path_factory):
    root = tmp_path_factory.mktemp("survey")
    return read_survey(simulate_survey(root, seed=11, n_passes=3, lines=160, samples=100))


@pytest.fixture(scope="module")
def processed(survey, tmp_path_factory):
    """The survey processed once on a process pool: (catalog URL, products folder, overflights, alerts)."""
    root = tmp_path_factory.mktemp("processed")
    url = f"sqlite:///{root / 'c.sqlite'}"
    with Catalog(url) as catalog:
        overflights, alerts = process_survey(survey, GASES, catalog, root / "products", workers=2)
    return url, root / "products", overflights, alerts


def counts(catalog):
    with catalog._engine.connect() as connection:
        return [
            connection.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (models.SiteRow, models.PlumeRow, models.ObservationRow, models.AlertRow)
        ]


@pytest.mark.slow
def test_process_pool_then_rerun_is_idempotent(survey, processed, tmp_path):
    url, products_dir, overflights, alerts = processed
    assert len(overflights) == 3
    assert {a.kind for a in alerts} == {"new_site"}
    with Catalog(url) as catalog:
        first = counts(catalog)
        sites = catalog.sites()
        _, again = process_survey(survey, GASES, catalog, tmp_path / "products", workers=1)
        assert again == []
        assert counts(catalog) == first
        assert key(catalog.sites()) == key(sites)
    products = sorted(p.name for p in products_dir.iterdir())
    line_grid = [name for name in products if name.endswith(".tif") and not name.endswith("_ortho.tif")]
    ortho = [name for name in products if name.endswith("_ortho.tif")]
    stac = [name for name in products if name.endswith("_ortho.stac.json")]
    assert len(line_grid) == len(ortho) == len(stac) == 6
    assert validate_cog(products_dir / ortho[0])[0]
    validate_item(json.loads((products_dir / stac[0]).read_text()))
    truth = read_truth(survey.root)
    assert len(sites) >= len(truth["sites"]) - 1
    assert all(s.n_overflights >= 1 for s in sites)


@pytest.mark.slow
def test_dask_cluster_gives_the_same_sites(survey, processed, tmp_path):
    from dask.distributed import LocalCluster

    with Catalog(processed[0]) as catalog:
        pooled = catalog.sites()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Catalog(f"sqlite:///{tmp_path / 'dask.sqlite'}") as catalog:
            process_survey(survey, GASES, catalog, tmp_path / "p2", scheduler=cluster.scheduler_address)
            clustered = catalog.sites()
    assert key(clustered) == key(pooled)
    assert [c for s in clustered for c in (s.lon_deg, s.lat_deg)] == pytest.approx(
        [c for s in pooled for c in (s.lon_deg, s.lat_deg)]
    )


@pytest.mark.slow
def test_emission_rates_are_near_the_truth(survey, processed):
    # A survey size and seed the rate calibration never saw (benchmarks/emission_rates.py).
    with Catalog(processed[0]) as catalog:
        sites = catalog.sites()
        details = [catalog.site(s.site_id) for s in sites]
    rows = evaluate_sites(survey.root, sites, details=details)["emission_per_pass"]["observations"]
    errors = np.array([row["relative_error"] for row in rows if "relative_error" in row])
    assert len(errors) >= 5
    assert abs(np.median(errors)) < 0.25
    assert np.abs(errors).max() < 0.6


def key(sites):
    """What must agree exactly between runs (positions may differ in the last bits of float sums)."""
    return [(s.site_id, s.gases, s.n_detections, s.n_overflights, s.status) for s in sites]


@pytest.mark.slow
def test_cli_process_prints_alerts(survey, tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    assert (
        main(["process", str(survey.root), "--db", url, "--workers", "1", "--products", str(tmp_path / "p")])
        == 0
    )
    out = capsys.readouterr().out
    assert "ALERT new_site" in out and "3 overflights" in out
