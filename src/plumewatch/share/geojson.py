"""Sites as GeoJSON (RFC 7946): one Point feature per site, WGS84 lon/lat."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from plumewatch.atomic import atomic_path
from plumewatch.sites.records import SiteSummary

COORDINATE_DECIMALS = 7


def site_feature(site: SiteSummary) -> dict:
    """A GeoJSON Feature (Point, lon/lat) of one site, its summary in the properties."""
    return {
        "type": "Feature",
        "id": site.site_id,
        "geometry": {
            "type": "Point",
            "coordinates": [
                round(site.lon_deg, COORDINATE_DECIMALS),
                round(site.lat_deg, COORDINATE_DECIMALS),
            ],
        },
        "properties": {
            "site_id": site.site_id,
            "status": site.status,
            "status_reason": site.status_reason,
            "gases": list(site.gases),
            "position_sigma_m": site.position_sigma_m,
            "n_detections": site.n_detections,
            "n_overflights": site.n_overflights,
            "persistence": site.persistence,
            "first_seen": _iso(site.first_seen),
            "last_seen": _iso(site.last_seen),
            "mean_emission_kg_h": site.mean_emission_kg_h,
            "emission_sigma_kg_h": site.emission_sigma_kg_h,
            "flags": list(site.flags),
            "tlp": site.tlp,
            "release_to": list(site.release_to),
        },
    }


def sites_feature_collection(sites: Iterable[SiteSummary]) -> dict:
    """A GeoJSON FeatureCollection of sites, ready for json.dumps."""
    return {"type": "FeatureCollection", "features": [site_feature(s) for s in sites]}


def write_sites_geojson(path: str | Path, sites: Iterable[SiteSummary]) -> Path:
    """Write the sites as a GeoJSON file (atomically); returns its path."""
    path = Path(path)
    document = sites_feature_collection(sites)
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")
