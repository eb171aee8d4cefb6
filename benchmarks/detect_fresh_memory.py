"""Detection time right after another run and after a pause: what fresh memory costs on this machine.

Usage (2-core machine, the speed benchmark's line):

    OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 .venv/bin/python benchmarks/detect_fresh_memory.py \\
        --work /tmp/pw-speed --lines 3000 --pause 8 --rounds 3

A refitting method keeps its prepared blocks (about the gas bands' size in float32) in memory, which
is memory the process has not touched before. On a virtual machine that reports freed memory to its
host (free page reporting: ``page_reporting.page_reporting_order`` on the kernel command line), pages
free for more than a few seconds have been handed back, and the host must back them again when the
guest kernel zeroes them for a new allocation: the wait shows as system time. Each round times
``detect_scene`` in memory (``pw-default in memory`` in ``detect_speed.py``) twice back to back,
then once after ``--pause`` seconds of sleep, and prints the wall, user and system seconds of the
calls. The speed benchmark's peers run for seconds to tens of seconds between plumewatch's calls, so
its plumewatch figures are taken in the second state.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import dask
from detect_speed import held_in_memory, speed_line, timed, use_threads

from plumewatch.detect.run import detect_scene
from plumewatch.io.envi import open_envi


def main() -> None:
    """Time the default (or ``--method``) back to back and after pauses; print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--lines", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pause", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--method", default=None)
    args = parser.parse_args()
    use_threads(args.threads)
    in_memory, _ = held_in_memory(open_envi(speed_line(args.work, args.lines)))

    def run() -> None:
        detect_scene(in_memory, ["ch4"], method=args.method)

    times: dict[str, list[tuple[float, float, float]]] = {"back to back": [], "after a pause": []}
    with dask.config.set(scheduler="threads", num_workers=args.threads):
        run()  # loads the spectral library
        for round_ in range(args.rounds):
            for _ in range(2):
                times["back to back"].append(timed(run))
            time.sleep(args.pause)
            times["after a pause"].append(timed(run))
            print(f"round {round_ + 1}: " + ", ".join(f"{k} {v[-1][0]:.3f} s" for k, v in times.items()))
    print("\n| call | calls | wall s (best; median) | user s (median) | system s (median) |")
    print("|---|---|---|---|---|")
    for state, values in times.items():
        wall, user, system = zip(*values, strict=True)
        print(
            f"| {state} | {len(values)} | {min(wall):.3f}; {statistics.median(wall):.3f} | "
            f"{statistics.median(user):.3f} | {statistics.median(system):.3f} |"
        )


if __name__ == "__main__":
    main()
