"""`plumewatch sites`: query the site catalog."""

from __future__ import annotations

import argparse
import json

from plumewatch.cli.options import add_db_option, db_url


def register(subparsers) -> None:
    """Add `sites list` and `sites show`."""
    p = subparsers.add_parser("sites", help="list or show catalog sites")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    lst = verbs.add_parser("list", help="list sites")
    lst.add_argument("--gas", default=None)
    lst.add_argument("--status", choices=["candidate", "confirmed", "dormant"], default=None)
    lst.add_argument("--format", choices=["table", "json", "geojson"], default="table")
    add_db_option(lst)
    lst.set_defaults(func=run_list)
    show = verbs.add_parser("show", help="one site with its overflight history")
    show.add_argument("site_id")
    add_db_option(show)
    show.set_defaults(func=run_show)


def run_list(args: argparse.Namespace) -> int:
    """Print the sites as a table, JSON or GeoJSON."""
    from plumewatch.share.geojson import sites_feature_collection
    from plumewatch.sites.catalog import Catalog

    with Catalog(db_url(args)) as catalog:
        found = catalog.sites(gas=args.gas, status=args.status)
    if args.format == "geojson":
        print(json.dumps(sites_feature_collection(found), indent=2))
    elif args.format == "json":
        print(json.dumps(sites_feature_collection(found)["features"], indent=2, default=str))
    else:
        print(format_site_table(found))
    return 0


def run_show(args: argparse.Namespace) -> int:
    """Print one site's summary and its overflight history."""
    from plumewatch.sites.catalog import Catalog

    with Catalog(db_url(args)) as catalog:
        detail = catalog.site(args.site_id)
    s = detail.summary
    print(f"{s.site_id}  {s.lat_deg:.6f}, {s.lon_deg:.6f} ± {s.position_sigma_m:.0f} m  {s.status}  "
          f"gases {','.join(s.gases)}  {s.n_detections}/{s.n_overflights} overflights")
    for obs in detail.observations:
        rate = "" if obs.emission_kg_h is None else f"{obs.emission_kg_h:.0f} ± {obs.emission_sigma_kg_h or 0:.0f} kg/h"
        print(f"  {obs.time:%Y-%m-%d %H:%M}  {obs.scene_name:<28} {'DETECTED' if obs.detected else 'clear':<9} {rate}")
    return 0


def format_site_table(sites) -> str:
    """A fixed-width text table of site summaries."""
    header = f"{'site':<12}{'lat':>11}{'lon':>12}{'gases':>10}{'det/ovf':>9}{'kg/h':>16}  status"
    rows = [header, "-" * len(header)]
    for s in sites:
        rate = "-" if s.mean_emission_kg_h is None else f"{s.mean_emission_kg_h:.0f} ± {s.emission_sigma_kg_h or 0:.0f}"
        rows.append(f"{s.site_id:<12}{s.lat_deg:>11.5f}{s.lon_deg:>12.5f}{','.join(s.gases):>10}"
                    f"{s.n_detections:>5}/{s.n_overflights:<3}{rate:>16}  {s.status}")
    return "\n".join(rows)
