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
    p.add_argument("--products", type=Path, default=None, help="detection products folder (default SURVEY/products)")
    p.add_argument("--json", type=Path, default=None, help="also write the scores to this JSON file")
    add_db_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the scores (and write them as JSON)."""
    from plumewatch.atomic import atomic_path
    from plumewatch.evaluate.survey import evaluate_retrievals, evaluate_sites
    from plumewatch.sites.catalog import Catalog

    products = args.products or args.survey / "products"
    scores = {"retrievals": evaluate_retrievals(args.survey, products)}
    with Catalog(db_url(args)) as catalog:
        scores["sites"] = evaluate_sites(args.survey, catalog.sites())
    text = json.dumps(scores, indent=2, default=float)
    print(text)
    if args.json:
        with atomic_path(args.json) as tmp:
            tmp.write_text(text)
    return 0
