"""KML and KMZ: valid against the OGC KML 2.2 schema (shipped with fastkml, so offline), with sites,
plume outlines, time spans and markings."""

import io
import zipfile

import pytest
from fastkml import validator
from lxml import etree

from plumewatch.share.kml import KMZ_ICON, release_kml, release_kmz
from plumewatch.share.policy import Partner
from plumewatch.share.release import make_release

NS = {"k": "http://www.opengis.net/kml/2.2"}


@pytest.fixture
def release(records):
    sites, plumes = records
    return make_release(Partner("d", "amber", country="DE"), sites, plumes)


def test_kml_validates_against_ogc_schema(release):
    root = etree.fromstring(release_kml(release).encode("utf-8"))
    assert validator.validate(element=root)


def test_schema_check_can_fail():
    bad = etree.fromstring(
        b'<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><when/></Placemark></kml>'
    )
    with pytest.raises(AssertionError):
        validator.validate(element=bad)


def test_kml_content(release):
    root = etree.fromstring(release_kml(release).encode("utf-8"))
    assert "TLP:AMBER" in root.findtext("k:Document/k:name", namespaces=NS)
    sites = root.findall("k:Document/k:Folder[k:name='Sites']/k:Placemark", NS)
    plumes = root.findall("k:Document/k:Folder[k:name='Plumes']/k:Placemark", NS)
    assert [p.findtext("k:name", namespaces=NS) for p in sites] == ["S-0001", "S-0002"]
    assert len(plumes) == 6
    for placemark in sites:
        assert placemark.find("k:TimeSpan/k:begin", NS) is not None
        lon, lat = map(float, placemark.findtext("k:Point/k:coordinates", namespaces=NS).split(","))
        assert -118.3 < lon < -118.1 and 34.0 < lat < 34.2
    for placemark in plumes:
        assert placemark.find("k:Polygon/k:outerBoundaryIs/k:LinearRing/k:coordinates", NS) is not None
        assert placemark.find("k:TimeStamp/k:when", NS) is not None
    tlps = [d.findtext("k:value", namespaces=NS) for d in root.iterfind(".//k:Data[@name='tlp']", NS)]
    assert sorted(set(tlps)) == ["TLP:AMBER", "TLP:GREEN"]


def test_kmz_holds_valid_kml_and_its_icon(release):
    with zipfile.ZipFile(io.BytesIO(release_kmz(release))) as archive:
        assert archive.namelist()[0] == "doc.kml"
        root = etree.fromstring(archive.read("doc.kml"))
        assert archive.read(KMZ_ICON)[:8] == b"\x89PNG\r\n\x1a\n"
    assert validator.validate(element=root)
    hrefs = {h.text for h in root.iterfind(".//k:Icon/k:href", NS)}
    assert hrefs == {KMZ_ICON}
