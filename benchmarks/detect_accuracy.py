"""Detection accuracy on simulated flight lines with known plumes: plumewatch against mag1c and SPy.

Usage (2-core machine, one thread count for everyone):

    OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 .venv/bin/python benchmarks/detect_accuracy.py \\
        --work /tmp/pw-accuracy --tune 1 2 3 --test 4 5 6 7 --emit 8 9 --peers /work/bench-venv/bin/python

Every seed is a 4-pass AVIRIS-NG survey (300 x 150 pixels at 5 m; EMIT seeds: 60 m) from
``plumewatch.simulate``: new ground texture offsets, surfaces, decoys, winds, days and times
of day (solar zenith 15-50 deg), water vapour and emission rates per seed. ``--tune`` seeds
are the ones looked at while developing the detector; ``--test`` and ``--emit`` seeds were
never used for tuning. Methods on the same cube and band window (CH4 2122-2488 nm):

- ``pw-default``: ``detect_scene`` default method; score = enhancement / its 1-sigma;
- ``pw-cmf``: plumewatch's plain per-column matched filter (same target), score likewise;
- ``mag1c``: mag1c 1.2.0 as released (its own MODTRAN target, albedo correction, sparsity),
  run by ``benchmarks/peers/run_mag1c.py`` in the peer interpreter; score = its ppm·m;
- ``spy``: Spectral Python ``matched_filter`` per column with plumewatch's target
  (``benchmarks/peers/run_spy.py``); score = ppm·m over the column's robust spread.

Pixels: plume = true column >= ``PLUME_PPMM``; background = true column < 1 ppm·m. Masked
pixels score lowest (a masked plume pixel is missed). The false-alarm threshold is the
99.9th percentile of each method's background scores; confuser false alarms are the decoy
pixels (within a decoy's radius, background) above it. Retrieval error: pixels whose true
column lies in ``RETRIEVAL_RANGE_PPMM``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import dask
import numpy as np

from plumewatch.detect import plan
from plumewatch.detect.run import detect_scene
from plumewatch.evaluate.metrics import bias_rmse, detection_limit, roc_auc
from plumewatch.io.envi import open_envi
from plumewatch.io.geotiff import read_retrieval_geotiff
from plumewatch.io.survey import read_survey
from plumewatch.simulate.survey import simulate_survey
from plumewatch.simulate.truth import read_truth

PEERS = Path(__file__).parent / "peers"
PLUME_PPMM = {"ch4": 500.0, "co2": 50_000.0}
RETRIEVAL_RANGE_PPMM = {"ch4": (1000.0, 16000.0), "co2": (20_000.0, 1_000_000.0)}
FALSE_ALARM_RATE = 1e-3
LOOSE_FALSE_ALARM_RATE = 1e-2  # confuser counts at 1e-3 are a handful of pixels; 1e-2 gives a steadier count
CLOUD_EDGE = (0.8, 1.3)  # cloud-edge ring, in mean cloud radii
METERS_PER_DEG_LAT = 110_540.0
METERS_PER_DEG_LON_EQUATOR = 111_320.0


def survey_dir(work: Path, sensor: str, seed: int) -> Path:
    """The survey folder of one seed, simulated on first use."""
    folder = work / f"{sensor}-seed{seed}"
    if not (folder / "survey.json").exists():
        simulate_survey(folder, seed=seed, sensor=sensor, n_passes=4)
    return folder


def decoy_mask(
    folder: Path, line_name: str, lon_deg: np.ndarray, lat_deg: np.ndarray, pixel_m: float
) -> dict[str, np.ndarray]:
    """{material: (lines, samples) bool} pixels within each decoy's radius (plus half a pixel).

    A cloud counts on its own pass only, as the ring from 0.8 to 1.3 mean radii: its soft, wavy
    edge is the confuser (the inside is masked as cloud by every plumewatch method).
    """
    masks: dict[str, np.ndarray] = {}
    cos_lat = np.cos(np.deg2rad(np.nanmean(lat_deg)))
    for decoy in read_truth(folder)["decoys"]:
        if decoy.material == "cloud" and decoy.decoy_id != f"C-{line_name}":
            continue
        east = (lon_deg - decoy.lon_deg) * METERS_PER_DEG_LON_EQUATOR * cos_lat
        north = (lat_deg - decoy.lat_deg) * METERS_PER_DEG_LAT
        distance = np.hypot(east, north)
        if decoy.material == "cloud":
            inside = (distance >= CLOUD_EDGE[0] * decoy.radius_m) & (
                distance <= CLOUD_EDGE[1] * decoy.radius_m
            )
        else:
            inside = distance <= decoy.radius_m + 0.5 * pixel_m
        masks[decoy.material] = masks.get(decoy.material, np.zeros_like(inside)) | inside
    return masks


def peer_env(threads: int) -> dict[str, str]:
    """Environment giving a peer process the same thread count."""
    env = dict(os.environ)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = str(threads)
    return env


def run_mag1c(
    python: str, header: Path, threads: int, scratch: Path, extra: tuple[str, ...] = ()
) -> tuple[np.ndarray, float]:
    """mag1c's ppm·m map of one cube (NaN where it wrote no data) and its run time; ``extra``: options."""
    data = Path(str(header)[: -len(".hdr")] + ".img")
    link = scratch / "cube.img"
    for path, target in ((link, data), (scratch / "cube.img.hdr", header)):
        path.unlink(missing_ok=True)
        path.symlink_to(target)
    out, npy = scratch / "mag1c_out", scratch / "mag1c.npy"
    args = [python, str(PEERS / "run_mag1c.py"), str(npy), "--", str(link), "--out", str(out), "-o", "-q"]
    args += ["--use-wavelength-range", "2122", "2488", *extra]
    result = subprocess.run(args, env=peer_env(threads), capture_output=True, text=True, check=True)
    seconds = float(result.stdout.split("mag1c_seconds")[-1].split()[0])
    values = np.load(npy)
    return np.where(values <= -9999, np.nan, values), seconds


