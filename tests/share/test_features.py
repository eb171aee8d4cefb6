"""GeoJSON (RFC 7946) and CSV of a release."""

import csv
import io
import json

import pytest
from shapely.geometry import shape

from plumewatch.errors import SharingError
from plumewatch.share.export import FORMATS, get_format, render, write_release
from plumewatch.share.features import release_feature_collection
from plumewatch.share.policy import Partner
from plumewatch.share.release import make_release
from plumewatch.share.table import CSV_COLUMNS, release_csv


@pytest.fixture
def release(records):
    sites, plumes = records
    return make_release(Partner("d", "amber", country="DE"), sites, plumes)


def test_geojson_is_rfc7946(release):
    collection = json.loads(json.dumps(release_feature_collection(release)))
    assert collection["type"] == "FeatureCollection" and "crs" not in collection
    kinds = [f["properties"]["kind"] for f in collection["features"]]
    assert kinds == ["site"] * 2 + ["plume"] * 6
    for feature in collection["features"]:
        geometry = shape(feature["geometry"])
        assert geometry.is_valid
        lon, lat = geometry.centroid.x, geometry.centroid.y
        assert -180 <= lon <= 180 and -90 <= lat <= 90 and lon < 0 < lat
        if feature["geometry"]["type"] == "Polygon":
            assert geometry.exterior.is_ccw  # RFC 7946 section 3.1.6: exterior rings counter-clockwise
        assert feature["properties"]["tlp"] in {"TLP:GREEN", "TLP:AMBER"}
    assert collection["tlp"] == "TLP:AMBER"


def test_csv_rows(release):
    rows = list(csv.DictReader(io.StringIO(release_csv(release))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r["record"] for r in rows] == ["site"] * 2 + ["plume"] * 6
    site_row = rows[1]
    assert site_row["id"] == "S-0002" and site_row["release_to"] == "DE" and site_row["tlp"] == "TLP:AMBER"
    assert float(site_row["persistence"]) == pytest.approx(0.75)
    assert all(float(r["emission_kg_h"]) > 0 for r in rows)


def test_write_release_every_format(release, tmp_path):
    for name, fmt in FORMATS.items():
        out = write_release(tmp_path / f"out{fmt.suffix}", release, name)
        assert out.read_bytes() == render(release, name)
        assert out.stat().st_size > 100
    with pytest.raises(SharingError, match="unknown share format"):
        get_format("shapefile")
    with pytest.raises(SharingError, match="does not exist"):
        write_release(tmp_path / "missing" / "x.json", release, "stix")
    assert not (tmp_path / "missing").exists()
