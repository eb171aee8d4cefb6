"""No partner ever sees what it may not: through any endpoint, filter, id guess, export or feed.

Expectations are written out per partner from the catalog's markings (not computed by the policy
code under test): green site (TLP:GREEN), DE site (TLP:AMBER, release to DE), red site (TLP:RED, CO2).
"""

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plumewatch.share.store import ShareStore

# partner -> (roles it may see in lists/exports/feeds, roles it may see when asking for one item by id)
VISIBLE = {
    "fr_green": ({"green_site"}, {"green_site"}),
    "us_amber": ({"green_site"}, {"green_site"}),
    "de_amber": ({"green_site", "amber_de_site"}, {"green_site", "amber_de_site"}),
    "de_person": ({"green_site", "amber_de_site"}, {"green_site", "amber_de_site", "red_site"}),
    "ch4_only": ({"green_site", "amber_de_site"}, {"green_site", "amber_de_site"}),
}
FORMATS = ["stix", "geojson", "kml", "kmz", "cot", "csv"]


@pytest.fixture(scope="module")
def secrets_by_role(world):
    """Every id (site and plume) of each site role, the strings that must never leak."""
    url, ids, _ = world
    with ShareStore(url) as store:
        plumes = store.plumes()
    return {
        role: {site_id} | {p.plume_id for p in plumes if p.site_id == site_id}
        for role, site_id in ids.items()
    }


def hidden_ids(partner, secrets_by_role, *, single=False):
    visible = VISIBLE[partner][1 if single else 0]
    return set().union(*(ids for role, ids in secrets_by_role.items() if role not in visible))


def payload_text(response) -> str:
    if response.headers.get("content-type", "").startswith("application/vnd.google-earth.kmz"):
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            return archive.read("doc.kml").decode()
    return response.text


def assert_nothing_hidden(text, hidden):
    leaked = sorted(i for i in hidden if i in text)
    assert not leaked, f"leaked {leaked}"


@pytest.mark.parametrize("partner", sorted(VISIBLE))
def test_lists_exports_and_feeds(client, headers, world, secrets_by_role, partner):
    _, ids, _ = world
    hidden = hidden_ids(partner, secrets_by_role)
    h = headers[partner]
    sites = client.get("/api/v1/sites?limit=1000", headers=h).json()["items"]
    assert {s["site_id"] for s in sites} == {ids[r] for r in VISIBLE[partner][0]}
    for path in [
        "/api/v1/sites?limit=1000",
        "/api/v1/plumes?limit=1000",
        "/api/v1/sites?tlp=red",
        "/api/v1/sites?gas=co2",
        "/api/v1/plumes?gas=co2",
        f"/api/v1/plumes?site_id={ids['red_site']}",
        "/api/v1/sites?bbox=-180,-90,180,90",
        "/api/v1/sites?since=2000-01-01T00:00:00Z",
    ]:
        response = client.get(path, headers=h)
        assert response.status_code == 200
        assert_nothing_hidden(response.text, hidden)
    for fmt in FORMATS:
        response = client.get(f"/api/v1/export/{fmt}", headers=h)
        assert response.status_code == 200
        assert_nothing_hidden(payload_text(response), hidden)
    collection = client.get("/taxii2/api1/collections/", headers=h).json()["collections"][0]["id"]
    for suffix in ["objects/", "manifest/"]:
        response = client.get(f"/taxii2/api1/collections/{collection}/{suffix}", headers=h)
        assert response.status_code == 200
        assert_nothing_hidden(response.text, hidden)


