"""Product downloads follow the markings of every plume a product shows."""

import json

import pytest
from fastapi.testclient import TestClient

from plumewatch.api.app import create_app
from plumewatch.api.settings import ApiSettings

SCENES = [f"pw2026061{1 + day}t100000_rdn" for day in range(4)]


@pytest.fixture(scope="module")
def products_client(world, tmp_path_factory):
    url, _, _ = world
    folder = tmp_path_factory.mktemp("products")
    for scene in SCENES:
        for gas in ("ch4", "co2"):
            (folder / f"{scene}_{gas}.tif").write_bytes(b"II*\x00" + bytes(64))
            item = {
                "type": "Feature",
                "stac_version": "1.1.0",
                "id": f"{scene}_{gas}",
                "assets": {"data": {"href": f"{scene}_{gas}.tif"}},
                "properties": {},
            }
            (folder / f"{scene}_{gas}.stac.json").write_text(json.dumps(item))
    (folder / "unrelated_ch4.tif").write_bytes(b"II*\x00")
    settings = ApiSettings(rate_limit="100000/minute", products_dir=folder)
    with TestClient(create_app(url, settings=settings)) as client:
        yield client


@pytest.mark.parametrize(
    ("partner", "expected"),
    [
        ("fr_green", {f"{SCENES[2]}_ch4"}),  # the only CH4 image without the DE-only site
        ("us_amber", {f"{SCENES[2]}_ch4"}),
        ("de_amber", {f"{s}_ch4" for s in SCENES}),
        ("de_person", {f"{s}_ch4" for s in SCENES}),  # CO2 images show the TLP:RED site: never in bulk
    ],
)
def test_products_follow_their_plumes(products_client, headers, partner, expected):
    listing = products_client.get("/api/v1/products", headers=headers[partner])
    assert listing.status_code == 200
    items = listing.json()["items"]
    assert {p["product_id"] for p in items} == expected
    for product in items:
        assert product["tlp"] == ("green" if product["product_id"].startswith(SCENES[2]) else "amber")
    for scene in SCENES:
        for gas in ("ch4", "co2"):
            product_id = f"{scene}_{gas}"
            download = products_client.get(f"/api/v1/products/{product_id}", headers=headers[partner])
            assert download.status_code == (200 if product_id in expected else 404)
            if product_id in expected:
                assert download.content.startswith(b"II*\x00")
                stac = products_client.get(
                    f"/api/v1/products/{product_id}/stac", headers=headers[partner]
                ).json()
                assert stac["assets"]["data"]["href"].endswith(f"/api/v1/products/{product_id}")


def test_no_products_folder_means_no_products(client, headers):
    assert client.get("/api/v1/products", headers=headers["de_person"]).json() == {"items": []}


def test_report_survives_an_unreadable_product(products_client, headers, world):
    _, ids, _ = world
    report = products_client.get(f"/api/v1/sites/{ids['green_site']}/report", headers=headers["fr_green"])
    assert report.status_code == 200 and "TLP:GREEN" in report.text
