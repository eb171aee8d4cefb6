"""Detection memory: peak resident memory of `plumewatch detect` as the flight line grows.

Usage (2-core machine):

    OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 .venv/bin/python benchmarks/detect_memory.py \\
        --work /tmp/pw-memory --gigabytes 1 4

For each size, writes an AVIRIS-NG-like ENVI cube (598 samples x 425 bands, BIL, int16 with per-band
``data gain values``) of that many GiB, runs ``plumewatch detect CUBE --gas ch4`` on it in a child
process, reads the child's peak resident memory (``ru_maxrss`` from ``os.wait4`` in a small launcher
process) and deletes the cube.
The cube is built from a simulated 4-pass survey (``plumewatch.simulate``, plumes and decoys included):
the four 300 x 150 passes side by side make one 598-sample strip, repeated along track with the
line order flipped every other time (no seams), each repeat with its own brightness jitter and noise.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dask.array as da
import numpy as np

from plumewatch.io.envi import open_envi, write_envi
from plumewatch.io.survey import read_survey
from plumewatch.simulate.survey import simulate_survey

SAMPLES = 598  # AVIRIS-NG's cross-track width
LINES_PER_CHUNK = 16
INT16_FULL_SCALE = 30000.0  # a band's brightest tile pixel maps to this count


def survey_tiles(work: Path, seed: int = 11) -> tuple[np.ndarray, dict]:
    """(300, 598, 425) float32 strip of the four passes of a simulated survey, and the header metadata."""
    folder = work / f"avirisng-seed{seed}"
    if not (folder / "survey.json").exists():
        simulate_survey(folder, seed=seed, sensor="avirisng", n_passes=4)
    scenes = [open_envi(line.radiance) for line in read_survey(folder).flight_lines]
    strip = np.concatenate([s.radiance.compute() for s in scenes], axis=1)[:, :SAMPLES]
    first = scenes[0]
    metadata = {
        "wavelength": first.wavelength_nm.tolist(),
        "fwhm": first.fwhm_nm.tolist(),
        "radiance units": first.radiance_units,
        "sensor type": "avirisng",
        "description": f"plumewatch benchmark flight line tiled from simulated survey seed {seed}",
    }
    return strip.astype(np.float32), metadata


def flight_line(strip: np.ndarray, lines: int, seed: int = 0) -> da.Array:
    """A lazy (lines, samples, bands) float32 line: the strip repeated with jitter and fresh noise."""
    period = strip.shape[0]
    noise_sigma = 0.01 * np.median(strip, axis=(0, 1)).astype(np.float32)

    def block(block_info=None) -> np.ndarray:
        start, stop = block_info[None]["array-location"][0]
        rng = np.random.default_rng([seed, start])
        repeat, offset = divmod(np.arange(start, stop), period)
        rows = np.where(repeat % 2 == 0, offset, period - 1 - offset)
        out = strip[rows] * rng.lognormal(0.0, 0.05, size=(stop - start, strip.shape[1], 1)).astype(
            np.float32
        )
        out += noise_sigma * rng.standard_normal(out.shape, dtype=np.float32)
        return out

    chunks = (
        (LINES_PER_CHUNK,) * (lines // LINES_PER_CHUNK)
        + ((lines % LINES_PER_CHUNK,) if lines % LINES_PER_CHUNK else ()),
        (strip.shape[1],),
        (strip.shape[2],),
    )
    return da.map_blocks(block, chunks=chunks, dtype=np.float32)


def write_cube(
    hdr: Path, strip: np.ndarray, metadata: dict, lines: int, *, dtype: str = "int16", bands=None
) -> Path:
    """Write a flight line of ``lines`` lines as ENVI BIL (int16 with per-band gains, or float32)."""
    cube = flight_line(strip if bands is None else strip[:, :, bands], lines)
    meta = dict(metadata)
    if bands is not None:
        meta["wavelength"] = [meta["wavelength"][b] for b in bands]
        meta["fwhm"] = [meta["fwhm"][b] for b in bands]
    if dtype == "int16":
        gain = np.nanmax(strip if bands is None else strip[:, :, bands], axis=(0, 1)) * 1.2 / INT16_FULL_SCALE
        gain = np.maximum(gain, 1e-6).astype(np.float32)
        cube = da.clip(da.round(cube / gain), -32768, 32767).astype(np.int16)
        meta["data gain values"] = [float(g) for g in gain]
    return write_envi(hdr, cube, interleave="bil", metadata=meta)


# The child's peak resident memory is read by a small launcher: a process forked from this one
# (which holds the strip, and mapped the cube while writing it) would count this one's pages too.
LAUNCHER = (
    "import os, subprocess, sys; child = subprocess.Popen(sys.argv[2:]); "
    "_, status, usage = os.wait4(child.pid, 0); "
    "open(sys.argv[1], 'w').write(f'{usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}')"
)


def peak_rss(args: list[str], env: dict[str, str], scratch: Path) -> tuple[float, float, int]:
    """(peak resident memory in GiB, wall seconds, exit code) of a command."""
    report = scratch / "rusage.txt"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", LAUNCHER, str(report), *args], env=env, check=True)
    kib, code = (int(x) for x in report.read_text().split())
    return kib / 2**20, time.perf_counter() - started, code


def main() -> None:
    """Write, detect, measure, delete; print a table and write memory.json into --work."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--gigabytes", type=float, nargs="+", default=[1.0, 4.0])
    parser.add_argument("--method", default=None, help="detection method (default: plumewatch's default)")
    parser.add_argument("--keep", action="store_true", help="keep the cubes")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    strip, metadata = survey_tiles(args.work)
    bands = strip.shape[2]
    env = dict(os.environ)
    rows = []
    for gb in args.gigabytes:
        lines = int(round(gb * 2**30 / (SAMPLES * bands * 2)))
        folder = args.work / f"line-{gb:g}gb"
        hdr = folder / "ang20260101t000000_rdn.hdr"
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        write_cube(hdr, strip, metadata, lines)
        written_s = time.perf_counter() - started
        size = hdr.with_suffix(".img").stat().st_size
        command = [sys.executable, "-m", "plumewatch", "detect", str(hdr), "--gas", "ch4"]
        command += ["--out", str(folder / "out")] + (["--method", args.method] if args.method else [])
        rss_gib, seconds, code = peak_rss(command, env, folder)
        if code != 0:
            raise SystemExit(f"plumewatch detect failed with exit code {code}")
        info = json.loads((folder / "out" / f"{hdr.stem}_ch4.json").read_text())
        rows.append(
            {
                "cube_gib": size / 2**30,
                "lines": lines,
                "peak_rss_gib": rss_gib,
                "detect_s": seconds,
                "method": info["method"],
                "write_s": written_s,
            }
        )
        print(
            f"{size / 2**30:.2f} GiB ({lines} lines): peak RSS {rss_gib:.2f} GiB, {seconds:.0f} s", flush=True
        )
        if not args.keep:
            shutil.rmtree(folder)
    (args.work / "memory.json").write_text(json.dumps(rows, indent=2))
    print("\n| cube (GiB, int16) | lines x samples x bands | method | peak RSS (GiB) | detect (s) |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['cube_gib']:.2f} | {r['lines']} x {SAMPLES} x {bands} | {r['method']} | "
            f"{r['peak_rss_gib']:.2f} | {r['detect_s']:.0f} |"
        )


if __name__ == "__main__":
    main()
