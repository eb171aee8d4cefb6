"""`plumewatch georef`: ground positions of a cube's pixels from platform telemetry, written as its `_loc`."""

from __future__ import annotations

import argparse
from pathlib import Path

from plumewatch.geo.accuracy import TelemetryAccuracy

_DEFAULT = TelemetryAccuracy()


def register(subparsers) -> None:
    """Add the georef subcommand."""
    p = subparsers.add_parser(
        "georef",
        help="georeference a radiance cube from its telemetry log (writes the X_loc companion)",
        description=(
            "Project every pixel of a pushbroom ENVI cube onto the ground from the platform's telemetry "
            "(MISB ST 0601 KLV, CSV or GPX) and write X_loc (lon, lat, elevation) beside X_rdn, so every "
            "other command finds its positions. Lines in telemetry gaps get no position (NaN)."
        ),
    )
    p.add_argument("cube", type=Path, help="ENVI radiance cube (header or data file), named X_rdn or X_img")
    p.add_argument("--telemetry", type=Path, required=True, help="telemetry log: .klv/.bin, .csv or .gpx")
    view = p.add_mutually_exclusive_group()
    view.add_argument("--sensor", help="sensor whose field of view to use (avirisng, emit, hytes)")
    view.add_argument("--fov-deg", type=float, help="full cross-track field of view in degrees")
    ground = p.add_mutually_exclusive_group()
    ground.add_argument(
        "--height-m",
        type=float,
        help="flat terrain at this height in metres, in the telemetry altitude's datum "
        "(default: the telemetry's ground height, else 0 m)",
    )
    ground.add_argument("--dem", type=Path, help="DEM GeoTIFF of heights (m, same datum as the telemetry)")
    p.add_argument(
        "--line-rate-hz",
        type=float,
        help="scan lines per second, timed from the header's acquisition time "
        "(default: the _obs file's UTC time band, else a 'line rate hz' header field)",
    )
    for axis in ("roll", "pitch", "yaw"):
        p.add_argument(
            f"--boresight-{axis}-deg",
            type=float,
            default=0.0,
            help=f"imager {axis} relative to the platform (deg, default 0)",
        )
    p.add_argument(
        "--flip-samples", action="store_true", help="sample 0 is on the right of the flight direction"
    )
    p.add_argument(
        "--assume-level",
        action="store_true",
        help="telemetry without roll/pitch (GPX): take the imager as level (a stabilised mount)",
    )
    p.add_argument(
        "--position-sigma-m",
        type=float,
        default=_DEFAULT.horizontal_m,
        help=f"1-sigma horizontal GNSS error (m, default {_DEFAULT.horizontal_m:g})",
    )
    p.add_argument(
        "--vertical-sigma-m",
        type=float,
        default=_DEFAULT.vertical_m,
        help=f"1-sigma vertical GNSS error (m, default {_DEFAULT.vertical_m:g})",
    )
    p.add_argument(
        "--attitude-sigma-deg",
        type=float,
        default=_DEFAULT.roll_deg,
        help=f"1-sigma roll and pitch error (deg, default {_DEFAULT.roll_deg:g})",
    )
    p.add_argument(
        "--heading-sigma-deg",
        type=float,
        default=_DEFAULT.heading_deg,
        help=f"1-sigma heading error (deg, default {_DEFAULT.heading_deg:g})",
    )
    p.add_argument("--force", action="store_true", help="write X_loc even if the cube has _loc/_igm/_glt")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Georeference, write X_loc and print what was done and the expected error; returns 0."""
    from plumewatch.geo.georef import Pointing, accuracy_text, georeference_cube, loc_path_for, write_loc
    from plumewatch.io.envi_header import header_path_for

    # Refuse before the work, not after it, when the cube already has positions.
    loc_path_for(header_path_for(args.cube), force=args.force)
    accuracy = TelemetryAccuracy(
        horizontal_m=args.position_sigma_m,
        vertical_m=args.vertical_sigma_m,
        roll_deg=args.attitude_sigma_deg,
        pitch_deg=args.attitude_sigma_deg,
        heading_deg=args.heading_sigma_deg,
    )
    pointing = Pointing(
        sensor=args.sensor,
        fov_deg=args.fov_deg,
        boresight_roll_deg=args.boresight_roll_deg,
        boresight_pitch_deg=args.boresight_pitch_deg,
        boresight_yaw_deg=args.boresight_yaw_deg,
        flip_samples=args.flip_samples,
    )
    result = georeference_cube(
        args.cube,
        args.telemetry,
        pointing=pointing,
        height_m=args.height_m,
        dem=args.dem,
        line_rate_hz=args.line_rate_hz,
        accuracy=accuracy,
        assume_level=args.assume_level,
    )
    loc = write_loc(args.cube, result, force=args.force)
    print(f"{loc}: {result.lines - result.lines_without_position} of {result.lines} lines georeferenced")
    print(f"  from {result.source}")
    print(
        f"  lines without position: {result.lines_without_position} (no time {result.lines_without_time}, "
        f"in telemetry gaps {result.times_in_gaps}, outside the telemetry {result.times_outside_track}, "
        f"no attitude {result.lines_without_attitude})"
    )
    for gap in result.gaps:
        print(f"  telemetry gap: {gap['start']} to {gap['end']} ({gap['seconds']:.1f} s)")
    print(
        f"  expected 1-sigma geolocation error: {result.sigma_median_m:.1f} m median, "
        f"{result.sigma_edge_m:.1f} m at the swath edge ({result.height_above_ground_m:.0f} m above ground; "
        f"{accuracy_text(accuracy)})"
    )
    return 0
