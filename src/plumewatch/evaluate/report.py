"""A short text summary of evaluation scores, for the terminal."""

from __future__ import annotations


def format_scores(scores: dict) -> str:
    """Lines summarising pixel scores per gas and site scores, from the dict `evaluate` builds."""
    lines = []
    retrievals = scores.get("retrievals", {})
    far = retrievals.get("false_alarm_rate")
    for gas, s in retrievals.get("gases", {}).items():
        limit = s.get("detection_limit", {}).get("limit_ppmm")
        plume = s.get("plume_ppmm", {})
        lines.append(
            f"{gas}: ROC AUC {_num(s.get('roc_auc'), '.3f')}, "
            f"Pd {_num(s.get('probability_of_detection'), '.2f')} at FAR {far:g}, "
            f"90% detected from {_num(limit, '.0f')} ppm·m, "
            f"plume bias {_num(plume.get('bias'), '.0f')} RMSE {_num(plume.get('rmse'), '.0f')} ppm·m "
            f"({s.get('plume_pixels', 0)} plume px, "
            f"median sigma {_num(s.get('median_sigma_ppmm'), '.0f')} ppm·m)"
        )
    sites = scores.get("sites")
    if sites:
        rate = sites.get("emission", {}).get("relative_error", {})
        lines.append(
            f"sites: {sites['matched']}/{sites['truth_emitters']} emitters found, "
            f"{len(sites['false_sites'])} false ({len(sites['false_sites_on_decoys'])} on decoys; "
            f"{_num(sites['false_sites_per_100_km2'], '.1f')} per 100 km² of "
            f"{_num(sites['surveyed_area_km2'], '.2f')} km²), "
            f"precision {_num(sites['precision'], '.2f')}, recall {_num(sites['recall'], '.2f')}"
        )
        lines.append(
            f"emission: median relative error {_num(rate.get('median'), '+.0%')} "
            f"over {rate.get('n', 0)} sites; "
            f"persistence mean abs error {_num(sites['persistence']['mean_abs_error'], '.2f')}"
        )
    return "\n".join(lines) if lines else "nothing to score"


def _num(value, spec: str) -> str:
    if value is None or value != value:
        return "-"
    return format(value, spec)