def run_spy(python: str, header: Path, bands: np.ndarray, k_amf: np.ndarray, threads: int, scratch: Path):
    """SPy's per-column matched-filter ppm·m map of one cube and its run time."""
    target, npy = scratch / "target.npz", scratch / "spy.npy"
    np.savez(target, bands=bands, k_amf=k_amf)
    args = [python, str(PEERS / "run_spy.py"), str(header), str(target), str(npy)]
    result = subprocess.run(args, env=peer_env(threads), capture_output=True, text=True, check=True)
    return np.load(npy), float(result.stdout.split("spy_seconds")[-1].split()[0])


def robust_scale(values: np.ndarray) -> np.ndarray:
    """Values divided by their column's robust spread (1.4826 MAD), for methods without a sigma."""
    deviation = values - np.nanmedian(values, axis=0)
    spread = 1.4826 * np.nanmedian(np.abs(deviation), axis=0)
    return deviation / np.where(spread > 0, spread, np.nan)


def line_results(folder: Path, line, gases: list[str], args, scratch: Path) -> list[dict]:
    """Per-method (enhancement, score) maps with the line's truth, for each gas."""
    scene = open_envi(line.radiance)
    pixel_m = scene.pixel_size_m or 5.0
    decoys = decoy_mask(folder, line.name, scene.lon_deg, scene.lat_deg, pixel_m)
    rows = []
    methods: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = defaultdict(dict)
    timing: dict[str, float] = {}
    for name, method in (("pw-default", None), ("pw-cmf", "cmf")):
        started = time.perf_counter()
        retrievals = detect_scene(scene, gases, method=method)
        timing[name] = time.perf_counter() - started
        for gas, r in retrievals.items():
            methods[gas][name] = (r.enhancement_ppmm, r.enhancement_ppmm / r.uncertainty_ppmm)
    if args.peers:
        if "ch4" in gases:
            values, timing["mag1c"] = run_mag1c(args.peers, Path(line.radiance), args.threads, scratch)
            methods["ch4"]["mag1c"] = (values, values)
            # mag1c's target assumes its table's two-way air mass of 2; scaled to this scene's geometry
            methods["ch4"]["mag1c x 2/AMF"] = (values * 2.0 / scene.air_mass_factor(), values)
        for gas in gases:
            bands, k, window = plan.select_bands(scene, gas)
            model = plan.gas_model(scene, gas, bands, k, window, np.arange(len(bands)), exact=False)
            values, timing[f"spy-{gas}"] = run_spy(
                args.peers,
                Path(line.radiance),
                bands,
                model.unit_absorption_per_ppmm * model.air_mass_factor,
                args.threads,
                scratch,
            )
            methods[gas]["spy"] = (values, robust_scale(values))
    for gas in gases:
        truth, _, _ = read_retrieval_geotiff(folder / "truth" / f"{line.name}_{gas}.tif")
        rows.append(
            {
                "line": line.name,
                "gas": gas,
                "truth": np.nan_to_num(truth),
                "decoys": decoys,
                "methods": methods[gas],
                "timing": timing,
                "solar_zenith_deg": scene.solar_zenith_deg,
            }
        )
    return rows


