"""`plumewatch audit-log`: what was released, exported, read or re-marked, by whom and when."""

from __future__ import annotations

import argparse
import json

from plumewatch.cli.options import add_db_option, db_url
from plumewatch.share.actions import ACTIONS


def register(subparsers) -> None:
    """Add the audit-log subcommand."""
    p = subparsers.add_parser("audit-log", help="show the append-only audit trail of releases and markings")
    p.add_argument("--partner", default=None, help="only entries about this partner")
    p.add_argument(
        "--since", default=None, metavar="TIME", help="only entries at or after this ISO 8601 time"
    )
    p.add_argument("--action", default=None, choices=ACTIONS, help="only entries of this kind")
    p.add_argument("--format", choices=["table", "json"], default="table")
    add_db_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the matching audit entries; returns 0."""
    from plumewatch.share.store import ShareStore
    from plumewatch.share.timeparse import parse_time

    since = parse_time(args.since) if args.since else None
    with ShareStore(db_url(args)) as store:
        entries = store.audit_log(partner=args.partner, since=since, action=args.action)
    if args.format == "json":
        print(json.dumps([e.as_dict() for e in entries], indent=2))
        return 0
    header = f"{'time (UTC)':<21}{'action':<16}{'actor':<20}{'partner':<16}objects"
    print(header)
    print("-" * len(header))
    for e in entries:
        shown = ", ".join(f"{i} ({t})" for i, t in e.objects[:4]) + (
            f" and {len(e.objects) - 4} more" if len(e.objects) > 4 else ""
        )
        print(f"{e.time:%Y-%m-%d %H:%M:%S}  {e.action:<16}{e.actor:<20}{e.partner or '-':<16}{shown or '-'}")
    return 0
