"""GeoJSON (RFC 7946) of a release: sites as points, plume outlines as polygons, each with its marking."""

from __future__ import annotations

from shapely import wkt
from shapely.geometry import mapping
from shapely.geometry.polygon import orient

from plumewatch.share.geojson import site_feature as catalog_site_feature
from plumewatch.share.policy import tlp_display
from plumewatch.share.release import Release, as_utc
from plumewatch.sites.records import PlumeRecord, SiteSummary


def _iso(moment) -> str | None:
    return as_utc(moment).isoformat() if moment is not None else None


def site_feature(site: SiteSummary) -> dict:
    """One site as a GeoJSON Point feature: the catalog's site feature, its marking written 'TLP:AMBER'."""
    feature = catalog_site_feature(site)
    feature["properties"] |= {"kind": "site", "tlp": tlp_display(site.tlp)}
    return feature


def plume_properties(plume: PlumeRecord) -> dict:
    """A plume's GeoJSON properties: gas, strength (ppm·m), IME (kg), rate (kg/h) and marking."""
    return {
        "kind": "plume",
        "plume_id": plume.plume_id,
        "site_id": plume.site_id,
        "scene_name": plume.scene_name,
        "time": _iso(plume.time),
        "gas": plume.gas,
        "max_ppmm": plume.max_ppmm,
        "mean_ppmm": plume.mean_ppmm,
        "area_m2": plume.area_m2,
        "ime_kg": plume.ime_kg,
        "emission_kg_h": plume.emission_kg_h,
        "emission_sigma_kg_h": plume.emission_sigma_kg_h,
        "identification_confidence": plume.identification_confidence,
        "source_lon_deg": plume.source_lon_deg,
        "source_lat_deg": plume.source_lat_deg,
        "tlp": tlp_display(plume.tlp),
        "release_to": list(plume.release_to),
    }


def plume_feature(plume: PlumeRecord) -> dict:
    """One plume as a GeoJSON Polygon feature, exterior ring counter-clockwise as RFC 7946 asks."""
    outline = wkt.loads(plume.outline_wkt) if plume.outline_wkt else None
    if outline is None or outline.is_empty:
        geometry = {"type": "Point", "coordinates": [plume.source_lon_deg, plume.source_lat_deg]}
    else:
        geometry = mapping(orient(outline, sign=1.0) if outline.geom_type == "Polygon" else outline)
    return {
        "type": "Feature",
        "id": plume.plume_id,
        "geometry": geometry,
        "properties": plume_properties(plume),
    }


def release_feature_collection(release: Release) -> dict:
    """A GeoJSON FeatureCollection of the release's sites then plumes, with its overall marking."""
    features = [site_feature(s) for s in release.sites] + [plume_feature(p) for p in release.plumes]
    return {
        "type": "FeatureCollection",
        "features": features,
        "tlp": tlp_display(release.tlp),
        "partner": release.partner,
        "created": release.created.isoformat(),
    }
