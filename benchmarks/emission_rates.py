"""Emission-rate accuracy on simulated surveys: calibrate U_eff on some seeds, test on others.

    .venv/bin/python benchmarks/emission_rates.py --calibrate 1 2 3 --test 4 5 6 --out /tmp/pw-rates

Every flight line of each simulated survey goes through the real pipeline (detect -> segment);
each plume is matched to the true emitter of its gas within 75 m on that pass, and its IME and
cross-sectional-flux rates are compared with the true rate. The calibration seeds' CH4 plumes fit
U_eff = a * U10 for IME (median of the U_eff / U10 each plume needed; the simulated winds span too
little to fit an offset) and a scale for the flux; the test seeds report, per gas, median absolute
relative error, median relative bias and the fraction of true rates inside the 1-sigma interval,
with the fitted and with the current coefficients. ``--records`` re-scores a saved records.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from plumewatch.geo.footprint import distance_m
from plumewatch.io.survey import read_survey
from plumewatch.plumes.emission import CSF_WIND, IME_WIND, EffectiveWind
from plumewatch.process import LineJob, process_flight_line
from plumewatch.simulate.survey import simulate_survey
from plumewatch.simulate.truth import read_truth

MATCH_RADIUS_M = 75.0
GASES = ("ch4", "co2")


def plume_records(root: Path, seed: int, *, passes: int, lines: int, samples: int) -> list[dict]:
    """One record per plume matched to a true emitter that was on: true and estimated rates, wind, IME."""
    manifest = root / f"seed{seed}" / "survey.json"
    if not manifest.exists():
        simulate_survey(manifest.parent, seed=seed, n_passes=passes, lines=lines, samples=samples)
    survey = read_survey(manifest)
    truth = read_truth(survey.root)
    records = []
    for index, line in enumerate(survey.flight_lines):
        overflight = process_flight_line(LineJob(line, GASES, survey.root / "products", survey.sensor))
        for plume in overflight.plumes:
            emitter = _emitter(plume, truth["sites"])
            if emitter is None or emitter.emission_kg_h[index] <= 0 or plume.emission_kg_h is None:
                continue
            records.append(
                {
                    "seed": seed,
                    "line": line.name,
                    "gas": plume.gas,
                    "site": emitter.site_id,
                    "true_kg_h": emitter.emission_kg_h[index],
                    "wind_m_s": plume.wind_speed_m_s,
                    "ime_kg": plume.ime_kg,
                    "area_m2": plume.area_m2,
                    "ime_kg_h": plume.emission_kg_h,
                    "ime_sigma_kg_h": plume.emission_sigma_kg_h,
                    "csf_kg_h": plume.flux_kg_h,
                    "csf_sigma_kg_h": plume.flux_sigma_kg_h,
                    "ime_u_eff_m_s": IME_WIND.speed_m_s(plume.wind_speed_m_s),
                    "csf_u_eff_m_s": CSF_WIND.speed_m_s(plume.wind_speed_m_s),
                }
            )
    return records


def fit_ime_wind(records: list[dict]) -> EffectiveWind:
    """U_eff = a U10: median U_eff / U10 that the plumes needed; robust scatter as relative sigma."""
    u10 = np.array([r["wind_m_s"] for r in records])
    needed = np.array([r["true_kg_h"] / 3600.0 * np.sqrt(r["area_m2"]) / r["ime_kg"] for r in records])
    slope = float(np.median(needed / u10))
    scatter = float(np.median(np.abs(needed / (slope * u10) - 1.0)) * 1.4826)
    return EffectiveWind(slope, 0.0, scatter)


def fit_csf_scale(records: list[dict]) -> EffectiveWind:
    """CSF U_eff = a U10: median U_eff / U10 that the fluxes needed; robust scatter as relative sigma."""
    rated = [r for r in records if r["csf_kg_h"]]
    needed = np.array([r["true_kg_h"] / r["csf_kg_h"] * r["csf_u_eff_m_s"] / r["wind_m_s"] for r in rated])
    slope = float(np.median(needed))
    scatter = float(np.median(np.abs(needed / slope - 1.0)) * 1.4826)
    return EffectiveWind(slope, 0.0, scatter)


def scores(true: np.ndarray, estimate: np.ndarray, sigma: np.ndarray) -> dict:
    """Median absolute relative error, median relative bias and 1-sigma coverage."""
    relative = estimate / true - 1.0
    return {
        "n": int(len(true)),
        "median_abs_error_pct": round(100 * float(np.median(np.abs(relative))), 1),
        "median_bias_pct": round(100 * float(np.median(relative)), 1),
        "within_1_sigma_pct": round(100 * float(np.mean(np.abs(estimate - true) <= sigma)), 1),
    }


def evaluate(records: list[dict], ime_wind: EffectiveWind, csf_wind: EffectiveWind) -> dict:
    """Scores per gas of IME and CSF rates on records, re-scaled from the pipeline's coefficients to these."""
    return {
        gas: _evaluate([r for r in records if r["gas"] == gas], ime_wind, csf_wind)
        for gas in sorted({r["gas"] for r in records})
    }


