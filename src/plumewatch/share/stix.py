"""STIX 2.1 bundles of a release: sites as Location, detections as Sighting, the batch as a Report.

Markings are the official TLP 2.0 marking-definition objects published by the OASIS CTI TC
(cti-stix-common-objects, extension-definition-specifications/tlp-2.0): consumers such as MISP and
OpenCTI recognise them by their fixed ids. The facility and detection properties travel in two
property extensions whose extension-definition objects ride in every bundle; their JSON schemas
ship in ``share/data/stix/``.

Ids are UUIDv5 of the plumewatch namespace and the catalog id, so a site keeps its STIX id from
one release to the next and a consumer updates it instead of adding a duplicate.
"""

from __future__ import annotations

import json
import uuid
from functools import cache
from importlib import resources

import stix2

from plumewatch.share.policy import TLP_LEVELS, tlp_display
from plumewatch.share.release import Release, as_utc
from plumewatch.sites.records import PlumeRecord, SiteSummary

TLP2_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED = "2022-10-01T00:00:00.000Z"
TLP2_MARKING_IDS = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
SITE_EXTENSION_ID = "extension-definition--596925f0-5082-4a83-812d-ef8ea5b1a4f4"
DETECTION_EXTENSION_ID = "extension-definition--a7e4e79c-db2e-4523-8a30-c59686aeeabf"
EXTENSION_SCHEMA_FILES = {
    SITE_EXTENSION_ID: "site-extension.schema.json",
    DETECTION_EXTENSION_ID: "detection-extension.schema.json",
}
ID_NAMESPACE = uuid.UUID("54695790-ee94-49ae-a684-74da168181ff")
# The producer identity and extension definitions are fixed objects: one creation time for all.
PRODUCER_CREATED = "2026-01-01T00:00:00.000Z"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"


def stix_id(stix_type: str, key: str) -> str:
    """A stable STIX id: UUIDv5 of the plumewatch namespace and a catalog key."""
    return f"{stix_type}--{uuid.uuid5(ID_NAMESPACE, f'{stix_type}:{key}')}"


@cache
def tlp_marking(level: str) -> stix2.MarkingDefinition:
    """The official TLP 2.0 marking-definition object for a label."""
    return stix2.MarkingDefinition(
        id=TLP2_MARKING_IDS[level],
        created=TLP2_CREATED,
        name=tlp_display(level),
        extensions={TLP2_EXTENSION_ID: {"extension_type": "property-extension", "tlp_2_0": level}},
    )


def tlp_of(stix_object: dict) -> str | None:
    """The TLP 2.0 label an object carries in its object_marking_refs, or None."""
    by_id = {marking_id: level for level, marking_id in TLP2_MARKING_IDS.items()}
    for ref in stix_object.get("object_marking_refs", ()):
        if ref in by_id:
            return by_id[ref]
    return None


@cache
def producer_identity(name: str = "plumewatch") -> stix2.Identity:
    """The identity that creates the objects: the plumewatch installation, as a system."""
    return stix2.Identity(
        id=stix_id("identity", name),
        created=PRODUCER_CREATED,
        modified=PRODUCER_CREATED,
        name=name,
        identity_class="system",
        description="Airborne imaging-spectrometer survey system: detects and tracks vapour-emitting sites.",
    )


def extension_schema(extension_id: str) -> dict:
    """The JSON schema of one of plumewatch's STIX extensions."""
    text = resources.files("plumewatch.share").joinpath("data", "stix", EXTENSION_SCHEMA_FILES[extension_id])
    return json.loads(text.read_text(encoding="utf-8"))


@cache
def extension_definitions(producer: str = "plumewatch") -> tuple[stix2.ExtensionDefinition, ...]:
    """The extension-definition objects for the site and detection property extensions."""
    definitions = []
    for ext_id, target in ((SITE_EXTENSION_ID, "location"), (DETECTION_EXTENSION_ID, "sighting")):
        schema = extension_schema(ext_id)
        definitions.append(
            stix2.ExtensionDefinition(
                id=ext_id,
                created_by_ref=producer_identity(producer).id,
                created=PRODUCER_CREATED,
                modified=PRODUCER_CREATED,
                name=schema["title"],
                description=f"{schema['description']} Applies to {target} objects.",
                schema=(
                    f"JSON Schema (draft 2020-12) {schema['$id']}: distributed with plumewatch as "
                    f"plumewatch/share/data/stix/{EXTENSION_SCHEMA_FILES[ext_id]} and served by "
                    f"`plumewatch serve` at /stix/extensions/{ext_id}"
                ),
                version="1.0.0",
                extension_types=["property-extension"],
            )
        )
    return tuple(definitions)


def _drop_none(values: dict) -> dict:
    return {k: v for k, v in values.items() if v is not None}


