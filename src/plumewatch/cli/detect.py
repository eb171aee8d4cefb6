"""`plumewatch detect`: per-gas enhancement and uncertainty maps for one cube."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from plumewatch.cli.options import add_scheduler_option, gas_list


def register(subparsers) -> None:
    """Add the detect subcommand."""
    from plumewatch.detect.run import DEFAULT_METHOD, METHODS

    p = subparsers.add_parser("detect", help="retrieve gas enhancement (ppm·m) from a radiance cube")
    p.add_argument("cube", type=Path, help="radiance: ENVI (header or data file), EMIT L1B NetCDF or GeoTIFF")
    p.add_argument(
        "--gas",
        type=gas_list,
        required=True,
        help="gas or comma-separated gases (e.g. ch4,co2), or 'auto': every library gas the sensor covers",
    )
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument(
        "--method",
        choices=METHODS,
        default=None,
        help=f"detection method (default: {DEFAULT_METHOD}, the most accurate that meets the speed target)",
    )
    p.add_argument("--window", nargs=2, type=float, metavar=("NM_LO", "NM_HI"), help="spectral window in nm")
    p.add_argument(
        "--plume-temperature-k",
        type=float,
        default=None,
        help="thermal data: the plume's temperature in K, i.e. the air temperature near the ground "
        "(default: the header's 'air temperature k', else 293.15 K with a warning)",
    )
    p.add_argument(
        "--ortho",
        action="store_true",
        help="also write <stem>_<gas>_ortho.tif (UTM Cloud-Optimized GeoTIFF) and its STAC item",
    )
    add_scheduler_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Detect; write `<stem>_<gas>.tif` and `.json` per gas (and the --gas auto identity map); returns 0."""
    import numpy as np

    from plumewatch.detect.identify import identify_scene
    from plumewatch.detect.outputs import (
        write_identity_products,
        write_orthorectified_products,
        write_retrieval_products,
    )
    from plumewatch.detect.run import detect_scene
    from plumewatch.io.scene_readers import open_scene

    scene = open_scene(args.cube)
    if args.plume_temperature_k is not None:
        attrs = {**scene.attrs, "plume_temperature_k": args.plume_temperature_k}
        scene = dataclasses.replace(scene, attrs=attrs)
    window = tuple(args.window) if args.window else None
    if args.scheduler:
        from dask.distributed import Client

        with Client(args.scheduler):
            retrievals = detect_scene(scene, args.gas, method=args.method, window_nm=window)
    else:
        retrievals = detect_scene(scene, args.gas, method=args.method, window_nm=window)
    for retrieval in retrievals.values():
        tif, _ = write_retrieval_products(args.out, scene, retrieval)
        if args.ortho:
            cog, _ = write_orthorectified_products(args.out, scene, retrieval)
            print(f"{cog}: orthorectified")
        stats = retrieval.info["summary_ppmm"]
        print(
            f"{tif}: {retrieval.gas} median {stats.get('median', float('nan')):.0f} "
            f"p99 {stats.get('p99', float('nan')):.0f} ppm·m"
        )
    if args.gas == ["auto"]:
        index, confidence, gases = identify_scene(scene, retrievals)
        valid = np.logical_or.reduce([r.valid for r in retrievals.values()])
        tif, _ = write_identity_products(args.out, scene, index, confidence, gases, valid)
        print(f"{tif}: {int((index > 0).sum())} pixels identified among {len(gases)} gases")
    return 0
