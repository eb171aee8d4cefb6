"""The `plumewatch` command: one entry point, one module per subcommand.

Each subcommand module has ``register(subparsers)`` that adds its parser and
sets ``func``; the functions only parse options and call the library.
"""

from __future__ import annotations

import argparse
import logging
import sys

from plumewatch import __version__
from plumewatch.cli import (
    airspace,
    audit,
    demo,
    detect,
    evaluate,
    georef,
    inspect,
    partners,
    plan,
    process,
    serve,
    share,
    simulate,
    sites,
)
from plumewatch.errors import PlumewatchError

COMMANDS = (demo, simulate, detect, process, sites, evaluate, inspect, partners, share, serve, audit, plan,
            airspace, georef)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="plumewatch",
        description=(
            "Airborne chemical-signature reconnaissance: detect, quantify, place, track and share "
            "vapour plumes."
        ),
    )
    parser.add_argument("--version", action="version", version=f"plumewatch {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def configure_logging(verbosity: int) -> None:
    """Attach a stderr handler: warnings by default, info with -v, debug with -vv."""
    level = logging.WARNING - 10 * min(verbosity, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    logging.captureWarnings(True)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.verbose)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except PlumewatchError as err:
        print(f"plumewatch {args.command}: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("plumewatch: interrupted", file=sys.stderr)
        return 130
