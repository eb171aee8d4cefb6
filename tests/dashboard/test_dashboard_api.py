"""The dashboard's own endpoints: layers and plume images pass the API's policy, and are audited."""

import io
import json
import logging

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from shapely import wkt

from plumewatch.api.app import create_app
from plumewatch.api.dashboard import DashboardSettings
from plumewatch.api.dashboard.layers import layer_files
from plumewatch.api.settings import ApiSettings
from plumewatch.share.policy import Partner
from plumewatch.share.store import ShareStore


@pytest.fixture(scope="module")
def client(world):
    """A TestClient over the real app with the world's products and layers."""
    settings = ApiSettings(rate_limit="100000/minute", products_dir=world.products_dir)
    app = create_app(world.url, settings=settings, dashboard=DashboardSettings(layers_dir=world.layers_dir))
    with TestClient(app) as test_client:
        yield test_client


def auth(world, partner):
    return {"Authorization": f"Bearer {world.keys[partner]}"}


def plume_of(world, site, partner="analyst"):
    with ShareStore(world.url) as store:
        return store.plumes(site_ids=[world.site_ids[site]])[-1].plume_id


def test_dashboard_is_served_with_a_strict_content_security_policy(client):
    assert client.get("/", follow_redirects=False).headers["location"] == "/dashboard/"
    page = client.get("/dashboard/")
    assert page.status_code == 200 and "app.js" in page.text
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy and "script-src 'self'" in policy


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/dashboard/config",
        "/api/v1/dashboard/layers/tracks",
        "/api/v1/dashboard/plumes/x/enhancement.png",
    ],
)
def test_dashboard_endpoints_need_a_key(client, path):
    assert client.get(path).status_code == 401
    assert client.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_config_lists_the_api_formats_and_the_layers_with_data(client, world):
    config = client.get("/api/v1/dashboard/config", headers=auth(world, "analyst")).json()
    assert config["formats"] == ["stix", "geojson", "kml", "kmz", "cot", "csv"]
    assert config["layers"] == ["footprints", "tracks", "plans", "airspace"]
    assert config["enhancement"] is True


@pytest.mark.parametrize("kind, n", [("footprints", 6), ("tracks", 1), ("plans", 3), ("airspace", 1)])
def test_layers_go_to_partners_cleared_for_their_marking_only(client, world, kind, n):
    cleared = client.get(f"/api/v1/dashboard/layers/{kind}", headers=auth(world, "ally_de"))
    assert cleared.headers["content-type"] == "application/geo+json"
    features = cleared.json()["features"]
    assert len(features) == n
    assert all(f["properties"]["tlp"] == "amber" for f in features)
    below = client.get(f"/api/v1/dashboard/layers/{kind}", headers=auth(world, "ally_fr"))
    assert below.json()["features"] == []  # TLP:GREEN partner, layers marked TLP:AMBER


def test_footprints_follow_the_time_window(client, world):
    headers = auth(world, "analyst")
    since = client.get(
        "/api/v1/dashboard/layers/footprints", params={"since": "2026-06-14T00:00:00Z"}, headers=headers
    ).json()["features"]
    assert [f["properties"]["acquired"][:10] for f in since] == ["2026-06-14", "2026-06-15", "2026-06-16"]


