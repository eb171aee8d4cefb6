"""`plumewatch sites`: query the site catalog (list, show, history, alerts)."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from datetime import datetime

from plumewatch.cli.options import add_bbox_option, add_db_option, db_url, utc_time
from plumewatch.cli.share import register_mark
from plumewatch.sites.records import SITE_STATUSES

FORMATS = ("table", "json", "geojson")


def register(subparsers) -> None:
    """Add `sites list`, `sites show`, `sites history` and `sites alerts`."""
    p = subparsers.add_parser("sites", help="list or show catalog sites, their history and alerts")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)

    lst = verbs.add_parser("list", help="list sites, optionally filtered")
    lst.add_argument("--gas", default=None, help="only sites where this gas was detected")
    lst.add_argument("--status", choices=SITE_STATUSES, default=None)
    add_bbox_option(lst)
    lst.add_argument(
        "--since", type=utc_time, default=None, help="only sites detected at or after (ISO 8601)"
    )
    lst.add_argument(
        "--until", type=utc_time, default=None, help="only sites detected at or before (ISO 8601)"
    )
    lst.add_argument("--format", choices=FORMATS, default="table")
    add_db_option(lst)
    lst.set_defaults(func=run_list)

    for verb, text, func in (
        ("show", "one site: summary and overflight history", run_show),
        ("history", "one site's overflights and emission-rate history", run_history),
    ):
        sub = verbs.add_parser(verb, help=text)
        sub.add_argument("site_id")
        sub.add_argument("--format", choices=FORMATS, default="table")
        add_db_option(sub)
        sub.set_defaults(func=func)

    alerts = verbs.add_parser("alerts", help="alerts raised so far")
    alerts.add_argument("--since", type=utc_time, default=None, help="only alerts at or after (ISO 8601)")
    alerts.add_argument("--format", choices=("table", "json"), default="table")
    add_db_option(alerts)
    alerts.set_defaults(func=run_alerts)
    register_mark(verbs)  # `sites mark`: the share stage's marking verb


def run_list(args: argparse.Namespace) -> int:
    """Print the sites as a table, JSON or GeoJSON; returns 0."""
    from plumewatch.share.geojson import sites_feature_collection
    from plumewatch.sites.catalog import Catalog

    bbox = tuple(args.bbox) if args.bbox else None
    with Catalog(db_url(args)) as catalog:
        found = catalog.sites(gas=args.gas, status=args.status, bbox=bbox, since=args.since, until=args.until)
    if args.format == "geojson":
        print(json.dumps(sites_feature_collection(found), indent=2))
    elif args.format == "json":
        print(_json([asdict(s) | {"persistence": s.persistence} for s in found]))
    else:
        print(format_site_table(found))
    return 0


def run_show(args: argparse.Namespace) -> int:
    """Print one site's summary and its overflight history; returns 0."""
    detail = _detail(args)
    if args.format == "table":
        s = detail.summary
        flags = f"  flags {','.join(s.flags)}" if s.flags else ""
        print(
            f"{s.site_id}  {s.lat_deg:.6f}, {s.lon_deg:.6f} ± {s.position_sigma_m:.0f} m  {s.status} "
            f"({s.status_reason})  gases {','.join(s.gases)}  "
            f"{s.n_detections}/{s.n_overflights} overflights{flags}"
        )
    return _print_detail(detail, args.format)


def run_history(args: argparse.Namespace) -> int:
    """Print one site's observations with emission rates, oldest first; returns 0."""
    return _print_detail(_detail(args), args.format)


def run_alerts(args: argparse.Namespace) -> int:
    """Print stored alerts, oldest first; returns 0."""
    from plumewatch.sites.catalog import Catalog

    with Catalog(db_url(args)) as catalog:
        alerts = catalog.alerts(since=args.since)
    if args.format == "json":
        print(_json([asdict(a) for a in alerts]))
    else:
        for alert in alerts:
            print(f"{alert.time:%Y-%m-%d %H:%M}  {alert.kind:<15} {alert.message}")
    return 0


def format_site_table(sites) -> str:
    """A fixed-width text table of site summaries."""
    header = f"{'site':<9}{'lat':>11}{'lon':>12}{'±m':>5}  {'gases':<12}{'det/ovf':>8}{'kg/h':>16}  status"
    rows = [header, "-" * len(header)]
    for s in sites:
        rate = (
            "-"
            if s.mean_emission_kg_h is None
            else f"{s.mean_emission_kg_h:.0f} ± {s.emission_sigma_kg_h or 0:.0f}"
        )
        flags = f" [{','.join(s.flags)}]" if s.flags else ""
        rows.append(
            f"{s.site_id:<9}{s.lat_deg:>11.5f}{s.lon_deg:>12.5f}{s.position_sigma_m:>5.0f}  "
            f"{','.join(s.gases):<12}{s.n_detections:>4}/{s.n_overflights:<3}{rate:>16}  {s.status}{flags}"
        )
    return "\n".join(rows)


def format_history(detail) -> str:
    """A fixed-width text table of a site's observations, oldest first."""
    rows = []
    for obs in detail.observations:
        if obs.emission_kg_h is not None:
            rate = f"{obs.emission_kg_h:.0f} ± {obs.emission_sigma_kg_h or 0:.0f} kg/h"
        else:
            rate = obs.emission_note if obs.detected else ""
        seen = "DETECTED" if obs.detected else "clean"
        rows.append(f"  {obs.time:%Y-%m-%d %H:%M}  {obs.scene_name:<28} {obs.gas:<8} {seen:<9} {rate}")
    return "\n".join(rows) if rows else "  (no overflights)"


def _detail(args: argparse.Namespace):
    from plumewatch.sites.catalog import Catalog

    with Catalog(db_url(args)) as catalog:
        return catalog.site(args.site_id)


def _print_detail(detail, fmt: str) -> int:
    """Print a site's detail: its history table, its JSON, or a GeoJSON feature with its observations."""
    if fmt == "geojson":
        from plumewatch.share.geojson import site_feature

        feature = site_feature(detail.summary)
        feature["properties"]["observations"] = [asdict(o) for o in detail.observations]
        print(_json(feature))
    elif fmt == "json":
        print(_json(asdict(detail)))
    else:
        print(format_history(detail))
    return 0


def _json(document) -> str:
    return json.dumps(document, indent=2, default=_default)


def _default(value):
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
