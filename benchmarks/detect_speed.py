"""Detection speed: plumewatch against mag1c, Spectral Python and the NumPy floor, in one run.

Usage (2-core machine; every tool gets the same number of threads):

    .venv/bin/python benchmarks/detect_speed.py --work /tmp/pw-speed --lines 3000 \\
        --peers /work/bench-venv/bin/python

Writes one AVIRIS-NG-sized flight line (``--lines`` x 598 samples, float32 BIL) holding the CH4
window's bands (2122-2488 nm) plus the blue and 1650 nm bands plumewatch's cloud and dark masks
read, tiled from a simulated survey (see ``detect_memory.py``), then times on that one file:

- ``floor``: one ``X.T @ X`` and one ``X @ w`` in NumPy over the window's bands (float32, in memory);
- ``pw-cmf`` and ``pw-default``: ``detect_scene`` (plain matched filter; default method) from the
  file, and ``... in memory`` on the same line held in memory (the floor's terms: no reading), after
  one warm-up call that loads the spectral library (its time is printed too);
- ``spy``: Spectral Python ``matched_filter`` per column (``peers/run_spy.py``; reading excluded, so
  ``pw-default in memory`` is the like-for-like figure);
- ``mag1c``: mag1c 1.2.0 as released, float64 (its default) and ``--single`` (float32), through
  ``peers/run_mag1c.py``, reading and writing included, like plumewatch's.
The peers run through ``detect_accuracy.py``'s helpers, as in the accuracy benchmark.

Repeats are interleaved and the best of ``--repeats`` is kept (the machine is shared). Each of
plumewatch's and the floor's calls also prints its system time, where fresh memory shows (see
``detect_fresh_memory.py``); the peers' runs between plumewatch's leave it several seconds apart.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import tempfile
import time
from pathlib import Path

import dask
import dask.array as da
import numpy as np
from detect_accuracy import run_mag1c, run_spy
from detect_memory import survey_tiles, write_cube
from threadpoolctl import threadpool_limits

from plumewatch.detect import plan
from plumewatch.detect.run import detect_scene
from plumewatch.io.envi import open_envi
from plumewatch.scene import Scene

WINDOW_NM = (2122.0, 2488.0)
MASK_NM = (470.0, 1650.0)


def cube_bands(wavelength_nm: np.ndarray) -> np.ndarray:
    """Indices of the CH4 window's bands and of the bands nearest the mask wavelengths."""
    window = np.flatnonzero((wavelength_nm >= WINDOW_NM[0]) & (wavelength_nm <= WINDOW_NM[1]))
    masks = [int(np.argmin(np.abs(wavelength_nm - nm))) for nm in MASK_NM]
    return np.unique(np.r_[masks, window])


def timed(fn) -> tuple[float, float, float]:
    """(wall, user, system) seconds one call of ``fn`` takes; user and system: of every thread.

    Fresh memory shows in the system time (see ``detect_fresh_memory.py``).
    """
    before, started = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    fn()
    wall, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF)
    return wall, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime


def use_threads(threads: int) -> None:
    """Every BLAS and OpenMP pool of this process and its children to ``threads`` threads."""
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(threads)


def speed_line(work: Path, lines: int) -> Path:
    """The header of the speed line under ``work``, written from the simulated survey the first time."""
    work.mkdir(parents=True, exist_ok=True)
    hdr = work / f"ang20260101t000000_{lines}_rdn.hdr"
    if not hdr.exists():
        strip, metadata = survey_tiles(work)
        bands = cube_bands(np.asarray(metadata["wavelength"]))
        write_cube(hdr, strip, metadata, lines, dtype="float32", bands=bands)
    return hdr


def held_in_memory(scene: Scene) -> tuple[Scene, np.ndarray]:
    """(``scene`` with its radiance read into memory, in the reader's chunks; that array)."""
    cube = scene.radiance.compute()
    return dataclasses.replace(scene, radiance=da.from_array(cube, chunks=scene.radiance.chunks)), cube


