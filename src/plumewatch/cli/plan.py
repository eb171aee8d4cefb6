"""`plumewatch plan`: plan survey flights over an area, or revisits of catalog sites."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from plumewatch.cli.options import add_db_option, db_url, utc_time

OUT_HELP = "plan file: .plan (QGroundControl), .kml or .geojson (chosen by extension)"


def heading(text: str) -> float | None:
    """Parse --heading: 'auto' (searched) or degrees clockwise from north."""
    if text.strip().lower() == "auto":
        return None
    try:
        return float(text) % 360.0
    except ValueError:
        raise argparse.ArgumentTypeError("give 'auto' or a heading in degrees, e.g. 35") from None


def lonlat(text: str) -> tuple[float, float]:
    """Parse 'LON,LAT' in degrees."""
    try:
        lon, lat = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("give LON,LAT in degrees, e.g. -118.2,35.3") from None
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise argparse.ArgumentTypeError(f"{text}: longitude or latitude out of range")
    return lon, lat


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--sensor", default="avirisng", help="sensor whose field of view sets the swath (default avirisng)"
    )
    p.add_argument("--speed-m-s", type=float, default=60.0, help="ground speed, m/s (default 60)")
    p.add_argument(
        "--turn-radius-m",
        type=float,
        default=None,
        help="turn radius, m (default: a 25-degree banked turn at the speed)",
    )
    p.add_argument(
        "--max-altitude-m", type=float, default=20000.0, help="platform ceiling, m (default 20000)"
    )
    p.add_argument("--out", type=Path, required=True, help=OUT_HELP)
    p.add_argument("--json", type=Path, default=None, help="also write the plan summary as JSON")


def register(subparsers) -> None:
    """Add `plan survey` and `plan revisit`."""
    p = subparsers.add_parser("plan", help="plan survey flights or revisits of catalog sites")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    survey = verbs.add_parser("survey", help="parallel flight lines covering an area of interest")
    survey.add_argument(
        "aoi", type=Path, help="GeoJSON polygon(s); holes and no_fly features are never overflown"
    )
    survey.add_argument("--altitude-m", type=float, required=True, help="flying height above ground, metres")
    survey.add_argument("--sidelap", type=float, default=0.2, help="fraction of swath overlap (default 0.2)")
    survey.add_argument(
        "--heading", type=heading, default=None, help="'auto' (default) or degrees from north"
    )
    survey.add_argument(
        "--no-fly-clearance-m",
        type=float,
        default=None,
        help="lines end this far from no-fly zones (default: the turn radius)",
    )
    survey.add_argument(
        "--permitted",
        type=Path,
        default=None,
        help="permitted airspace (GeoJSON or OpenAir) for the plan's geofence",
    )
    _common(survey)
    survey.set_defaults(func=run_survey)
    revisit = verbs.add_parser(
        "revisit", help="tour the most valuable catalog sites within a flight-time budget"
    )
    add_db_option(revisit)
    revisit.add_argument("--budget-h", type=float, required=True, help="flight-time budget, hours")
    revisit.add_argument("--base", type=lonlat, default=None, help="LON,LAT to start from and return to")
    revisit.add_argument(
        "--wind-from",
        type=float,
        default=None,
        help="wind direction (degrees it blows from) for every site's line",
    )
    revisit.add_argument(
        "--altitude-m", type=float, default=3000.0, help="flying height above ground, m (3000)"
    )
    revisit.add_argument("--line-length-m", type=float, default=3000.0, help="line length over each site")
    revisit.add_argument(
        "--now", type=utc_time, default=None, help="time to measure 'unseen' from (default now)"
    )
    _common(revisit)
    revisit.set_defaults(func=run_revisit)


def _sensor(name: str):
    from plumewatch.spectra import get_sensor

    return get_sensor(name)


def _finish(args: argparse.Namespace, plan) -> int:
    from plumewatch.atomic import atomic_path
    from plumewatch.missions.exports import write_mission

    write_mission(args.out, plan)
    summary = plan.summary()
    if args.json:
        with atomic_path(args.json) as tmp:
            tmp.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(format_summary(summary))
    print(f"wrote {args.out}")
    return 0


def run_survey(args: argparse.Namespace) -> int:
    """Plan a survey and write it; returns 0."""
    from plumewatch.missions.airspace import read_permitted
    from plumewatch.missions.aoi import read_aoi
    from plumewatch.missions.survey import plan_survey

    sensor = _sensor(args.sensor)
    permitted = [v.polygon for v in read_permitted(args.permitted)] if args.permitted else None
    plan = plan_survey(
        read_aoi(args.aoi),
        altitude_m=args.altitude_m,
        fov_deg=sensor.fov_deg,
        ifov_mrad=sensor.ifov_mrad,
        sidelap=args.sidelap,
        heading_deg=args.heading,
        speed_m_s=args.speed_m_s,
        turn_radius_m=args.turn_radius_m,
        sensor=sensor.name,
        max_altitude_m=args.max_altitude_m,
        clearance_m=args.no_fly_clearance_m,
        permitted_lonlat=permitted,
    )
    return _finish(args, plan)


def run_revisit(args: argparse.Namespace) -> int:
    """Plan a revisit tour from the catalog and write it; returns 0."""
    from plumewatch.missions.revisit import plan_revisit
    from plumewatch.missions.survey import check_geometry, gsd_m, swath_width_m, turn_radius_for
    from plumewatch.sites.catalog import Catalog

    sensor = _sensor(args.sensor)
    altitude = args.altitude_m
    radius = turn_radius_for(args.speed_m_s) if args.turn_radius_m is None else args.turn_radius_m
    check_geometry(altitude, sensor.fov_deg, 0.0, args.speed_m_s, radius, args.max_altitude_m)
    with Catalog(db_url(args)) as catalog:
        details = [catalog.site(s.site_id) for s in catalog.sites()]
    plan = plan_revisit(
        details,
        budget_h=args.budget_h,
        now=args.now or datetime.now(UTC),
        base_lonlat=args.base,
        speed_m_s=args.speed_m_s,
        turn_radius_m=radius,
        altitude_m=altitude,
        swath_width_m=swath_width_m(altitude, sensor.fov_deg),
        line_length_m=args.line_length_m,
        wind_from_deg=args.wind_from,
    )
    plan = replace(plan, sensor=sensor.name, gsd_m=gsd_m(altitude, sensor.ifov_mrad))
    return _finish(args, plan)


def format_summary(summary: dict) -> str:
    """A few lines of text describing a plan summary."""
    rows = [
        f"{summary['kind']} plan: {summary['n_lines']} line(s), {summary['line_length_m'] / 1000:.1f} km of "
        f"lines + {summary['transit_length_m'] / 1000:.1f} km of turns/transits, "
        f"{summary['flight_time_h']:.2f} h at {summary['speed_m_s']:g} m/s"
    ]
    gsd = "" if summary.get("gsd_m") is None else f", GSD {summary['gsd_m']:.2f} m"
    rows.append(
        f"altitude {summary['altitude_m']:g} m, swath {summary['swath_width_m']:.0f} m{gsd}, "
        f"turn radius {summary['turn_radius_m']:.0f} m"
    )
    if summary.get("heading_deg") is not None:
        rows.append(
            f"heading {summary['heading_deg']:.1f} deg, line spacing {summary['line_spacing_m']:.0f} m"
        )
    for site in summary.get("sites", []):
        wind = "?" if site["wind_from_deg"] is None else f"{site['wind_from_deg']:.0f}"
        rows.append(
            f"  {site['order']:>3}. {site['site_id']:<12} value {site['value']:.2f}  wind from {wind} "
            f"({site['wind_source']})"
        )
    rows.extend(f"note: {note}" for note in summary.get("notes", []))
    return "\n".join(rows)
