"""Site-catalog quality on simulated surveys: recall, false sites per 100 km², persistence error.

    .venv/bin/python benchmarks/site_quality.py --seeds 4 5 6 25 26 27 28 --out benchmark-output/sites
    .venv/bin/python benchmarks/site_quality.py --sensor emit --seeds 8 9 31 32 33 34 \\
        --match-radius-m 120 --out benchmark-output/sites

Each seed's survey (``<out>/<sensor>-seed<N>``, the layout benchmarks/emission_rates.py uses) is
simulated if missing, processed into its own SQLite catalog with ``process_survey`` (detect ->
plumes -> sites, as ``plumewatch process`` does) and scored with
``plumewatch.evaluate.survey.evaluate_sites`` (the scores ``plumewatch evaluate`` prints). Recall
counts the emitters of the gases searched (EMIT: CH4 only; plumewatch declines CO2 for it). The
totals over seeds give the false-site rate with its one-sided 95 % Poisson upper bound, and the
persistence error in overflights (detections minus passes the emitter was on).
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from scipy.stats import chi2

from plumewatch.evaluate.survey import MATCH_RADIUS_M, evaluate_sites
from plumewatch.io.survey import read_survey
from plumewatch.process import process_survey
from plumewatch.simulate.survey import simulate_survey
from plumewatch.simulate.truth import read_truth
from plumewatch.sites.catalog import Catalog

GASES = {"avirisng": ["ch4", "co2"], "emit": ["ch4"]}


def ensure_survey(root: Path, sensor: str, seed: int, size: dict) -> Path:
    """The folder of the simulated survey of ``sensor`` and ``seed`` under ``root``, simulated if missing."""
    folder = root / f"{sensor}-seed{seed}"
    if not (folder / "survey.json").exists():
        simulate_survey(
            folder,
            seed=seed,
            sensor=sensor,
            n_passes=size["passes"],
            lines=size["lines"],
            samples=size["samples"],
        )
    return folder


def score_seed(
    root: Path, sensor: str, seed: int, *, size: dict, workers: int, radius_m: float, discard: bool = False
) -> dict:
    """evaluate_sites scores of one simulated survey processed into a fresh catalog.

    With ``discard`` the survey folder (~330 MB of radiance for AVIRIS-NG) is removed once scored.
    """
    folder = ensure_survey(root, sensor, seed, size)
    survey = read_survey(folder)
    db = root / f"{sensor}-seed{seed}.sqlite"
    db.unlink(missing_ok=True)
    with Catalog(f"sqlite:///{db}") as catalog:
        process_survey(survey, GASES[sensor], catalog, survey.root / "products", workers=workers)
        sites = catalog.sites()
        details = [catalog.site(s.site_id) for s in sites]
    scores = evaluate_sites(survey.root, sites, details=details, match_radius_m=radius_m)
    scores["truth_gases"] = _truth_gases(folder)
    if discard:
        shutil.rmtree(folder)
    return scores


def totals(per_seed: dict[int, dict], searched: list[str], truth_gases: dict[int, dict[str, str]]) -> dict:
    """Recall over searched gases, false sites per 100 km² with its 95 % upper bound, persistence errors."""
    emitters = sum(sum(g in searched for g in truth_gases[s].values()) for s in per_seed)
    missed = {
        seed: [e for e in scores["missed_emitters"] if truth_gases[seed][e] in searched]
        for seed, scores in per_seed.items()
    }
    false_sites = sum(len(s["false_sites"]) for s in per_seed.values())
    area = sum(s["surveyed_area_km2"] for s in per_seed.values())
    errors = [
        row["detections"] - row["truth_on"] for s in per_seed.values() for row in s["persistence"]["sites"]
    ]
    return {
        "emitters_of_searched_gases": emitters,
        "missed": missed,
        "recall": (emitters - sum(map(len, missed.values()))) / emitters if emitters else None,
        "false_sites": false_sites,
        "surveyed_area_km2": round(area, 2),
        "false_sites_per_100_km2": round(100.0 * false_sites / area, 3) if area else None,
        "false_sites_per_100_km2_95pct_upper": round(
            100.0 * chi2.ppf(0.95, 2 * (false_sites + 1)) / 2 / area, 3
        )
        if area
        else None,
        "persistence_error_overflights": {
            "max_abs": max(map(abs, errors), default=None),
            "within_one": sum(abs(e) <= 1 for e in errors),
            "sites": len(errors),
        },
    }


def main() -> None:
    """Parse options, score each seed's catalog, write scores.json and print the totals as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sensor", choices=sorted(GASES), default="avirisng")
    parser.add_argument("--seeds", type=int, nargs="+", default=[4, 5, 6, 25, 26, 27, 28])
    parser.add_argument("--passes", type=int, default=4)
    parser.add_argument("--lines", type=int, default=300)
    parser.add_argument("--samples", type=int, default=150)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--match-radius-m", type=float, default=MATCH_RADIUS_M)
    parser.add_argument("--out", type=Path, default=Path("benchmark-output/sites"))
    parser.add_argument(
        "--discard-surveys", action="store_true", help="remove each simulated survey once it is scored"
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    size = {"passes": args.passes, "lines": args.lines, "samples": args.samples}
    per_seed = {
        seed: score_seed(
            args.out,
            args.sensor,
            seed,
            size=size,
            workers=args.workers,
            radius_m=args.match_radius_m,
            discard=args.discard_surveys,
        )
        for seed in args.seeds
    }
    truth_gases = {seed: per_seed[seed]["truth_gases"] for seed in args.seeds}
    result = {
        "sensor": args.sensor,
        "seeds": args.seeds,
        "match_radius_m": args.match_radius_m,
        **totals(per_seed, GASES[args.sensor], truth_gases),
        "persistence": {seed: s["persistence"]["sites"] for seed, s in per_seed.items()},
    }
    (args.out / f"{args.sensor}-scores.json").write_text(json.dumps(per_seed, indent=2, default=float))
    print(json.dumps(result, indent=2, default=float))


def _truth_gases(folder: Path) -> dict[str, str]:
    return {site.site_id: site.gas for site in read_truth(folder)["sites"]}


if __name__ == "__main__":
    main()
