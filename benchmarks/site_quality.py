"""Site-catalog quality on simulated surveys: recall, false sites per 100 km², persistence error.

    .venv/bin/python benchmarks/site_quality.py --seeds 4 5 6 --out /tmp/pw-sites

Each seed's survey is simulated (or reused), processed into its own SQLite catalog with
``process_survey`` and scored with ``plumewatch.evaluate.survey.evaluate_sites`` (the same
scores as ``plumewatch evaluate``); the totals over seeds are printed as JSON.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from plumewatch.evaluate.survey import evaluate_sites
from plumewatch.io.survey import read_survey
from plumewatch.process import process_survey
from plumewatch.simulate.survey import simulate_survey
from plumewatch.sites.catalog import Catalog

GASES = ["ch4", "co2"]


def score_seed(root: Path, seed: int, *, passes: int, lines: int, samples: int, workers: int) -> dict:
    """evaluate_sites scores of one simulated survey processed into a fresh catalog."""
    manifest = root / f"seed{seed}" / "survey.json"
    if not manifest.exists():
        simulate_survey(manifest.parent, seed=seed, n_passes=passes, lines=lines, samples=samples)
    survey = read_survey(manifest)
    db = root / f"seed{seed}.sqlite"
    db.unlink(missing_ok=True)
    with Catalog(f"sqlite:///{db}") as catalog:
        process_survey(survey, GASES, catalog, survey.root / "products", workers=workers)
        sites = catalog.sites()
        details = [catalog.site(s.site_id) for s in sites]
    return evaluate_sites(survey.root, sites, details=details)


def main() -> None:
    """Parse options, score each seed's catalog, write scores.json and print the totals as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[4, 5, 6])
    parser.add_argument("--passes", type=int, default=4)
    parser.add_argument("--lines", type=int, default=300)
    parser.add_argument("--samples", type=int, default=150)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("benchmark-output/site-quality"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    per_seed = {
        seed: score_seed(args.out, seed, passes=args.passes, lines=args.lines, samples=args.samples,
                         workers=args.workers)
        for seed in args.seeds
    }
    emitters = sum(s["truth_emitters"] for s in per_seed.values())
    matched = sum(s["matched"] for s in per_seed.values())
    false_sites = sum(len(s["false_sites"]) for s in per_seed.values())
    area = sum(s["surveyed_area_km2"] for s in per_seed.values())
    totals = {
        "seeds": args.seeds,
        "truth_emitters": emitters,
        "matched": matched,
        "recall": matched / emitters if emitters else None,
        "false_sites": false_sites,
        "surveyed_area_km2": round(area, 3),
        "false_sites_per_100_km2": 100.0 * false_sites / area if area else None,
        "missed": {seed: s["missed_emitters"] for seed, s in per_seed.items()},
        "persistence": {seed: s["persistence"] for seed, s in per_seed.items()},
    }
    (args.out / "scores.json").write_text(json.dumps(per_seed, indent=2, default=float))
    print(json.dumps(totals, indent=2, default=float))


if __name__ == "__main__":
    main()
