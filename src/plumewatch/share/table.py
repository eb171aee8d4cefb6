"""CSV of a release: one row per site, then one per plume, in one long table with a ``record`` column.

Spreadsheets and GIS tools (QGIS "delimited text" with lon_deg/lat_deg as X/Y) read it as is.
"""

from __future__ import annotations

import csv
import io

from plumewatch.share.policy import tlp_display
from plumewatch.share.release import Release, as_utc

CSV_MEDIA_TYPE = "text/csv"
CSV_COLUMNS = (
    "record",
    "id",
    "site_id",
    "tlp",
    "release_to",
    "lon_deg",
    "lat_deg",
    "time",
    "first_seen",
    "last_seen",
    "gases",
    "status",
    "n_detections",
    "n_overflights",
    "persistence",
    "emission_kg_h",
    "emission_sigma_kg_h",
    "max_ppmm",
    "ime_kg",
    "area_m2",
    "scene_name",
    "position_sigma_m",
)


def _iso(moment) -> str:
    return as_utc(moment).isoformat() if moment is not None else ""


def release_rows(release: Release) -> list[dict]:
    """The release as row dicts keyed by CSV_COLUMNS (sites, then plumes)."""
    rows = [
        {
            "record": "site",
            "id": s.site_id,
            "site_id": s.site_id,
            "tlp": tlp_display(s.tlp),
            "release_to": ",".join(s.release_to),
            "lon_deg": s.lon_deg,
            "lat_deg": s.lat_deg,
            "first_seen": _iso(s.first_seen),
            "last_seen": _iso(s.last_seen),
            "gases": ",".join(s.gases),
            "status": s.status,
            "n_detections": s.n_detections,
            "n_overflights": s.n_overflights,
            "persistence": round(s.persistence, 4),
            "emission_kg_h": s.mean_emission_kg_h,
            "emission_sigma_kg_h": s.emission_sigma_kg_h,
            "position_sigma_m": s.position_sigma_m,
        }
        for s in release.sites
    ]
    rows += [
        {
            "record": "plume",
            "id": p.plume_id,
            "site_id": p.site_id,
            "tlp": tlp_display(p.tlp),
            "release_to": ",".join(p.release_to),
            "lon_deg": p.source_lon_deg,
            "lat_deg": p.source_lat_deg,
            "time": _iso(p.time),
            "gases": p.gas,
            "emission_kg_h": p.emission_kg_h,
            "emission_sigma_kg_h": p.emission_sigma_kg_h,
            "max_ppmm": p.max_ppmm,
            "ime_kg": p.ime_kg,
            "area_m2": p.area_m2,
            "scene_name": p.scene_name,
        }
        for p in release.plumes
    ]
    return rows


def release_csv(release: Release) -> str:
    """The release as CSV text with a header row; empty cells for values that do not apply."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, restval="", lineterminator="\n")
    writer.writeheader()
    for row in release_rows(release):
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return buffer.getvalue()