def site_location(site: SiteSummary, *, modified, producer: str = "plumewatch") -> stix2.Location:
    """A Location for a site, with its facility and chemical properties in the site extension."""
    created = as_utc(site.first_seen) if site.first_seen else modified
    extension = _drop_none(
        {
            "extension_type": "property-extension",
            "site_id": site.site_id,
            "status": site.status,
            "status_reason": site.status_reason or None,
            "gases": list(site.gases) or None,
            "n_detections": site.n_detections,
            "n_overflights": site.n_overflights,
            "persistence": round(site.persistence, 4),
            "first_seen": as_utc(site.first_seen).isoformat() if site.first_seen else None,
            "last_seen": as_utc(site.last_seen).isoformat() if site.last_seen else None,
            "position_sigma_m": float(site.position_sigma_m),
            "mean_emission_kg_h": site.mean_emission_kg_h,
            "emission_sigma_kg_h": site.emission_sigma_kg_h,
            "flags": list(site.flags) or None,
        }
    )
    rate = "" if site.mean_emission_kg_h is None else f", mean {site.mean_emission_kg_h:.0f} kg/h"
    return stix2.Location(
        id=stix_id("location", site.site_id),
        created_by_ref=producer_identity(producer).id,
        created=min(created, modified),
        modified=modified,
        name=f"Emitting site {site.site_id}",
        description=(
            f"{site.status} site emitting {', '.join(site.gases) or 'unknown gas'}: "
            f"{site.n_detections} of {site.n_overflights} overflights{rate}."
        ),
        latitude=site.lat_deg,
        longitude=site.lon_deg,
        precision=float(site.position_sigma_m),
        object_marking_refs=[TLP2_MARKING_IDS[site.tlp]],
        extensions={SITE_EXTENSION_ID: extension},
    )


def plume_sighting(plume: PlumeRecord, *, modified=None, producer: str = "plumewatch") -> stix2.Sighting:
    """A Sighting of the site's Location by the producer: one plume in one overflight."""
    seen = as_utc(plume.time)
    extension = _drop_none(
        {
            "extension_type": "property-extension",
            "plume_id": plume.plume_id,
            "site_id": plume.site_id,
            "scene_name": plume.scene_name,
            "gas": plume.gas,
            "max_ppmm": plume.max_ppmm,
            "mean_ppmm": plume.mean_ppmm,
            "area_m2": plume.area_m2,
            "ime_kg": plume.ime_kg,
            "emission_kg_h": plume.emission_kg_h,
            "emission_sigma_kg_h": plume.emission_sigma_kg_h,
            "identification_confidence": plume.identification_confidence,
            "source_longitude": plume.source_lon_deg,
            "source_latitude": plume.source_lat_deg,
            "outline_wkt": plume.outline_wkt or None,
        }
    )
    return stix2.Sighting(
        id=stix_id("sighting", plume.plume_id),
        created_by_ref=producer_identity(producer).id,
        created=seen,
        modified=modified or seen,
        first_seen=seen,
        last_seen=seen,
        count=1,
        description=f"{plume.gas.upper()} plume {plume.plume_id} in {plume.scene_name}",
        sighting_of_ref=stix_id("location", plume.site_id),
        where_sighted_refs=[producer_identity(producer).id],
        object_marking_refs=[TLP2_MARKING_IDS[plume.tlp]],
        extensions={DETECTION_EXTENSION_ID: extension},
    )


def release_objects(release: Release, *, producer: str = "plumewatch") -> list:
    """The SDOs of a release (Locations then Sightings), without Report or supporting objects.

    A Location's version (``modified``) is when its site last changed (a new overflight or a new
    marking, as the release records it), so that consumers see a new version only for a change.
    """
    locations = [
        site_location(
            s, modified=release.version(s.site_id, as_utc(s.last_seen or release.created)), producer=producer
        )
        for s in release.sites
    ]
    sightings = [
        plume_sighting(p, modified=release.version(p.plume_id, as_utc(p.time)), producer=producer)
        for p in release.plumes
    ]
    return locations + sightings


def supporting_objects(levels, *, producer: str = "plumewatch") -> list:
    """The identity, extension definitions and TLP marking definitions that objects refer to."""
    used = sorted(set(levels), key=TLP_LEVELS.index)
    return [producer_identity(producer), *extension_definitions(producer), *(tlp_marking(lv) for lv in used)]


def release_bundle(release: Release, *, producer: str = "plumewatch") -> stix2.Bundle:
    """A STIX 2.1 bundle: supporting objects, the release's objects, and a Report of the batch."""
    objects = release_objects(release, producer=producer)
    report = stix2.Report(
        id=stix_id("report", f"{release.partner}:{release.created.isoformat()}"),
        created_by_ref=producer_identity(producer).id,
        created=release.created,
        modified=release.created,
        published=release.created,
        name=f"plumewatch release to {release.partner}",
        description=(
            f"{len(release.sites)} sites and {len(release.plumes)} plume detections released to "
            f"{release.partner}, marked {tlp_display(release.tlp)} as a whole."
        ),
        report_types=["observed-data"],
        object_refs=[o.id for o in objects] or [producer_identity(producer).id],
        object_marking_refs=[TLP2_MARKING_IDS[release.tlp]],
    )
    levels = [release.tlp] + [s.tlp for s in release.sites] + [p.tlp for p in release.plumes]
    return stix2.Bundle(
        *supporting_objects(levels, producer=producer), *objects, report, id=stix_id("bundle", report.id)
    )


def bundle_json(release: Release, *, producer: str = "plumewatch") -> str:
    """The release's STIX 2.1 bundle as JSON text."""
    return release_bundle(release, producer=producer).serialize(pretty=True)
