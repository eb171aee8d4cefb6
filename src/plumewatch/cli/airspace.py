"""`plumewatch airspace`: audit a flown track against its permitted airspace.

Exit status 0: no excursion found; 3: excursions found; 1: bad input. Telemetry gaps
(compliance unknown there) are always reported; with --fail-on-gaps they exit 4.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

EXIT_VIOLATIONS = 3
EXIT_UNKNOWN = 4


def register(subparsers) -> None:
    """Add the airspace subcommand."""
    p = subparsers.add_parser("airspace", help="audit a flown track against permitted airspace")
    p.add_argument("track", type=Path, help="telemetry: MISB ST 0601 KLV (.klv/.bin), .csv or .gpx")
    p.add_argument(
        "--permitted",
        type=Path,
        default=None,
        help="permitted airspace: GeoJSON polygons (floor_m/ceiling_m) or OpenAir text",
    )
    p.add_argument("--max-alt-m", type=float, default=None, help="altitude limit everywhere, metres")
    p.add_argument(
        "--max-gap-s",
        type=float,
        default=5.0,
        help="a step between fixes longer than this is a gap of unknown coverage (default 5)",
    )
    p.add_argument(
        "--allow-time-sort",
        action="store_true",
        help="accept a log whose time stepped backwards (the reader sorts it; reported as a note)",
    )
    p.add_argument(
        "--fail-on-gaps",
        action="store_true",
        help="exit 4 when no excursion was seen but gaps leave compliance unknown somewhere",
    )
    p.add_argument("--json", type=Path, default=None, help="write the verdict and excursions as JSON")
    p.add_argument(
        "--out-excursions", type=Path, default=None, help="offending track segments as .kml or .geojson"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Audit the track, print the excursions, write the requested files; exit 0 or 3 (4: --fail-on-gaps)."""
    from plumewatch.atomic import atomic_path
    from plumewatch.errors import PlanningError
    from plumewatch.io.telemetry import read_track
    from plumewatch.missions.airspace import read_permitted
    from plumewatch.missions.audit import audit_track, excursion_features
    from plumewatch.missions.exports import write_features

    if args.permitted is None and args.max_alt_m is None:
        raise PlanningError("give --permitted AREA and/or --max-alt-m H to audit against")
    track = read_track(args.track)
    back = int(track.attrs.get("time_steps_backwards", 0) or 0)
    if back and not args.allow_time_sort:
        raise PlanningError(
            f"{args.track}: time goes backwards {back} time(s) in the log; "
            "fix it or pass --allow-time-sort to audit the time-sorted fixes"
        )
    volumes = read_permitted(args.permitted) if args.permitted else []
    report = audit_track(track, volumes, max_alt_m=args.max_alt_m, max_gap_s=args.max_gap_s)
    document = report.to_json()
    if args.json:
        with atomic_path(args.json) as tmp:
            tmp.write_text(json.dumps(document, indent=2), encoding="utf-8")
    if args.out_excursions:
        write_features(
            args.out_excursions,
            excursion_features(report),
            title=f"excursions of {args.track.name}",
            altitude_mode="absolute",
        )
    print(format_report(document))
    if report.excursions:
        return EXIT_VIOLATIONS
    return EXIT_UNKNOWN if report.gaps and args.fail_on_gaps else 0


def format_report(document: dict) -> str:
    """Text lines: verdict, coverage, one line per excursion and per note."""
    rows = [
        f"verdict: {document['verdict']}  ({document['n_fixes']} fixes, {document['start']} to "
        f"{document['end']}, coverage {document['coverage']}"
        + (
            f", {document['unknown_s']:.0f} s unknown in {len(document['gaps'])} gap(s))"
            if document["gaps"]
            else ")"
        )
    ]
    for e in document["excursions"]:
        size = (
            f"{e['max_distance_m']:.0f} m outside"
            if e["kind"] == "horizontal"
            else f"{e['max_altitude_excess_m']:.0f} m {e['side']} the limit"
        )
        rows.append(f"  {e['kind']:<10} {e['start']} -> {e['end']}  ({e['duration_s']:.1f} s)  {size}")
    rows.extend(f"note: {note}" for note in document["notes"])
    return "\n".join(rows)
