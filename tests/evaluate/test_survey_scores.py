"""Survey-level scores on hand-made products and catalogs over a tiny simulated survey."""

from datetime import UTC, datetime

import numpy as np
import pytest

from plumewatch.evaluate.survey import evaluate_retrievals, evaluate_sites
from plumewatch.io.envi import open_envi
from plumewatch.io.geotiff import read_retrieval_geotiff, write_retrieval_geotiff
from plumewatch.simulate.survey import simulate_survey
from plumewatch.simulate.truth import read_truth
from plumewatch.sites.records import Observation, SiteDetail, SiteSummary

SIGMA_PPMM = 50.0


@pytest.fixture(scope="module")
def survey_dir(tmp_path_factory):
    return simulate_survey(
        tmp_path_factory.mktemp("eval") / "survey", seed=5, n_passes=2, lines=40, samples=30
    ).parent


def write_products(survey_dir, products, make):
    """Products <line>_rdn_<gas>.tif whose enhancement is make(truth, rng)."""
    rng = np.random.default_rng(0)
    products.mkdir(exist_ok=True)
    for truth_pass in read_truth(survey_dir)["passes"]:
        scene = open_envi(survey_dir / "lines" / f"{truth_pass.name}_rdn.hdr")
        for gas, relative in truth_pass.enhancement_maps.items():
            truth, _, _ = read_retrieval_geotiff(survey_dir / relative)
            write_retrieval_geotiff(
                products / f"{truth_pass.name}_rdn_{gas}.tif",
                make(truth, rng).astype(np.float32),
                np.full(truth.shape, SIGMA_PPMM, np.float32),
                lon_deg=scene.lon_deg,
                lat_deg=scene.lat_deg,
                tags={"gas": gas},
            )
    return products


def test_perfect_products_score_perfectly(survey_dir, tmp_path):
    products = write_products(survey_dir, tmp_path / "perfect", lambda truth, rng: truth)
    scores = evaluate_retrievals(survey_dir, products)
    for gas in ("ch4", "co2"):
        s = scores["gases"][gas]
        assert s["plume_pixels"] > 0
        assert s["roc_auc"] == 1.0
        assert s["probability_of_detection"] == 1.0
        assert s["plume_ppmm"]["rmse"] == pytest.approx(0.0, abs=1e-3)
    assert len(scores["passes"]) == 4 and all(p["product"] for p in scores["passes"])


def test_random_products_score_at_chance(survey_dir, tmp_path):
    products = write_products(
        survey_dir, tmp_path / "random", lambda truth, rng: rng.normal(0, SIGMA_PPMM, truth.shape)
    )
    auc = evaluate_retrievals(survey_dir, products)["gases"]["ch4"]["roc_auc"]
    assert auc == pytest.approx(0.5, abs=0.1)


def test_a_known_bias_is_measured(survey_dir, tmp_path):
    products = write_products(
        survey_dir,
        tmp_path / "biased",
        lambda truth, rng: 0.8 * truth + rng.normal(0, SIGMA_PPMM, truth.shape),
    )
    s = evaluate_retrievals(survey_dir, products)["gases"]["ch4"]
    plume = s["plume_ppmm"]
    assert plume["bias"] < 0
    assert s["background_ppmm"]["bias"] == pytest.approx(0.0, abs=5.0)
    assert s["detection_limit"]["limit_ppmm"] is not None


def test_missing_products_are_reported_not_scored(survey_dir, tmp_path):
    scores = evaluate_retrievals(survey_dir, tmp_path / "none")
    assert scores["gases"] == {}
    assert all(p["product"] is None for p in scores["passes"])


def summary(site_id, lon, lat, gases, detections, overflights, rate=None):
    moment = datetime(2026, 6, 11, tzinfo=UTC)
    return SiteSummary(
        site_id=site_id,
        lon_deg=lon,
        lat_deg=lat,
        position_sigma_m=5.0,
        gases=gases,
        n_detections=detections,
        n_overflights=overflights,
        first_seen=moment,
        last_seen=moment,
        status="confirmed",
        mean_emission_kg_h=rate,
        emission_sigma_kg_h=None if rate is None else 1.0,
    )


def test_site_scores_count_matches_false_sites_and_decoys(survey_dir):
    truth = read_truth(survey_dir)
    sites = [
        summary(
            f"S{i}",
            t.lon_deg + 1e-5,
            t.lat_deg,
            (t.gas,),
            sum(q > 0 for q in t.emission_kg_h),
            len(t.emission_kg_h),
            rate=1.1 * np.mean([q for q in t.emission_kg_h if q > 0]),
        )
        for i, t in enumerate(truth["sites"])
    ]
    decoy = next(d for d in truth["decoys"] if d.material == "concrete")
    sites.append(summary("FALSE", decoy.lon_deg, decoy.lat_deg, ("ch4",), 1, 2))
    scores = evaluate_sites(survey_dir, sites)
    assert scores["matched"] == 3 and scores["recall"] == 1.0
    assert scores["precision"] == pytest.approx(0.75)
    assert scores["false_sites"] == ["FALSE"] and scores["false_sites_on_decoys"] == ["FALSE"]
    assert scores["persistence"]["mean_abs_error"] == 0.0
    assert scores["emission"]["relative_error"]["median"] == pytest.approx(0.1)
    assert 0.0 < scores["surveyed_area_km2"] < 0.1
    assert scores["false_sites_per_100_km2"] == pytest.approx(100 / scores["surveyed_area_km2"])


def test_site_of_the_wrong_gas_does_not_match(survey_dir):
    truth = read_truth(survey_dir)
    co2 = next(t for t in truth["sites"] if t.gas == "co2")
    # The tiny scene packs its emitters ~50 m apart: a radius of 20 m keeps the CH4 emitters out of reach.
    scores = evaluate_sites(
        survey_dir, [summary("S", co2.lon_deg, co2.lat_deg, ("ch4",), 1, 2)], match_radius_m=20.0
    )
    assert scores["matched"] == 0 and scores["precision"] == 0.0


def test_per_pass_emission_error_from_site_details(survey_dir):
    truth = read_truth(survey_dir)
    emitter = truth["sites"][0]
    site = summary("S", emitter.lon_deg, emitter.lat_deg, (emitter.gas,), 2, 2)
    observations = [
        Observation(
            time=datetime(2026, 6, 11, tzinfo=UTC),
            scene_name=f"{p.name}_rdn",
            gas=emitter.gas,
            detected=True,
            emission_kg_h=2.0 * q,
        )
        for p, q in zip(truth["passes"], emitter.emission_kg_h, strict=True)
        if q > 0
    ]
    scores = evaluate_sites(survey_dir, [site], details=[SiteDetail(summary=site, observations=observations)])
    per_pass = scores["emission_per_pass"]
    assert per_pass["relative_error"]["n"] == len(observations)
    assert per_pass["relative_error"]["mean"] == pytest.approx(1.0)
