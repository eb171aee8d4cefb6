"""`plumewatch simulate`: write a synthetic survey with known truth."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> None:
    """Add the simulate subcommand."""
    p = subparsers.add_parser("simulate", help="write a synthetic survey (radiance, geometry, telemetry, truth)")
    p.add_argument("--out", type=Path, required=True, help="folder to write the survey into")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sensor", default="avirisng", choices=["avirisng", "emit", "hytes"])
    p.add_argument("--passes", type=int, default=4, help="overflights of the area")
    p.add_argument("--lines", type=int, default=300)
    p.add_argument("--samples", type=int, default=150)
    p.add_argument("--pixel-size-m", type=float, default=5.0)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Simulate and print where the survey manifest went."""
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