@pytest.mark.parametrize("partner", sorted(VISIBLE))
def test_id_guesses_are_404_like_missing_ids(client, headers, world, secrets_by_role, partner):
    _, ids, _ = world
    h = headers[partner]
    missing = client.get("/api/v1/sites/PW99999", headers=h)
    assert missing.status_code == 404
    for role, site_id in ids.items():
        paths = [
            f"/api/v1/sites/{site_id}",
            f"/api/v1/sites/{site_id}/report",
            *(f"/api/v1/sites/{site_id}/export/{fmt}" for fmt in FORMATS),
        ]
        plume_ids = sorted(secrets_by_role[role] - {site_id})
        paths += [f"/api/v1/plumes/{plume_id}" for plume_id in plume_ids]
        for path in paths:
            response = client.get(path, headers=h)
            if role in VISIBLE[partner][1]:
                assert response.status_code == 200, path
            else:
                assert response.status_code == 404, path
                assert response.json()["detail"].replace(site_id, "PW99999") in (
                    missing.json()["detail"],
                    f"no plume {path.rsplit('/', 1)[1]!r}".replace(site_id, "PW99999"),
                )
    hidden = hidden_ids(partner, secrets_by_role, single=True)
    for role, site_id in ids.items():
        if role in VISIBLE[partner][1]:
            detail = client.get(f"/api/v1/sites/{site_id}", headers=h)
            assert_nothing_hidden(detail.text, hidden)


def test_another_partners_taxii_collection_and_objects(client, headers):
    mine = client.get("/taxii2/api1/collections/", headers=headers["fr_green"]).json()["collections"][0]["id"]
    theirs = client.get("/taxii2/api1/collections/", headers=headers["de_amber"]).json()["collections"][0][
        "id"
    ]
    for suffix in ["", "objects/", "manifest/"]:
        assert (
            client.get(f"/taxii2/api1/collections/{theirs}/{suffix}", headers=headers["fr_green"]).status_code
            == 404
        )
    de_objects = client.get(f"/taxii2/api1/collections/{theirs}/objects/", headers=headers["de_amber"]).json()
    amber_only = [
        o["id"]
        for o in de_objects["objects"]
        if o["type"] == "location"
        and "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421" in o["object_marking_refs"]
    ]
    assert amber_only
    for object_id in amber_only:
        response = client.get(
            f"/taxii2/api1/collections/{mine}/objects/{object_id}/", headers=headers["fr_green"]
        )
        assert response.status_code == 404


@pytest.mark.parametrize(
    "path", ["/api/v1/me", "/api/v1/sites", "/api/v1/export/stix", "/taxii2/", "/taxii2/api1/collections/"]
)
def test_revoked_unknown_and_missing_credentials(client, headers, path):
    for h in [headers["revoked"], {"Authorization": "Bearer pwk_guess"}, {"Authorization": "Basic eDp5"}, {}]:
        response = client.get(path, headers=h)
        assert response.status_code == 401, (path, h)
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_revoking_a_partner_closes_its_key_and_tokens(client, world):
    url, _, _ = world
    from plumewatch.share.policy import Partner

    with ShareStore(url) as store:
        key = store.add_partner(Partner("short_lived", "green", country="FR"), actor="test")
    token = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "short_lived", "client_secret": key},
    ).json()["access_token"]
    for secret in (key, token):
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    with ShareStore(url) as store:
        store.revoke_partner("short_lived", actor="test")
    for secret in (key, token):
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


QUERY_VALUES = {
    "gas": st.sampled_from(["ch4", "co2", "CH4", "x"]),
    "status": st.sampled_from(["candidate", "confirmed", "dormant"]),
    "tlp": st.sampled_from(["clear", "green", "amber", "amber+strict", "red"]),
    "bbox": st.sampled_from(["-104,31,-102,33", "-103.1,31.9,-102.9,32.1", "170,-10,-170,10"]),
    "since": st.sampled_from(["2000-01-01T00:00:00Z", "2026-06-12T00:00:00Z"]),
    "limit": st.integers(1, 5).map(str),
    "offset": st.integers(0, 4).map(str),
}


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(
    partner=st.sampled_from(sorted(VISIBLE)),
    path=st.sampled_from(["/api/v1/sites", "/api/v1/plumes", "/api/v1/export/geojson", "/api/v1/export/csv"]),
    params=st.fixed_dictionaries({}, optional=QUERY_VALUES),
)
def test_no_filter_combination_leaks(client, headers, secrets_by_role, partner, path, params):
    response = client.get(path, headers=headers[partner], params=params)
    assert response.status_code in (200, 422)
    assert_nothing_hidden(response.text, hidden_ids(partner, secrets_by_role))
