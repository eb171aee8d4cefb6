"""`plumewatch share`: write what one partner may receive, in one format, and audit the release."""

from __future__ import annotations

import argparse
from pathlib import Path

from plumewatch.cli.options import add_bbox_option, add_db_option, db_url

# The names of plumewatch.share.export.FORMATS, kept here so that starting the CLI imports no writer.
FORMAT_NAMES = ("stix", "geojson", "kml", "kmz", "cot", "csv")


def register(subparsers) -> None:
    """Add the share subcommand."""
    p = subparsers.add_parser("share", help="export the sites and plumes a partner may receive")
    p.add_argument("--partner", required=True, help="registered partner name")
    p.add_argument("--format", required=True, choices=FORMAT_NAMES, help="product format")
    p.add_argument("--out", required=True, type=Path, help="output file")
    p.add_argument(
        "--since",
        default=None,
        metavar="TIME",
        help="only sites seen and plumes observed at or after this ISO 8601 time (UTC if no zone)",
    )
    add_bbox_option(p)
    add_db_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build the partner's release, write it, record it in the audit log; returns 0."""
    from plumewatch.cli.partners import actor
    from plumewatch.share.export import write_release
    from plumewatch.share.policy import parse_bbox
    from plumewatch.share.store import ShareStore
    from plumewatch.share.timeparse import parse_time

    since = parse_time(args.since) if args.since else None
    bbox = parse_bbox(args.bbox) if args.bbox else None
    with ShareStore(db_url(args)) as store:
        partner = store.active_partner(args.partner)
        release = store.release(partner, since=since, bbox=bbox)
        write_release(args.out, release, args.format)
        store.record_release(
            "export",
            release,
            actor=actor(),
            detail={"format": args.format, "file": str(args.out), "since": args.since, "bbox": args.bbox},
        )
    print(
        f"{args.out}: {len(release.sites)} sites, {len(release.plumes)} plumes for {partner.name} "
        f"(marked TLP:{release.tlp.upper()} as a whole)"
    )
    return 0


def register_mark(verbs) -> None:
    """Add `sites mark SITE_ID --tlp LEVEL [--release-to CC,...]` to the `sites` verbs."""
    mark = verbs.add_parser("mark", help="set a site's TLP 2.0 marking (its plumes too); audited")
    mark.add_argument("site_id")
    mark.add_argument(
        "--tlp", required=True, metavar="LEVEL", help="clear, green, amber, amber+strict or red"
    )
    mark.add_argument(
        "--release-to",
        default=None,
        metavar="CC,...",
        help="only partners of these countries or communities may receive it (empty: no list)",
    )
    add_db_option(mark)
    mark.set_defaults(func=run_mark)


def run_mark(args: argparse.Namespace) -> int:
    """Mark the site and its plumes; the change and the old markings go to the audit log; returns 0."""
    from plumewatch.cli.partners import actor
    from plumewatch.share.policy import parse_release_codes, tlp_display
    from plumewatch.share.store import ShareStore

    codes = parse_release_codes(args.release_to)
    with ShareStore(db_url(args)) as store:
        n_plumes = store.mark_site(args.site_id, args.tlp, codes, actor=actor())
    print(f"{args.site_id} and {n_plumes} plumes marked {tlp_display(args.tlp, codes)}")
    return 0