def test_a_partner_limited_to_another_area_gets_no_layers(client, world):
    with ShareStore(world.url) as store:
        key = store.add_partner(
            Partner("elsewhere", "amber", country="DE", organisation="X", areas=((10.0, 40.0, 20.0, 50.0),)),
            actor="test",
        )
    answer = client.get("/api/v1/dashboard/layers/footprints", headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 200 and answer.json()["features"] == []


def test_plume_image_is_the_plume_only_and_placed_on_its_outline(client, world):
    headers = auth(world, "analyst")
    plume_id = plume_of(world, "wellpad")
    info = client.get(f"/api/v1/dashboard/plumes/{plume_id}/enhancement", headers=headers).json()
    west, south, east, north = info["bounds_deg"]
    with ShareStore(world.url) as store:
        plume = store.plumes(plume_ids=[plume_id])[0]
    o_west, o_south, o_east, o_north = wkt.loads(plume.outline_wkt).bounds
    assert west < o_west < o_east < east and south < o_south < o_north < north
    assert info["tlp"] == "green" and info["vmax_ppmm"] == pytest.approx(plume.max_ppmm)
    png = client.get(info["image_href"], headers=headers)
    assert png.headers["content-type"] == "image/png" and png.headers["x-tlp"] == "GREEN"
    alpha = np.asarray(Image.open(io.BytesIO(png.content)).convert("RGBA"))[..., 3]
    drawn = alpha > 0
    assert 0.05 < drawn.mean() < 0.9
    # the margin around the outline shows nothing: other sites' pixels never leak into a plume image
    assert not drawn[0].any() and not drawn[-1].any() and not drawn[:, 0].any() and not drawn[:, -1].any()


@pytest.mark.parametrize(
    "site, partner, visible",
    [
        ("compressor", "ally_de", True),  # TLP:AMBER released to DE
        ("compressor", "ally_fr", False),  # above TLP:GREEN and not released to FR
        ("compressor", "analyst", False),  # released to DE only, analyst is US
        ("flare", "analyst", True),  # TLP:RED to a named individual, one item asked for by id
        ("flare", "ally_de", False),  # TLP:RED, not a named individual
        ("wellpad", "ally_fr", True),  # TLP:GREEN
    ],
)
def test_plume_images_follow_the_api_policy(client, world, site, partner, visible):
    plume_id = plume_of(world, site)
    headers = auth(world, partner)
    api = client.get(f"/api/v1/plumes/{plume_id}", headers=headers).status_code
    image = client.get(f"/api/v1/dashboard/plumes/{plume_id}/enhancement.png", headers=headers).status_code
    assert (api, image) == ((200, 200) if visible else (404, 404))


def test_plume_image_reads_are_audited(client, world):
    plume_id = plume_of(world, "stack")
    client.get(f"/api/v1/dashboard/plumes/{plume_id}/enhancement.png", headers=auth(world, "ally_de"))
    with ShareStore(world.url) as store:
        entries = store.audit_log(partner="ally_de", action="api.read")
    assert any(plume_id in json.dumps(vars(e), default=str) for e in entries)


def test_no_product_means_404_not_an_error(world):
    app = create_app(world.url, settings=ApiSettings(rate_limit="100000/minute", products_dir=None))
    with TestClient(app) as bare:
        plume_id = plume_of(world, "wellpad")
        answer = bare.get(f"/api/v1/dashboard/plumes/{plume_id}/enhancement", headers=auth(world, "analyst"))
        assert answer.status_code == 404
        config = bare.get("/api/v1/dashboard/config", headers=auth(world, "analyst")).json()
        assert config["enhancement"] is False and config["layers"] == ["footprints"]


def test_an_unreadable_layer_file_is_left_out_and_logged(tmp_path, caplog):
    (tmp_path / "airspace").mkdir()
    (tmp_path / "airspace" / "broken.geojson").write_text("{not json")
    (tmp_path / "airspace" / "ok.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "A", "floor": "GND", "ceiling": "FL95"},
                        "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
                    }
                ],
            }
        )
    )
    with caplog.at_level(logging.WARNING):
        files = layer_files(tmp_path, "airspace")
    assert [f.name for f in files] == ["ok.geojson"]
    assert files[0].bbox == (0.0, 0.0, 1.0, 1.0)
    assert files[0].features[0]["properties"]["ceiling_m"] == pytest.approx(95 * 100 * 0.3048, rel=0.01)
    assert "broken.geojson" in caplog.text


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PLUMEWATCH_DASHBOARD_LAYERS_DIR", str(tmp_path))
    monkeypatch.setenv("PLUMEWATCH_DASHBOARD_OPERATIONAL_TLP", "TLP:GREEN")
    monkeypatch.setenv("PLUMEWATCH_DASHBOARD_OPERATIONAL_RELEASE_TO", "de,nato")
    settings = DashboardSettings()
    assert (settings.layers_dir, settings.operational_tlp, settings.operational_release_to) == (
        tmp_path,
        "green",
        ("DE", "NATO"),
    )


def test_serve_layers_option_reaches_the_dashboard(world, monkeypatch):
    from plumewatch.cli import build_parser
    from plumewatch.cli import serve as serve_cli

    seen = {}
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: seen.update(app=app, **kw))
    args = build_parser().parse_args(
        ["serve", "--db", world.url, "--layers", str(world.layers_dir), "--port", "0"]
    )
    assert serve_cli.run(args) == 0
    assert seen["app"].state.dashboard.settings.layers_dir == world.layers_dir