def score(rows: list[dict], method: str, gas: str) -> dict:
    """Pooled pixel scores of one method on one gas over the given lines."""
    truth, values, scores, decoy, material, common = [], [], [], [], [], []
    for row in rows:
        if method not in row["methods"]:
            continue
        value, s = row["methods"][method]
        common.append(np.all([np.isfinite(m[1]) for m in row["methods"].values()], axis=0).ravel())
        truth.append(row["truth"].ravel())
        values.append(value.ravel())
        scores.append(np.where(np.isfinite(s), s, -np.inf).ravel())
        names = np.full(row["truth"].size, "", dtype=object)
        for name, mask in row["decoys"].items():
            names[mask.ravel()] = name
        material.append(names)
    if not truth:
        return {}
    truth, values, scores, material, common = (
        np.concatenate(a) for a in (truth, values, scores, material, common)
    )
    plume, background = truth >= PLUME_PPMM[gas], truth < 1.0
    used = plume | background
    finite = np.where(np.isfinite(scores), scores, np.nanmin(scores[np.isfinite(scores)]) - 1.0)
    threshold = float(np.quantile(finite[background], 1.0 - FALSE_ALARM_RATE, method="higher"))
    detected = finite > threshold
    lo, hi = RETRIEVAL_RANGE_PPMM[gas]
    strong = (truth >= lo) & (truth <= hi) & np.isfinite(values)
    error = bias_rmse(values[strong], truth[strong])
    loose = finite > float(np.quantile(finite[background], 1.0 - LOOSE_FALSE_ALARM_RATE, method="higher"))
    decoy = background & (material != "")
    by_material = {
        m: {
            "pixels": int((decoy & (material == m)).sum()),
            "alarms": int((decoy & (material == m) & detected).sum()),
            "alarms_at_1e-2": int((decoy & (material == m) & loose).sum()),
        }
        for m in sorted(set(material[decoy]))
    }
    limit = detection_limit(truth[truth > 0], detected[truth > 0], fraction=0.9)
    return {
        "roc_auc": roc_auc(finite[used], plume[used]),
        "roc_auc_common_pixels": roc_auc(finite[used & common], plume[used & common]),
        "probability_of_detection": float(detected[plume].mean()),
        "detection_limit_ppmm": limit["limit_ppmm"],
        "retrieval_pixels": error["pixels"],
        "bias_ppmm": error["bias"],
        "relative_bias": float((values[strong] - truth[strong]).sum() / truth[strong].sum())
        if strong.any()
        else None,
        "median_ratio": float(np.median(values[strong] / truth[strong])) if strong.any() else None,
        "rmse_ppmm": error["rmse"],
        "decoy_pixels": int(decoy.sum()),
        "decoy_alarms": int((decoy & detected).sum()),
        "decoy_alarms_at_1e-2": int((decoy & loose).sum()),
        "decoy_alarms_by_material": by_material,
        "masked_plume_fraction": float((~np.isfinite(scores[plume])).mean()),
        # decoy alarms over what the false-alarm rate alone would give: <= 1 means no extra false alarms
        "decoy_excess_at_1e-2": float(
            (decoy & loose).sum() / max(decoy.sum() * LOOSE_FALSE_ALARM_RATE, 1e-9)
        ),
    }