def main() -> None:
    """Build the line, time every tool on it, print the table of seconds and ratios."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--lines", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--mag1c-repeats", type=int, default=1)
    parser.add_argument("--peers", help="python of the environment with mag1c 1.2.0 and spectral")
    args = parser.parse_args()
    use_threads(args.threads)
    hdr = speed_line(args.work, args.lines)
    scene = open_envi(hdr)
    window, k, _ = plan.select_bands(scene, "ch4", WINDOW_NM)
    model = plan.gas_model(scene, "ch4", window, k, WINDOW_NM, np.arange(len(window)), exact=False)
    in_memory, cube = held_in_memory(scene)
    x = np.ascontiguousarray(cube[:, :, window].reshape(-1, len(window)))
    w = np.ones(len(window), dtype=np.float32)
    print(f"line {scene.shape} float32 BIL, {len(window)} window bands, X {x.shape}, {x.nbytes >> 20} MiB")

    seconds: dict[str, list[tuple[float, float | None]]] = {}

    def record(name: str, measured: float | tuple[float, float, float]) -> None:
        """Keep and print a peer's seconds, or ``timed``'s (wall, user, system) of a call here."""
        wall, system = (measured, None) if isinstance(measured, float) else (measured[0], measured[2])
        seconds.setdefault(name, []).append((wall, system))
        kernel = "" if system is None else f" (system {system:.3f} s)"
        print(f"  {name}: {wall:.3f} s{kernel}", flush=True)

    with dask.config.set(scheduler="threads", num_workers=args.threads):
        record("pw first call (loads the spectral library)", timed(lambda: detect_scene(scene, ["ch4"])))
        with tempfile.TemporaryDirectory() as tmp:
            scratch = Path(tmp)
            k_amf = model.unit_absorption_per_ppmm * model.air_mass_factor
            for repeat in range(args.repeats):
                print(f"repeat {repeat + 1}", flush=True)
                with threadpool_limits(limits=args.threads, user_api="blas"):
                    record("floor X.T@X", timed(lambda: x.T @ x))
                    record("floor X@w", timed(lambda: x @ w))
                record("pw-cmf in memory", timed(lambda: detect_scene(in_memory, ["ch4"], method="cmf")))
                record("pw-cmf", timed(lambda: detect_scene(scene, ["ch4"], method="cmf")))
                record("pw-default in memory", timed(lambda: detect_scene(in_memory, ["ch4"])))
                record("pw-default", timed(lambda: detect_scene(scene, ["ch4"])))
                if args.peers:
                    record("spy", run_spy(args.peers, hdr, window, k_amf, args.threads, scratch)[1])
                if args.peers and repeat < args.mag1c_repeats:
                    for label, extra in (("mag1c", ()), ("mag1c --single", ("--single",))):
                        record(label, run_mag1c(args.peers, hdr, args.threads, scratch, extra)[1])
    report(seconds)


def report(seconds: dict[str, list[tuple[float, float | None]]]) -> None:
    """Markdown table: best seconds of each tool (and that call's system time), and the target ratios."""
    fastest = {name: min(values, key=lambda v: v[0]) for name, values in seconds.items()}
    best = {name: wall for name, (wall, _) in fastest.items()}
    floor = best["floor X.T@X"] + best["floor X@w"]
    print("\n| run | best of | seconds | of which system |\n|---|---|---|---|")
    for name, (wall, system) in fastest.items():
        print(f"| {name} | {len(seconds[name])} | {wall:.3f} | {'' if system is None else f'{system:.3f}'} |")
    print(f"| floor (X.T@X + X@w) | | {floor:.3f} | |")
    print("\n| ratio | value | target |\n|---|---|---|")
    print(f"| pw-cmf in memory / floor | {best['pw-cmf in memory'] / floor:.2f} | <= 2 |")
    print(f"| pw-cmf from the file / floor | {best['pw-cmf'] / floor:.2f} | |")
    if "spy" in best:
        print(f"| spy / pw-default | {best['spy'] / best['pw-default']:.2f} | >= 3 |")
        # SPy's time leaves out its reading, like plumewatch's in memory
        print(f"| spy / pw-default in memory | {best['spy'] / best['pw-default in memory']:.2f} | >= 3 |")
    for name in ("mag1c", "mag1c --single"):
        if name in best:
            print(f"| {name} / pw-default | {best[name] / best['pw-default']:.1f} | >= 10 |")


if __name__ == "__main__":
    main()
