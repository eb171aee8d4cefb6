"""Sites as RFC 7946 GeoJSON: valid structure, lon/lat order, atomic file write."""

import json
from datetime import UTC, datetime

import pytest

from plumewatch.share.geojson import sites_feature_collection, write_sites_geojson
from plumewatch.sites.records import SiteSummary

SITE = SiteSummary(
    site_id="PW00001",
    lon_deg=-103.123456789,
    lat_deg=32.5,
    position_sigma_m=8.0,
    gases=("ch4", "co2"),
    n_detections=2,
    n_overflights=4,
    first_seen=datetime(2026, 6, 11, 10, tzinfo=UTC),
    last_seen=datetime(2026, 6, 13, 10, tzinfo=UTC),
    status="confirmed",
    mean_emission_kg_h=120.0,
    emission_sigma_kg_h=30.0,
    flags=("chemical-processing",),
)


def test_feature_collection_is_rfc7946():
    document = sites_feature_collection([SITE])
    assert document["type"] == "FeatureCollection"
    feature = document["features"][0]
    assert feature["type"] == "Feature" and feature["id"] == "PW00001"
    assert feature["geometry"] == {"type": "Point", "coordinates": [-103.1234568, 32.5]}
    props = feature["properties"]
    assert props["persistence"] == pytest.approx(0.5)
    assert props["first_seen"] == "2026-06-11T10:00:00Z"
    assert props["gases"] == ["ch4", "co2"] and props["flags"] == ["chemical-processing"]
    assert props["tlp"] == "amber"
    json.dumps(document)


def test_empty_collection():
    assert sites_feature_collection([]) == {"type": "FeatureCollection", "features": []}


def test_write_is_atomic(tmp_path, monkeypatch):
    path = write_sites_geojson(tmp_path / "sites.geojson", [SITE])
    assert json.loads(path.read_text())["features"][0]["id"] == "PW00001"
    monkeypatch.setattr(json, "dumps", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("disk full")))
    with pytest.raises(RuntimeError):
        write_sites_geojson(tmp_path / "other.geojson", [SITE])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sites.geojson"]
