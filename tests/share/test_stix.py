"""STIX 2.1 bundles: valid under stix2-validator, official TLP 2.0 markings, extensions as declared."""

import json

import jsonschema
import pytest
import stix2
from stix2validator import ValidationOptions, validate_string

from plumewatch.share.policy import Partner
from plumewatch.share.release import make_release
from plumewatch.share.stix import (
    DETECTION_EXTENSION_ID,
    SITE_EXTENSION_ID,
    TLP2_MARKING_IDS,
    bundle_json,
    extension_schema,
    tlp_of,
)

# The TLP 2.0 marking objects as published in oasis-open/cti-stix-common-objects (tlp-2.0 examples).
OFFICIAL_TLP2 = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}


@pytest.fixture
def bundle(records):
    sites, plumes = records
    person = Partner("analyst", "red", country="DE", organisation="Agency", named_individual=True)
    return json.loads(bundle_json(make_release(person, sites, plumes, bulk=False)))


def test_bundle_is_valid_stix(bundle):
    results = validate_string(json.dumps(bundle))
    assert results.is_valid, [str(e) for e in results.errors]
    # Strict mode turns every warning into an error; the one recommendation left out on purpose is
    # UUIDv4 (check 103): ids are UUIDv5 of catalog ids so that re-exports update, not duplicate.
    strict = validate_string(json.dumps(bundle), ValidationOptions(strict=True, disabled=["103"]))
    assert strict.is_valid, [str(e) for e in strict.errors]


def test_markings_are_the_official_tlp2_objects(bundle):
    assert TLP2_MARKING_IDS == OFFICIAL_TLP2
    markings = {o["id"]: o for o in bundle["objects"] if o["type"] == "marking-definition"}
    assert set(markings) == {OFFICIAL_TLP2["green"], OFFICIAL_TLP2["amber"], OFFICIAL_TLP2["red"]}
    for level in ("green", "amber", "red"):
        marking = markings[OFFICIAL_TLP2[level]]
        assert marking["name"] == f"TLP:{level.upper()}"
        assert marking["created"] == "2022-10-01T00:00:00.000Z"
        ext = marking["extensions"]["extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"]
        assert ext == {"extension_type": "property-extension", "tlp_2_0": level}


def test_every_object_carries_its_items_marking(bundle, records):
    sites, plumes = records
    by_site = {s.site_id: s.tlp for s in sites}
    locations = [o for o in bundle["objects"] if o["type"] == "location"]
    sightings = [o for o in bundle["objects"] if o["type"] == "sighting"]
    assert len(locations) == 3 and len(sightings) == 9
    for loc in locations:
        assert tlp_of(loc) == by_site[loc["extensions"][SITE_EXTENSION_ID]["site_id"]]
    for sighting in sightings:
        assert tlp_of(sighting) == by_site[sighting["extensions"][DETECTION_EXTENSION_ID]["site_id"]]
        assert sighting["sighting_of_ref"] in {loc["id"] for loc in locations}
    report = next(o for o in bundle["objects"] if o["type"] == "report")
    assert tlp_of(report) == "red"
    assert set(report["object_refs"]) == {o["id"] for o in locations + sightings}


def test_extensions_match_their_schemas_and_definitions(bundle):
    definitions = {o["id"]: o for o in bundle["objects"] if o["type"] == "extension-definition"}
    assert set(definitions) == {SITE_EXTENSION_ID, DETECTION_EXTENSION_ID}
    for ext_id in definitions:
        assert definitions[ext_id]["extension_types"] == ["property-extension"]
        assert definitions[ext_id]["created_by_ref"] in {
            o["id"] for o in bundle["objects"] if o["type"] == "identity"
        }
    checked = 0
    for obj in bundle["objects"]:
        for ext_id, values in obj.get("extensions", {}).items():
            if ext_id in definitions:
                jsonschema.validate(values, extension_schema(ext_id))
                checked += 1
    assert checked == 12
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {"extension_type": "property-extension", "site_id": "x"}, extension_schema(SITE_EXTENSION_ID)
        )


def test_site_location_values(bundle, records):
    sites, _ = records
    site = sites[1]
    loc = next(
        o
        for o in bundle["objects"]
        if o["type"] == "location" and o["extensions"][SITE_EXTENSION_ID]["site_id"] == site.site_id
    )
    assert loc["latitude"] == pytest.approx(site.lat_deg) and loc["longitude"] == pytest.approx(site.lon_deg)
    assert loc["precision"] == pytest.approx(site.position_sigma_m)
    ext = loc["extensions"][SITE_EXTENSION_ID]
    assert ext["gases"] == list(site.gases) and ext["persistence"] == pytest.approx(0.75)
    assert ext["mean_emission_kg_h"] == pytest.approx(site.mean_emission_kg_h)


def test_ids_are_stable_between_releases(records):
    sites, plumes = records
    partner = Partner("g", "green")
    first = json.loads(bundle_json(make_release(partner, sites, plumes)))
    second = json.loads(bundle_json(make_release(partner, sites, plumes)))
    ids = {o["id"] for o in first["objects"] if o["type"] in ("location", "sighting")}
    assert ids == {o["id"] for o in second["objects"] if o["type"] in ("location", "sighting")}
    parsed = stix2.parse(json.dumps(first), allow_custom=True)
    assert len(parsed.objects) == len(first["objects"])


def test_empty_release_is_still_valid(records):
    sites, plumes = records
    empty = make_release(Partner("nobody", "clear"), sites, plumes)
    assert empty.sites == ()
    assert validate_string(bundle_json(empty)).is_valid
