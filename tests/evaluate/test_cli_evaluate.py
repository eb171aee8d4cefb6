"""`plumewatch evaluate` prints a summary and writes every score as JSON."""

import json

from plumewatch.cli import main
from plumewatch.simulate.survey import simulate_survey
from plumewatch.sites.catalog import Catalog


def test_evaluate_command_scores_an_empty_catalog(tmp_path, capsys):
    survey = simulate_survey(tmp_path / "survey", seed=2, n_passes=2, lines=30, samples=24).parent
    db = f"sqlite:///{tmp_path / 'catalog.sqlite'}"
    with Catalog(db):
        pass
    out_json = tmp_path / "scores.json"
    assert (
        main(
            [
                "evaluate",
                str(survey),
                "--products",
                str(tmp_path / "products"),
                "--db",
                db,
                "--json",
                str(out_json),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "sites: 0/3 emitters found" in printed
    scores = json.loads(out_json.read_text())
    assert scores["sites"]["recall"] == 0.0
    assert scores["retrievals"]["gases"] == {}


def test_evaluate_without_truth_is_a_user_error(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path), "--db", f"sqlite:///{tmp_path / 'c.sqlite'}"]) == 1
    assert "truth.json" in capsys.readouterr().err
