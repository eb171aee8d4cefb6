"""Score a processed simulated survey against its truth: pixels, columns, sites, rates, persistence.

Pixel scores compare each detection product (``<line>_rdn_<gas>.tif``) with the
truth map of the same line and gas (same line x sample grid). A pixel is a plume
pixel when its true column is at least its retrieval's 1-sigma uncertainty (so a
plume pixel is one a perfect detector could tell from noise), and a background
pixel when the true column is below 1 % of that sigma (the far tails of a plume
are not background, nor yet plume); the pixels between are left out of the
detection scores. The detector score is the significance, enhancement / sigma.
The detection-limit table bins the true columns from a quarter of the median sigma up.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from pathlib import Path

import numpy as np
import pyproj
import shapely
from shapely.geometry import Point
from shapely.ops import unary_union

from plumewatch.errors import InputFileError
from plumewatch.evaluate.metrics import (
    bias_rmse,
    detection_limit,
    detection_probability,
    precision_recall,
    roc_auc,
)
from plumewatch.geo.footprint import distance_m, footprint_polygon, utm_crs_for
from plumewatch.io.geotiff import read_retrieval_geotiff
from plumewatch.io.survey import read_survey
from plumewatch.simulate.truth import read_truth
from plumewatch.sites.records import SiteDetail, SiteSummary

log = logging.getLogger(__name__)

FALSE_ALARM_RATE = 1e-3
DETECTED_FRACTION = 0.9
MATCH_RADIUS_M = 75.0
BACKGROUND_FRACTION_OF_SIGMA = 0.01
LIMIT_FLOOR_FRACTION_OF_SIGMA = 0.25


def evaluate_retrievals(
    survey_dir: str | Path, products_dir: str | Path, *, false_alarm_rate: float = FALSE_ALARM_RATE
) -> dict:
    """Per-gas pixel scores of the detection products against the truth maps (JSON-ready dict)."""
    survey_dir, products_dir = Path(survey_dir), Path(products_dir)
    truth = read_truth(survey_dir)
    pooled: dict[str, dict[str, list[np.ndarray]]] = defaultdict(lambda: defaultdict(list))
    per_pass = []
    for truth_pass in truth["passes"]:
        for gas, relative in truth_pass.enhancement_maps.items():
            product = _product_for(products_dir, truth_pass.name, gas)
            if product is None:
                per_pass.append({"pass": truth_pass.name, "gas": gas, "product": None})
                continue
            true_ppmm, _, _ = read_retrieval_geotiff(survey_dir / relative)
            retrieved, sigma, _ = read_retrieval_geotiff(product)
            if retrieved.shape != true_ppmm.shape:
                raise InputFileError(
                    product, f"is {retrieved.shape} pixels but its truth map is {true_ppmm.shape}"
                )
            arrays = {"truth": np.nan_to_num(true_ppmm), "retrieved": retrieved, "sigma": sigma}
            for key, value in arrays.items():
                pooled[gas][key].append(value.ravel())
            per_pass.append(
                {
                    "pass": truth_pass.name,
                    "gas": gas,
                    "product": product.name,
                    **_pixel_scores(**arrays, false_alarm_rate=false_alarm_rate, brief=True),
                }
            )
    gases = {
        gas: _pixel_scores(
            **{k: np.concatenate(v) for k, v in arrays.items()}, false_alarm_rate=false_alarm_rate
        )
        for gas, arrays in pooled.items()
    }
    return {"false_alarm_rate": false_alarm_rate, "gases": gases, "passes": per_pass}


def evaluate_sites(
    survey_dir: str | Path,
    sites: list[SiteSummary],
    *,
    details: list[SiteDetail] | None = None,
    match_radius_m: float = MATCH_RADIUS_M,
) -> dict:
    """Site-level scores of a catalog against the truth emitters (JSON-ready dict).

    Sites are matched one-to-one to truth emitters of a gas they list, nearest first,
    within ``match_radius_m``. ``details`` (from ``Catalog.site``) add per-pass
    emission-rate errors; without them only the sites' mean rates are scored.
    """
    survey_dir = Path(survey_dir)
    truth = read_truth(survey_dir)
    emitters, decoys = truth["sites"], truth["decoys"]
    pairs = _match(sites, emitters, match_radius_m)
    matched_sites = {s.site_id for s, _ in pairs}
    unmatched = [s for s in sites if s.site_id not in matched_sites]
    near_decoy = [
        s.site_id
        for s in unmatched
        if any(
            distance_m(s.lon_deg, s.lat_deg, d.lon_deg, d.lat_deg) <= match_radius_m + d.radius_m
            for d in decoys
        )
    ]
    area_km2 = _surveyed_area_km2(survey_dir)
    scores = {
        "match_radius_m": match_radius_m,
        "truth_emitters": len(emitters),
        "catalog_sites": len(sites),
        "matched": len(pairs),
        **precision_recall(len(pairs), len(unmatched), len(emitters) - len(pairs)),
        "false_sites": [s.site_id for s in unmatched],
        "false_sites_on_decoys": near_decoy,
        "missed_emitters": [t.site_id for t in emitters if t.site_id not in {e.site_id for _, e in pairs}],
        "surveyed_area_km2": area_km2,
        "false_sites_per_100_km2": 100.0 * len(unmatched) / area_km2 if area_km2 else float("nan"),
        "position_error_m": _summary(
            [distance_m(s.lon_deg, s.lat_deg, e.lon_deg, e.lat_deg) for s, e in pairs]
        ),
        "persistence": _persistence(pairs),
        "emission": _site_emission(pairs),
    }
    if details is not None:
        scores["emission_per_pass"] = _pass_emission(pairs, details, [p.name for p in truth["passes"]])
    return scores


def _pixel_scores(*, truth, retrieved, sigma, false_alarm_rate: float, brief: bool = False) -> dict:
    valid = np.isfinite(retrieved) & np.isfinite(sigma) & (sigma > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        significance = np.where(valid, retrieved / sigma, np.nan)
    plume = valid & (truth >= sigma)
    background = valid & (truth < BACKGROUND_FRACTION_OF_SIGMA * sigma)
    used = plume | background
    labels = plume[used]
    pd = detection_probability(significance[used], labels, false_alarm_rate)
    scores = {
        "plume_pixels": int(plume.sum()),
        "background_pixels": int(background.sum()),
        "roc_auc": roc_auc(significance[used], labels),
        **pd,
    }
    if brief:
        return scores
    median_sigma = float(np.median(sigma[valid])) if valid.any() else float("nan")
    binned = valid & (truth >= LIMIT_FLOOR_FRACTION_OF_SIGMA * median_sigma)
    detected = significance > pd["threshold"]
    scores["detection_limit"] = detection_limit(truth[binned], detected[binned], fraction=DETECTED_FRACTION)
    scores["plume_ppmm"] = bias_rmse(retrieved[plume], truth[plume])
    scores["background_ppmm"] = bias_rmse(retrieved[background], truth[background])
    scores["median_sigma_ppmm"] = median_sigma
    return scores


def _product_for(products_dir: Path, pass_name: str, gas: str) -> Path | None:
    for candidate in (products_dir / f"{pass_name}_rdn_{gas}.tif", products_dir / f"{pass_name}_{gas}.tif"):
        if candidate.exists():
            return candidate
    return None


def _match(sites: list[SiteSummary], emitters, radius_m: float) -> list[tuple[SiteSummary, object]]:
    """One-to-one (site, emitter) pairs of a shared gas, closest pairs first, within radius_m."""
    candidates = sorted(
        (distance_m(s.lon_deg, s.lat_deg, e.lon_deg, e.lat_deg), i, j)
        for i, s in enumerate(sites)
        for j, e in enumerate(emitters)
        if e.gas in s.gases
    )
    used_sites, used_emitters, pairs = set(), set(), []
    for d, i, j in candidates:
        if d <= radius_m and i not in used_sites and j not in used_emitters:
            used_sites.add(i)
            used_emitters.add(j)
            pairs.append((sites[i], emitters[j]))
    return pairs


def _persistence(pairs) -> dict:
    errors = []
    rows = []
    for site, emitter in pairs:
        true_on = sum(q > 0 for q in emitter.emission_kg_h)
        true_persistence = true_on / len(emitter.emission_kg_h) if emitter.emission_kg_h else float("nan")
        errors.append(site.persistence - true_persistence)
        rows.append(
            {
                "site": site.site_id,
                "truth": emitter.site_id,
                "detections": site.n_detections,
                "overflights": site.n_overflights,
                "truth_on": true_on,
                "truth_passes": len(emitter.emission_kg_h),
            }
        )
    return {"mean_abs_error": float(np.mean(np.abs(errors))) if errors else float("nan"), "sites": rows}


def _site_emission(pairs) -> dict:
    rows, relative = [], []
    for site, emitter in pairs:
        on = [q for q in emitter.emission_kg_h if q > 0]
        true_mean = float(np.mean(on)) if on else 0.0
        row = {
            "site": site.site_id,
            "truth": emitter.site_id,
            "truth_mean_kg_h": true_mean,
            "estimated_kg_h": site.mean_emission_kg_h,
            "estimated_sigma_kg_h": site.emission_sigma_kg_h,
        }
        if site.mean_emission_kg_h is not None and true_mean > 0:
            row["relative_error"] = site.mean_emission_kg_h / true_mean - 1.0
            relative.append(row["relative_error"])
        rows.append(row)
    return {"relative_error": _summary(relative), "sites": rows}


def _pass_emission(pairs, details: list[SiteDetail], pass_names: list[str]) -> dict:
    by_site = {d.summary.site_id: d for d in details}
    relative, rows = [], []
    for site, emitter in pairs:
        detail = by_site.get(site.site_id)
        if detail is None:
            continue
        for obs in detail.observations:
            index = next((i for i, name in enumerate(pass_names) if obs.scene_name.startswith(name)), None)
            if index is None or not obs.detected or obs.gas != emitter.gas or obs.emission_kg_h is None:
                continue
            true_rate = emitter.emission_kg_h[index]
            row = {
                "site": site.site_id,
                "pass": pass_names[index],
                "truth_kg_h": true_rate,
                "estimated_kg_h": obs.emission_kg_h,
                "estimated_sigma_kg_h": obs.emission_sigma_kg_h,
            }
            if true_rate > 0:
                row["relative_error"] = obs.emission_kg_h / true_rate - 1.0
                relative.append(row["relative_error"])
            rows.append(row)
    return {"relative_error": _summary(relative), "observations": rows}


def _summary(values: list[float]) -> dict:
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return {"n": 0}
    return {
        "n": int(values.size),
        "mean": float(values.mean()),
        "median": float(np.median(values)),
        "rms": float(np.sqrt((values**2).mean())),
        "max_abs": float(np.abs(values).max()),
    }


def _surveyed_area_km2(survey_dir: Path) -> float:
    """Area (km²) of the union of the survey's flight-line footprints, from their per-pixel positions."""
    from plumewatch.io.envi import open_envi

    footprints = []
    for line in read_survey(survey_dir).flight_lines:
        scene = open_envi(line.radiance)
        if scene.lon_deg is not None and scene.lat_deg is not None:
            footprints.append(footprint_polygon(scene.lon_deg, scene.lat_deg))
    if not footprints:
        return float("nan")
    union = unary_union(footprints)
    centre: Point = union.centroid
    to_utm = pyproj.Transformer.from_crs("EPSG:4326", utm_crs_for(centre.x, centre.y), always_xy=True)
    return float(shapely.transform(union, to_utm.transform, interleaved=False).area / 1e6)
