"""Options shared by several subcommands."""

from __future__ import annotations

import argparse
import os
from datetime import datetime
from pathlib import Path

import platformdirs

from plumewatch.io.survey import parse_utc


def default_db_url() -> str:
    """The catalog URL: $PLUMEWATCH_DB, else a SQLite file in the user's data directory."""
    if os.environ.get("PLUMEWATCH_DB"):
        return os.environ["PLUMEWATCH_DB"]
    data_dir = Path(platformdirs.user_data_dir("plumewatch"))
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data_dir / 'catalog.sqlite'}"


def add_db_option(parser: argparse.ArgumentParser) -> None:
    """--db URL, for every command that reads or writes the site catalog."""
    parser.add_argument(
        "--db",
        metavar="URL",
        default=None,
        help="catalog database URL (default: $PLUMEWATCH_DB or a SQLite file in the user data directory)",
    )


def db_url(args: argparse.Namespace) -> str:
    """The catalog URL the user asked for, or the default."""
    return args.db or default_db_url()


def add_bbox_option(parser: argparse.ArgumentParser) -> None:
    """--bbox W S E N: keep only the sites inside a lon/lat box."""
    parser.add_argument(
        "--bbox",
        nargs=4,
        type=float,
        metavar=("W", "S", "E", "N"),
        default=None,
        help="only sites inside this lon/lat box (degrees)",
    )


def gas_list(text: str) -> list[str]:
    """Parse 'ch4,co2' into ['ch4', 'co2']."""
    gases = [g.strip().lower() for g in text.split(",") if g.strip()]
    if not gases:
        raise argparse.ArgumentTypeError("give at least one gas, e.g. ch4 or ch4,co2")
    return gases


def utc_time(text: str) -> datetime:
    """Parse an ISO 8601 time option into an aware UTC datetime (UTC when it has no zone)."""
    try:
        return parse_utc(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None


def add_scheduler_option(parser: argparse.ArgumentParser) -> None:
    """--scheduler ADDRESS: run on a dask.distributed cluster instead of this machine."""
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="dask.distributed scheduler address, e.g. tcp://host:8786",
    )
