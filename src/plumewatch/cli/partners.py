"""`plumewatch partners`: register, list and revoke partner agencies."""

from __future__ import annotations

import argparse
import getpass

from plumewatch.cli.options import add_db_option, db_url


def register(subparsers) -> None:
    """Add `partners add`, `partners list` and `partners revoke`."""
    p = subparsers.add_parser("partners", help="register, list or revoke partners that receive releases")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    add = verbs.add_parser("add", help="register a partner and print its API key (once)")
    add.add_argument("name", help="partner name (letters, digits, . _ -)")
    add.add_argument(
        "--tlp",
        required=True,
        metavar="LEVEL",
        help="highest TLP 2.0 label it may receive: clear, green, amber, amber+strict, red",
    )
    add.add_argument("--country", default="", metavar="CC", help="ISO 3166 alpha-2 country code")
    add.add_argument(
        "--release-to",
        default=None,
        metavar="CODE,...",
        help="communities it belongs to beyond its country (e.g. NATO,EU)",
    )
    add.add_argument("--org", default="", help="the partner's organisation (needed for amber+strict and red)")
    add.add_argument(
        "--named-individual",
        action="store_true",
        help="the key belongs to one named person (needed for TLP:RED)",
    )
    add.add_argument(
        "--area",
        action="append",
        nargs=4,
        type=float,
        metavar=("W", "S", "E", "N"),
        default=[],
        help="limit to sites inside this lon/lat box (repeat for several)",
    )
    add.add_argument("--gases", default=None, metavar="GAS,...", help="limit to sites of these gases")
    add_db_option(add)
    add.set_defaults(func=run_add)
    lst = verbs.add_parser("list", help="list partners, active and revoked")
    add_db_option(lst)
    lst.set_defaults(func=run_list)
    revoke = verbs.add_parser("revoke", help="revoke a partner's API key and tokens")
    revoke.add_argument("name")
    add_db_option(revoke)
    revoke.set_defaults(func=run_revoke)


def actor() -> str:
    """Who is at the command line, for the audit trail."""
    return f"cli:{getpass.getuser()}"


def run_add(args: argparse.Namespace) -> int:
    """Register the partner and print its API key; returns 0."""
    from plumewatch.share.policy import Partner, parse_bbox, parse_release_codes
    from plumewatch.share.store import ShareStore

    partner = Partner(
        name=args.name,
        max_tlp=args.tlp,
        country=args.country,
        organisation=args.org,
        release_codes=parse_release_codes(args.release_to),
        areas=tuple(parse_bbox(a) for a in args.area),
        gases=tuple((args.gases or "").split(",")),
        named_individual=args.named_individual,
    )
    with ShareStore(db_url(args)) as store:
        key = store.add_partner(partner, actor=actor())
    print(f"partner {partner.name} added (highest label TLP:{partner.max_tlp.upper()}).")
    print(f"API key (shown only now; send it as 'Authorization: Bearer KEY'):\n{key}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    """Print the partners as a table; returns 0."""
    from plumewatch.share.store import ShareStore

    with ShareStore(db_url(args)) as store:
        entries = store.partners()
    header = f"{'name':<20}{'tlp':<14}{'country':<9}{'release to':<16}{'organisation':<24}status"
    print(header)
    print("-" * len(header))
    for e in entries:
        p = e.partner
        limits = ("; areas " + str(len(p.areas)) if p.areas else "") + (
            "; gases " + ",".join(p.gases) if p.gases else ""
        )
        status = "active" if e.active else f"revoked {e.revoked:%Y-%m-%d %H:%M}"
        person = " (named individual)" if p.named_individual else ""
        print(
            f"{p.name:<20}{p.max_tlp:<14}{p.country or '-':<9}{','.join(p.release_codes) or '-':<16}"
            f"{p.organisation or '-':<24}{status}{person}{limits}"
        )
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    """Revoke the partner; returns 0."""
    from plumewatch.share.store import ShareStore

    with ShareStore(db_url(args)) as store:
        store.revoke_partner(args.name, actor=actor())
    print(f"partner {args.name} revoked: its key and tokens no longer open the API.")
    return 0
