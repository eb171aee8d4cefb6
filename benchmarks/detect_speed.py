"""Detection speed: each plumewatch method against the NumPy floor (one X.T @ X and one X @ w).

Usage: .venv/bin/python benchmarks/detect_speed.py [--lines 1000] [--samples 300]
Builds an AVIRIS-NG-like in-memory cube (CH4 window bands plus one blue band), times
detect_scene per method (best of 2), and the floor over the same float32 array.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import dask
import dask.array as da
import numpy as np

from plumewatch.detect.masks import solar_irradiance
from plumewatch.detect.run import METHODS, detect_scene
from plumewatch.scene import Scene
from plumewatch.spectra import get_sensor


def _cube(lines: int, samples: int, seed: int = 0) -> Scene:
    sensor = get_sensor("avirisng")
    keep = ((sensor.wavelength_nm > 2100) & (sensor.wavelength_nm < 2500)) | (np.abs(sensor.wavelength_nm - 470) < 4)
    wl = sensor.wavelength_nm[keep]
    rng = np.random.default_rng(seed)
    reflectance = 0.3 + 0.05 * np.sin(wl / 200.0)
    spectrum = reflectance * solar_irradiance(wl) * np.cos(np.deg2rad(30.0)) / np.pi
    albedo = rng.lognormal(0.0, 0.3, size=(lines, samples, 1)).astype(np.float32)
    cube = (albedo * spectrum).astype(np.float32)
    cube += (0.01 * rng.standard_normal(cube.shape, dtype=np.float32)) * spectrum.astype(np.float32)
    return Scene(name="speed", path=Path("speed.img"), radiance=da.from_array(cube, chunks=(256, -1, -1)),
                 wavelength_nm=wl, fwhm_nm=sensor.fwhm_nm[keep], sensor="avirisng", solar_zenith_deg=30.0)


def _best(fn, repeats: int = 2) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    """Print seconds per method and the floor."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()
    scene = _cube(args.lines, args.samples)
    cube = scene.radiance.compute()
    window = cube[..., :-1].reshape(-1, cube.shape[2] - 1).copy()
    weights = np.ones(window.shape[1], dtype=np.float32)
    floor = _best(lambda: (window.T @ window, window @ weights))
    print(f"cube {cube.shape} float32, {window.nbytes / 2**20:.0f} MiB of window bands")
    print(f"floor (X.T@X + X@w): {floor:.3f} s")
    with dask.config.set(scheduler="threads"):
        for method in METHODS:
            seconds = _best(lambda m=method: detect_scene(scene, ["ch4"], method=m))
            print(f"{method:8s} {seconds:.3f} s  ({seconds / floor:.1f}x floor)")


if __name__ == "__main__":
    main()
