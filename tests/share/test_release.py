"""Choosing a release: policy, time window and box, and plumes only with their sites."""

from datetime import timedelta

from plumewatch.share.policy import Partner
from plumewatch.share.release import make_release, marked_objects, redact_observations


def test_release_follows_policy(records):
    sites, plumes = records
    green = make_release(Partner("g", "green", country="FR"), sites, plumes)
    assert [s.site_id for s in green.sites] == ["S-0001"]
    assert {p.site_id for p in green.plumes} == {"S-0001"}
    assert green.tlp == "green"
    amber_fr = make_release(Partner("a", "amber", country="FR"), sites, plumes)
    assert [s.site_id for s in amber_fr.sites] == ["S-0001"]
    amber_de = make_release(Partner("d", "amber", country="DE"), sites, plumes)
    assert [s.site_id for s in amber_de.sites] == ["S-0001", "S-0002"]
    assert amber_de.tlp == "amber"
    person = Partner("n", "red", country="DE", organisation="Agency", named_individual=True)
    assert [s.site_id for s in make_release(person, sites, plumes).sites] == ["S-0001", "S-0002"]
    single = make_release(person, sites, plumes, bulk=False)
    assert [s.site_id for s in single.sites] == ["S-0001", "S-0002", "S-0003"]
    assert single.tlp == "red"


def test_plume_never_goes_without_its_site(records):
    sites, plumes = records
    lowered = [p.__class__(**{**p.__dict__, "tlp": "clear", "release_to": ()}) for p in plumes]
    release = make_release(Partner("g", "green"), sites, lowered)
    assert {p.site_id for p in release.plumes} == {"S-0001"}


def test_since_and_bbox(records):
    sites, plumes = records
    T0 = sites[0].first_seen
    partner = Partner("d", "amber", country="DE")
    recent = make_release(partner, sites, plumes, since=T0 + timedelta(days=5))
    assert all(p.time >= T0 + timedelta(days=5) for p in recent.plumes)
    assert len(recent.plumes) == 2
    boxed = make_release(partner, sites, plumes, bbox=(-118.22, 34.08, -118.18, 34.12))
    assert [s.site_id for s in boxed.sites] == ["S-0002"]
    assert make_release(partner, sites, plumes, since=T0 + timedelta(days=30)).sites == ()
    given = {object_id for object_id, _ in marked_objects(boxed.sites, boxed.plumes)}
    assert given == {"S-0002"} | {p.plume_id for p in boxed.plumes}


def test_observations_of_unreleased_plumes_are_redacted(detail):
    released = [detail.plumes[0].plume_id]
    redacted = redact_observations(detail.observations, released)
    assert [o.detected for o in redacted] == [o.detected for o in detail.observations]
    kept = [o for o in redacted if o.plume_id == released[0]]
    assert len(kept) == 1 and kept[0].emission_kg_h is not None
    withheld = [o for o in redacted if o.detected and o.plume_id is None]
    assert len(withheld) == 2
    assert all(
        o.max_ppmm is None and o.emission_kg_h is None and o.emission_sigma_kg_h is None for o in withheld
    )
