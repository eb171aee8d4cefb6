"""The partner API's endpoints: answers, filters, pagination, exports, tokens, rate limits, audit."""

import json
import re

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from plumewatch.api.app import create_app
from plumewatch.api.settings import ApiSettings
from plumewatch.share.store import ShareStore


def site_ids(response):
    assert response.status_code == 200, response.text
    return sorted(s["site_id"] for s in response.json()["items"])


def test_lists_follow_each_partners_releasability(client, world, headers):
    _, ids, _ = world
    assert site_ids(client.get("/api/v1/sites", headers=headers["fr_green"])) == [ids["green_site"]]
    assert site_ids(client.get("/api/v1/sites", headers=headers["us_amber"])) == [ids["green_site"]]
    both = sorted([ids["green_site"], ids["amber_de_site"]])
    assert site_ids(client.get("/api/v1/sites", headers=headers["de_amber"])) == both
    # TLP:RED never in a list, even for a named individual cleared for it
    assert site_ids(client.get("/api/v1/sites", headers=headers["de_person"])) == both


def test_site_detail_and_red_for_a_named_individual(client, world, headers):
    _, ids, _ = world
    red = client.get(f"/api/v1/sites/{ids['red_site']}", headers=headers["de_person"])
    assert red.status_code == 200
    body = red.json()
    assert body["site"]["tlp"] == "red" and body["site"]["gases"] == ["co2"]
    assert len(body["plumes"]) == 4 and all(p["tlp"] == "red" for p in body["plumes"])
    detail = client.get(f"/api/v1/sites/{ids['amber_de_site']}", headers=headers["de_amber"]).json()
    assert [o["detected"] for o in detail["observations"]] == [True, True, False, True]
    assert {o["plume_id"] for o in detail["observations"] if o["detected"]} == {
        p["plume_id"] for p in detail["plumes"]
    }


def test_filters_and_pagination(client, world, headers):
    _, ids, _ = world
    h = headers["de_amber"]
    assert site_ids(client.get("/api/v1/sites?tlp=amber", headers=h)) == [ids["amber_de_site"]]
    assert site_ids(client.get("/api/v1/sites?gas=co2", headers=h)) == []
    assert site_ids(client.get("/api/v1/sites?status=dormant", headers=h)) == []
    west = client.get("/api/v1/sites?bbox=-103.01,31.9,-102.99,32.1", headers=h)
    assert site_ids(west) == [ids["green_site"]]
    first = client.get("/api/v1/sites?limit=1", headers=h).json()
    second = client.get(f"/api/v1/sites?limit=1&offset={first['next_offset']}", headers=h).json()
    assert first["total"] == second["total"] == 2 and second["next_offset"] is None
    assert first["items"][0]["site_id"] != second["items"][0]["site_id"]
    assert client.get("/api/v1/sites?bbox=1,2,3", headers=h).status_code == 422
    assert client.get("/api/v1/sites?limit=0", headers=h).status_code == 422
    plumes = client.get("/api/v1/plumes?limit=2", headers=h).json()
    assert plumes["total"] == 7 and len(plumes["items"]) == 2
    only = client.get(f"/api/v1/plumes?site_id={ids['green_site']}", headers=h).json()
    assert only["total"] == 4 and {p["site_id"] for p in only["items"]} == {ids["green_site"]}
    one = only["items"][0]["plume_id"]
    assert client.get(f"/api/v1/plumes/{one}", headers=h).json()["plume_id"] == one


@pytest.mark.parametrize("fmt", ["stix", "geojson", "kml", "kmz", "cot", "csv"])
def test_every_export_format(client, world, headers, fmt):
    _, ids, _ = world
    response = client.get(f"/api/v1/export/{fmt}", headers=headers["de_amber"])
    assert response.status_code == 200
    assert response.headers["x-tlp"] == "AMBER"
    assert "attachment" in response.headers["content-disposition"]
    text = response.content
    if fmt in ("stix", "geojson", "csv", "kml", "cot"):
        assert ids["amber_de_site"].encode() in text and ids["red_site"].encode() not in text


