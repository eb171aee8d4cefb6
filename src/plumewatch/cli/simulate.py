"""`plumewatch simulate`: write a synthetic survey with known truth."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> None:
    """Add the simulate subcommand."""
    p = subparsers.add_parser(
        "simulate", help="write a synthetic survey (radiance, geometry, telemetry, truth)"
    )
    p.add_argument("--out", type=Path, required=True, help="folder to write the survey into")
    p.add_argument("--seed", type=int, default=0, help="random seed: the same seed gives the same survey")
    p.add_argument("--sensor", default="avirisng", choices=["avirisng", "emit", "hytes"])
    p.add_argument("--passes", type=int, default=4, help="overflights of the area (at least 2)")
    p.add_argument("--lines", type=int, default=300, help="scan lines per flight line")
    p.add_argument("--samples", type=int, default=150, help="cross-track pixels per flight line")
    p.add_argument(
        "--pixel-size-m",
        type=float,
        default=None,
        help="ground pixel size (default: 5 m AVIRIS-NG, 60 m EMIT, 2 m HyTES)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Simulate and print where the survey manifest went; returns 0."""
    from plumewatch.simulate.survey import simulate_survey

    manifest = simulate_survey(
        args.out,
        seed=args.seed,
        sensor=args.sensor,
        n_passes=args.passes,
        lines=args.lines,
        samples=args.samples,
        pixel_size_m=args.pixel_size_m,
        progress=print,
    )
    print(f"survey written: {manifest}")
    return 0
