"""`plumewatch evaluate`: score detection products and a catalog against simulator truth."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from plumewatch.cli.options import add_db_option, db_url


def register(subparsers) -> None:
    """Add the evaluate subcommand."""
    p = subparsers.add_parser("evaluate", help="score products and sites against a simulated survey's truth")
    p.add_argument("survey", type=Path, help="simulated survey folder (with truth.json)")
    p.add_argument(
        "--products", type=Path, default=None, help="detection products folder (default SURVEY/products)"
    )
    p.add_argument("--json", type=Path, default=None, help="also write the scores to this JSON file")
    p.add_argument(
        "--false-alarm-rate",
        type=float,
        default=1e-3,
        help="pixel false-alarm rate for the probability of detection (default 1e-3)",
    )
    p.add_argument(
        "--match-radius-m",
        type=float,
        default=75.0,
        help="a catalog site within this distance of a truth emitter of its gas matches it (default 75)",
    )
    add_db_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print a summary of the scores (and write them all as JSON); returns 0."""
    from plumewatch.atomic import atomic_path
    from plumewatch.evaluate.report import format_scores
    from plumewatch.evaluate.survey import evaluate_retrievals, evaluate_sites
    from plumewatch.sites.catalog import Catalog

    products = args.products or args.survey / "products"
    scores = {
        "retrievals": evaluate_retrievals(args.survey, products, false_alarm_rate=args.false_alarm_rate)
    }
    with Catalog(db_url(args)) as catalog:
        sites = catalog.sites()
        details = [catalog.site(s.site_id) for s in sites]
    scores["sites"] = evaluate_sites(args.survey, sites, details=details, match_radius_m=args.match_radius_m)
    print(format_scores(scores))
    if args.json:
        with atomic_path(args.json) as tmp:
            tmp.write_text(json.dumps(scores, indent=2, default=float))
        print(f"scores written: {args.json}")
    return 0
