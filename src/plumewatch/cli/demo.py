"""`plumewatch demo`: the whole flow on a built-in synthetic survey."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> None:
    """Add the demo subcommand."""
    p = subparsers.add_parser("demo", help="simulate a small survey and run detect -> plumes -> sites on it")
    p.add_argument(
        "--out", type=Path, default=Path("demo-output"), help="output folder (default ./demo-output)"
    )
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--passes", type=int, default=4)
    p.add_argument("--lines", type=int, default=300)
    p.add_argument("--samples", type=int, default=150)
    p.add_argument("--workers", type=int, default=2)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the demo and print its summary table; returns 0."""
    from plumewatch.demo import run_demo

    result = run_demo(
        args.out, seed=args.seed, n_passes=args.passes, lines=args.lines, samples=args.samples,
        workers=args.workers, say=print,
    )
    print()
    print(result.table_text)
    print()
    print(f"catalog: {result.catalog_path}\nsites:   {result.geojson_path}\nreport:  {result.report_path}")
    return 0
