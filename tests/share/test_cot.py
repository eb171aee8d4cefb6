"""Cursor-on-Target: each event validates against MITRE's base event schema and TAK's spot-marker schema."""

from pathlib import Path

import pytest
from lxml import etree

from plumewatch.share.cot import COT_TYPE, release_cot, release_events
from plumewatch.share.policy import Partner
from plumewatch.share.release import make_release

XSD = Path(__file__).parent / "data" / "cot-xsd"


class _RepairedLinkResolver(etree.Resolver):
    """Serve TAK's details/link.xsd without its unclosed `point` element (see data/cot-xsd/NOTICE.md)."""

    def resolve(self, url, pubid, context):
        if url.endswith("details/link.xsd"):
            text = Path(url.removeprefix("file://")).read_text(encoding="utf-8")
            start = text.index('<xs:element name="point"')
            end = text.index("</xs:annotation>", start) + len("</xs:annotation>")
            return self.resolve_string(text[:start] + text[end:], context)
        return None


@pytest.fixture(scope="module")
def schemas():
    mitre = etree.XMLSchema(etree.parse(str(XSD / "mitre" / "CoT Base-Event Schema  (PUBLIC RELEASE).xsd")))
    parser = etree.XMLParser()
    parser.resolvers.add(_RepairedLinkResolver())
    tak = etree.XMLSchema(etree.parse(str(XSD / "tak" / "Marker - Spot.xsd"), parser))
    return {"mitre": mitre, "tak": tak}


@pytest.fixture
def release(records):
    sites, plumes = records
    return make_release(Partner("d", "amber", country="DE"), sites, plumes)


def test_tak_example_passes_and_a_broken_event_fails(schemas):
    example = etree.parse(str(XSD / "examples" / "Marker - Spot.cot")).getroot()
    assert schemas["mitre"].validate(example), schemas["mitre"].error_log
    assert schemas["tak"].validate(example), schemas["tak"].error_log
    broken = etree.fromstring(b'<event version="2.0" uid="x" type="b-m-p-s-m" how="m-i"/>')
    assert not schemas["mitre"].validate(broken)
    assert not schemas["tak"].validate(broken)


def test_events_validate(schemas, release):
    events = release_events(release)
    assert len(events) == len(release.sites) == 2
    for raw in events:
        event = etree.fromstring(raw)
        assert schemas["mitre"].validate(event), schemas["mitre"].error_log
        assert schemas["tak"].validate(event), schemas["tak"].error_log


def test_event_content(release):
    events = [etree.fromstring(raw) for raw in release_events(release)]
    site = release.sites[1]
    event = events[1]
    assert event.get("type") == COT_TYPE and event.get("how") == "m-i"
    assert event.get("uid") == f"plumewatch-site-{site.site_id}"
    point = event.find("point")
    assert float(point.get("lat")) == pytest.approx(site.lat_deg) and float(
        point.get("lon")
    ) == pytest.approx(site.lon_deg)
    assert float(point.get("ce")) == pytest.approx(site.position_sigma_m)
    remarks = event.findtext("detail/remarks")
    assert remarks.startswith("TLP:AMBER REL TO DE.")
    assert "ch4" in remarks
    assert event.get("stale") > event.get("start")


def test_stream_has_one_event_per_line(release):
    lines = release_cot(release).splitlines()
    assert len(lines) == 2
    assert all(etree.fromstring(line).tag == "event" for line in lines)