def main() -> None:
    """Simulate, detect with every method, score, and print/write the comparison."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, required=True, help="folder for simulated surveys and results")
    parser.add_argument(
        "--tune", type=int, nargs="*", default=[1, 2, 3], help="AVIRIS-NG seeds used in tuning"
    )
    parser.add_argument("--test", type=int, nargs="*", default=[4, 5, 6, 7], help="held-out AVIRIS-NG seeds")
    parser.add_argument("--emit", type=int, nargs="*", default=[8, 9], help="held-out EMIT seeds (CH4 only)")
    parser.add_argument("--peers", help="python of the environment with mag1c 1.2.0 and spectral (optional)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    sets = {
        "avirisng-tune": ("avirisng", args.tune, ["ch4", "co2"]),
        "avirisng-test": ("avirisng", args.test, ["ch4", "co2"]),
        "emit-test": ("emit", args.emit, ["ch4"]),
    }
    report = {"date": datetime.now(UTC).strftime("%Y-%m-%d"), "threads": args.threads, "sets": {}}
    started = time.perf_counter()
    with dask.config.set(scheduler="threads", num_workers=args.threads), tempfile.TemporaryDirectory() as tmp:
        for set_name, (sensor, seeds, gases) in sets.items():
            if not seeds:
                continue
            rows = []
            for seed in seeds:
                folder = survey_dir(args.work, sensor, seed)
                for line in read_survey(folder).flight_lines:
                    rows += line_results(folder, line, gases, args, Path(tmp))
                    print(
                        f"{set_name} seed {seed} {line.name} done ({time.perf_counter() - started:.0f} s)",
                        flush=True,
                    )
            methods = sorted({m for row in rows for m in row["methods"]})
            report["sets"][set_name] = {
                "seeds": seeds,
                "lines": len({r["line"] for r in rows}),
                "solar_zenith_deg": sorted({round(float(r["solar_zenith_deg"]), 1) for r in rows}),
                "gases": {
                    gas: {m: score([r for r in rows if r["gas"] == gas], m, gas) for m in methods}
                    for gas in gases
                },
                "seconds_per_line": {
                    m: float(np.mean([r["timing"][m] for r in rows if m in r["timing"]]))
                    for m in {k for r in rows for k in r["timing"]}
                },
            }
    report["elapsed_s"] = round(time.perf_counter() - started, 1)
    (args.work / "detect_accuracy.json").write_text(json.dumps(report, indent=2, default=float))
    print_tables(report)


def print_tables(report: dict) -> None:
    """Markdown tables, one per set and gas."""
    for set_name, block in report["sets"].items():
        for gas, methods in block["gases"].items():
            print(f"\n{set_name} ({block['lines']} lines, seeds {block['seeds']}), {gas}:\n")
            print(
                "| method | ROC AUC (all; pixels every method scores) | "
                "Pd at 1e-3 FAR | 90% limit (ppm·m) | median ratio | bias (ppm·m) | "
                "rel. bias | RMSE (ppm·m) | decoy alarms at 1e-3, 1e-2 / pixels |"
            )
            print("|---|---|---|---|---|---|---|---|---|")
            confusers = []
            for name, s in methods.items():
                if not s:
                    continue
                limit = "none" if s["detection_limit_ppmm"] is None else f"{s['detection_limit_ppmm']:.0f}"
                materials = ", ".join(
                    f"{m} {v['alarms']}/{v['alarms_at_1e-2']} of {v['pixels']}"
                    for m, v in s["decoy_alarms_by_material"].items()
                )
                confusers.append(
                    f"  {name}: {materials}; all decoys at 1e-2: {s['decoy_excess_at_1e-2']:.2f} x chance; "
                    f"masked plume pixels {100 * s['masked_plume_fraction']:.1f} %"
                )
                print(
                    f"| {name} | {s['roc_auc']:.4f}; {s['roc_auc_common_pixels']:.4f} | "
                    f"{s['probability_of_detection']:.3f} | {limit} | "
                    f"{s['median_ratio']:.3f} | {s['bias_ppmm']:.0f} | {s['relative_bias']:+.3f} | "
                    f"{s['rmse_ppmm']:.0f} | {s['decoy_alarms']}, {s['decoy_alarms_at_1e-2']} / "
                    f"{s['decoy_pixels']} |"
                )
            print(
                "\nconfuser alarms (pixels above the 1e-3 / 1e-2 thresholds) by material:\n"
                + "\n".join(confusers)
            )


if __name__ == "__main__":
    main()
