"""`plumewatch inspect`: say what a file is."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> None:
    """Add the inspect subcommand."""
    p = subparsers.add_parser("inspect", help="describe a radiance file, survey folder or telemetry log")
    p.add_argument("path", type=Path)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the description; returns 0."""
    from plumewatch.io.inspect import describe, format_description

    print(format_description(describe(args.path)))
    return 0
