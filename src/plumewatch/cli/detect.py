"""`plumewatch detect`: per-gas enhancement and uncertainty maps for one cube."""

from __future__ import annotations

import argparse
from pathlib import Path

from plumewatch.cli.options import add_scheduler_option, gas_list


def register(subparsers) -> None:
    """Add the detect subcommand."""
    p = subparsers.add_parser("detect", help="retrieve gas enhancement (ppm·m) from a radiance cube")
    p.add_argument("cube", type=Path, help="ENVI radiance (header or data file)")
    p.add_argument("--gas", type=gas_list, required=True, help="gas or comma-separated gases, e.g. ch4,co2")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--method", default="cmf", help="detection method (default: cmf)")
    p.add_argument("--window", nargs=2, type=float, metavar=("NM_LO", "NM_HI"), help="spectral window in nm")
    add_scheduler_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Detect and write `<stem>_<gas>.tif` and `.json` for each gas."""
    from plumewatch.detect.outputs import write_retrieval_products
    from plumewatch.detect.run import detect_scene
    from plumewatch.io.envi import open_envi

    scene = open_envi(args.cube)
    window = tuple(args.window) if args.window else None
    if args.scheduler:
        from dask.distributed import Client

        with Client(args.scheduler):
            retrievals = detect_scene(scene, args.gas, method=args.method, window_nm=window)
    else:
        retrievals = detect_scene(scene, args.gas, method=args.method, window_nm=window)
    for retrieval in retrievals.values():
        tif, _ = write_retrieval_products(args.out, scene, retrieval)
        stats = retrieval.info["summary_ppmm"]
        print(f"{tif}: {retrieval.gas} median {stats.get('median', float('nan')):.0f} "
              f"p99 {stats.get('p99', float('nan')):.0f} ppm·m")
    return 0
