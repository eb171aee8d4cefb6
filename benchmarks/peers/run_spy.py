"""Spectral Python's ``matched_filter``, one detector column at a time, with plumewatch's target.

Usage (bench interpreter): python run_spy.py CUBE.hdr TARGET.npz OUT.npy
TARGET.npz holds ``bands`` (indices of the window's bands in the cube) and ``k_amf`` (the gas's
radiance change per ppm·m relative to the background, -dL/L per ppm·m, per band). For each column,
SPy estimates the background from the column and scores each pixel against the target spectrum
mu * (1 - k_amf * A): its score times A is the column in ppm·m. SPy's code is used as released.
"""

from __future__ import annotations

import sys
import time

import numpy as np

SCALE_PPMM = 1000.0  # A: the target is a 1000 ppm·m plume over the column mean


def main() -> None:
    """Write the (lines, samples) ppm·m map to OUT.npy and print the seconds the filtering took."""
    import spectral

    header, target_file, out = sys.argv[1:4]
    target = np.load(target_file)
    bands, k_amf = target["bands"], target["k_amf"]
    cube = spectral.io.envi.open(header).open_memmap(interleave="bip")
    data = np.asarray(cube[:, :, bands], dtype=np.float64)
    started = time.perf_counter()
    result = np.empty(data.shape[:2], dtype=np.float32)
    for column in range(data.shape[1]):
        pixels = data[:, column, :]
        mean = pixels.mean(axis=0)
        score = spectral.matched_filter(pixels, mean * (1.0 - k_amf * SCALE_PPMM))
        result[:, column] = np.ravel(score) * SCALE_PPMM
    elapsed = time.perf_counter() - started
    np.save(out, result)
    print(f"spy_seconds {elapsed:.3f}")


if __name__ == "__main__":
    main()