def _evaluate(records: list[dict], ime_wind: EffectiveWind, csf_wind: EffectiveWind) -> dict:
    true = np.array([r["true_kg_h"] for r in records])
    u10 = np.array([r["wind_m_s"] for r in records])
    ime_scale = ime_wind.speed_m_s(u10) / np.array([r["ime_u_eff_m_s"] for r in records])
    ime = np.array([r["ime_kg_h"] for r in records]) * ime_scale
    ime_sigma = np.array([r["ime_sigma_kg_h"] for r in records]) * ime_scale
    has_csf = np.array([r["csf_kg_h"] is not None for r in records])
    used = np.array([r["csf_u_eff_m_s"] for r in records])[has_csf]
    csf_scale = csf_wind.speed_m_s(u10[has_csf]) / used
    csf = np.array([r["csf_kg_h"] for r in records if r["csf_kg_h"] is not None]) * csf_scale
    csf_sigma = np.array([r["csf_sigma_kg_h"] for r in records if r["csf_kg_h"] is not None]) * csf_scale
    return {"ime": scores(true, ime, ime_sigma), "csf": scores(true[has_csf], csf, csf_sigma)}


def main() -> None:
    """Parse options, run or re-score the seeds, write records.json and print the scores as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calibrate", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--test", type=int, nargs="+", default=[4, 5, 6])
    parser.add_argument("--passes", type=int, default=4)
    parser.add_argument("--lines", type=int, default=300)
    parser.add_argument("--samples", type=int, default=150)
    parser.add_argument("--out", type=Path, default=Path("benchmark-output/emission-rates"))
    parser.add_argument(
        "--records", type=Path, default=None, help="re-score this records.json (no pipeline run)"
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    size = {"passes": args.passes, "lines": args.lines, "samples": args.samples}
    if args.records:
        saved = json.loads(args.records.read_text())
        calibration, test = saved["calibration"], saved["test"]
    else:
        calibration = [r for s in args.calibrate for r in plume_records(args.out, s, **size)]
        test = [r for s in args.test for r in plume_records(args.out, s, **size)]
    ch4 = [r for r in calibration if r["gas"] == "ch4"]
    ime_wind, csf_wind = fit_ime_wind(ch4), fit_csf_scale(ch4)
    result = {
        "calibration_ch4_plumes": len(ch4),
        "fitted_ime_wind": ime_wind.__dict__,
        "fitted_csf_wind": csf_wind.__dict__,
        "test_with_fitted": evaluate(test, ime_wind, csf_wind),
        "test_with_current": evaluate(test, IME_WIND, CSF_WIND),
    }
    (args.out / "records.json").write_text(json.dumps({"calibration": calibration, "test": test}, indent=1))
    print(json.dumps(result, indent=2))


def _emitter(plume, emitters):
    best, best_d = None, MATCH_RADIUS_M
    for emitter in emitters:
        if emitter.gas != plume.gas:
            continue
        d = distance_m(plume.source_lon_deg, plume.source_lat_deg, emitter.lon_deg, emitter.lat_deg)
        if d <= best_d:
            best, best_d = emitter, d
    return best


if __name__ == "__main__":
    main()