def test_single_site_export_and_report(client, world, headers):
    _, ids, _ = world
    stix = client.get(f"/api/v1/sites/{ids['red_site']}/export/stix", headers=headers["de_person"])
    assert stix.status_code == 200
    assert any(o["type"] == "location" for o in json.loads(stix.content)["objects"])
    cot = client.get(f"/api/v1/sites/{ids['green_site']}/export/cot", headers=headers["fr_green"])
    assert etree.fromstring(cot.content.splitlines()[0]).get("type") == "b-m-p-s-m"
    report = client.get(f"/api/v1/sites/{ids['red_site']}/report", headers=headers["de_person"])
    assert report.status_code == 200 and "TLP:RED" in report.text and "data:image/png;base64," in report.text


def test_oauth2_client_credentials(client, world):
    _, _, keys = world
    issued = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "de_amber", "client_secret": keys["de_amber"]},
    )
    assert issued.status_code == 200 and issued.json()["token_type"] == "bearer"
    token = issued.json()["access_token"]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()["name"] == "de_amber"
    basic = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=("de_amber", keys["de_amber"])
    )
    assert basic.status_code == 200
    wrong = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "de_amber", "client_secret": keys["us_amber"]},
    )
    assert wrong.status_code == 401
    revoked = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "revoked", "client_secret": keys["revoked"]},
    )
    assert revoked.status_code == 401


def test_rate_limit_per_key(world):
    url, _, keys = world
    with TestClient(create_app(url, settings=ApiSettings(rate_limit="3/minute"))) as limited:
        codes = [
            limited.get("/api/v1/me", headers={"Authorization": f"Bearer {keys['fr_green']}"}).status_code
            for _ in range(4)
        ]
        other = limited.get("/api/v1/me", headers={"Authorization": f"Bearer {keys['us_amber']}"})
        last = limited.get("/api/v1/me", headers={"Authorization": f"Bearer {keys['fr_green']}"})
    assert codes == [200, 200, 200, 429]
    assert other.status_code == 200
    assert int(last.headers["retry-after"]) >= 1


def test_every_read_is_audited(client, world, headers):
    url, ids, _ = world
    client.get(f"/api/v1/sites/{ids['amber_de_site']}", headers=headers["de_amber"])
    client.get("/api/v1/export/csv", headers=headers["us_amber"])
    with ShareStore(url) as store:
        reads = store.audit_log(partner="de_amber", action="api.read")
        exports = store.audit_log(partner="us_amber", action="export")
    last = reads[-1]
    assert last.detail["path"] == f"/api/v1/sites/{ids['amber_de_site']}"
    assert (ids["amber_de_site"], "amber") in last.objects and len(last.objects) == 4
    assert exports[-1].detail["format"] == "csv" and exports[-1].detail["channel"] == "api"
    assert {i for i, _ in exports[-1].objects if i.startswith("PW")} == {ids["green_site"]}
    assert {t for _, t in exports[-1].objects} == {"green"} and len(exports[-1].objects) == 5


def test_openapi_and_extension_schema(client):
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/v1/sites",
        "/api/v1/sites/{site_id}",
        "/api/v1/plumes",
        "/api/v1/export/{fmt}",
        "/oauth/token",
        "/taxii2/api1/collections/{collection}/objects/",
    ):
        assert path in spec["paths"]
    schema = client.get("/stix/extensions/extension-definition--596925f0-5082-4a83-812d-ef8ea5b1a4f4")
    assert schema.status_code == 200 and schema.json()["title"] == "plumewatch emitting site"


def test_api_docs_work_offline(client):
    """Swagger UI and ReDoc load their scripts from the app itself, never from a CDN."""
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        sources = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert sources and all(src.startswith("/") for src in sources), sources
        for src in sources:
            if not src.endswith((".png", "/openapi.json")):
                assert client.get(src).status_code == 200, src
