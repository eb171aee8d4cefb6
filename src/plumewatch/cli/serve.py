"""`plumewatch serve`: the partner API, TAXII 2.1 server (and dashboard) over a catalog."""

from __future__ import annotations

import argparse
from pathlib import Path

from plumewatch.cli.options import add_db_option, db_url


def register(subparsers) -> None:
    """Add the serve subcommand."""
    p = subparsers.add_parser("serve", help="serve the partner API, TAXII 2.1 and the map dashboard")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument(
        "--rate-limit",
        default="120/minute",
        metavar="RATE",
        help="requests per partner, e.g. 120/minute or 5/second (default 120/minute)",
    )
    p.add_argument(
        "--products",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder of detection products (GeoTIFF/COG, STAC items) to offer for download",
    )
    p.add_argument(
        "--layers",
        type=Path,
        default=None,
        metavar="DIR",
        help="operational map layers for the dashboard: DIR/tracks (telemetry), DIR/plans (plan GeoJSON), "
        "DIR/airspace (GeoJSON or OpenAir); default $PLUMEWATCH_DASHBOARD_LAYERS_DIR",
    )
    add_db_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run uvicorn until interrupted; returns 0."""
    import uvicorn

    from plumewatch.api.app import create_app
    from plumewatch.api.dashboard.settings import DashboardSettings
    from plumewatch.api.settings import ApiSettings

    settings = ApiSettings(rate_limit=args.rate_limit, products_dir=args.products)
    dashboard = DashboardSettings(**({"layers_dir": args.layers} if args.layers else {}))
    app = create_app(db_url(args), settings=settings, dashboard=dashboard)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0
