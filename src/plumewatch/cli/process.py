"""`plumewatch process`: a whole survey into the site catalog."""

from __future__ import annotations

import argparse
from pathlib import Path

from plumewatch.cli.options import add_db_option, add_scheduler_option, db_url, gas_list


def register(subparsers) -> None:
    """Add the process subcommand."""
    p = subparsers.add_parser(
        "process", help="detect, segment plumes and update the site catalog for a survey"
    )
    p.add_argument("survey", type=Path, help="survey folder (with survey.json)")
    p.add_argument(
        "--gas", type=gas_list, default=["ch4", "co2"], help="gases to search for (default ch4,co2)"
    )
    p.add_argument(
        "--products", type=Path, default=None, help="folder for detection products (default SURVEY/products)"
    )
    p.add_argument(
        "--workers",
        type=int,
        default=2,
        help="flight lines processed at once (local process pool, default 2)",
    )
    p.add_argument(
        "--no-ortho",
        action="store_true",
        help="skip the orthorectified UTM COG + STAC item per gas and line (faster)",
    )
    add_db_option(p)
    add_scheduler_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Process every flight line, print alerts and the number of sites; returns 0."""
    from plumewatch.io.survey import read_survey
    from plumewatch.process import process_survey
    from plumewatch.sites.catalog import Catalog

    survey = read_survey(args.survey)
    products = args.products or survey.root / "products"
    with Catalog(db_url(args)) as catalog:
        overflights, alerts = process_survey(
            survey,
            args.gas,
            catalog,
            products,
            workers=args.workers,
            scheduler=args.scheduler,
            orthorectify=not args.no_ortho,
            progress=print,
        )
        n_sites = len(catalog.sites())
    for alert in alerts:
        print(f"ALERT {alert.kind}: {alert.message}")
    n_plumes = sum(len(o.plumes) for o in overflights)
    print(f"{len(overflights)} overflights, {n_plumes} plumes, {n_sites} sites in catalog")
    return 0
