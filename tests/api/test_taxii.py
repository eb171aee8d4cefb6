"""TAXII 2.1 read by the real taxii2-client over HTTP, against uvicorn on a free localhost port."""

import socket
import threading
import time

import pytest
import requests
import uvicorn
from stix2validator import validate_instance
from taxii2client.exceptions import TAXIIServiceException
from taxii2client.v21 import Collection, Server, as_pages

from plumewatch.api.app import create_app
from plumewatch.api.settings import ApiSettings
from plumewatch.share.stix import SITE_EXTENSION_ID, tlp_of


class BearerAuth(requests.auth.AuthBase):
    """Send a partner key as a bearer token."""

    def __init__(self, key):
        self.key = key

    def __call__(self, request):
        request.headers["Authorization"] = f"Bearer {self.key}"
        return request


@pytest.fixture(scope="module")
def server_url(world):
    """uvicorn serving the app in a thread on 127.0.0.1 (stopped after the module)."""
    url, _, _ = world
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        create_app(url, settings=ApiSettings(rate_limit="100000/minute")),
        host="127.0.0.1",
        port=port,
        log_level="warning",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def collection_for(server_url, key) -> Collection:
    server = Server(f"{server_url}/taxii2/", auth=BearerAuth(key))
    roots = server.api_roots
    assert len(roots) == 1 and server.default.url == roots[0].url
    collections = roots[0].collections
    assert len(collections) == 1
    return collections[0]


def test_partner_reads_its_collection(server_url, world):
    _, ids, keys = world
    collection = collection_for(server_url, keys["de_amber"])
    assert collection.can_read and not collection.can_write
    envelope = collection.get_objects()
    objects = envelope["objects"]
    for obj in objects:
        assert validate_instance(obj).is_valid
    locations = [o for o in objects if o["type"] == "location"]
    assert sorted(o["extensions"][SITE_EXTENSION_ID]["site_id"] for o in locations) == sorted(
        [ids["green_site"], ids["amber_de_site"]]
    )
    assert {tlp_of(o) for o in objects if o["type"] in ("location", "sighting")} == {"green", "amber"}
    assert {o["type"] for o in objects} >= {
        "identity",
        "extension-definition",
        "marking-definition",
        "sighting",
    }
    one = collection.get_object(locations[0]["id"])["objects"]
    assert one == [locations[0]]
    manifest = collection.get_manifest()["objects"]
    assert {m["id"] for m in manifest} == {o["id"] for o in objects}


def test_pagination_and_added_after(server_url, world):
    _, _, keys = world
    collection = collection_for(server_url, keys["de_amber"])
    everything = collection.get_objects()["objects"]
    paged = [o for envelope in as_pages(collection.get_objects, per_request=3) for o in envelope["objects"]]
    assert [o["id"] for o in paged] == [o["id"] for o in everything]
    last_marking_time = max(o["modified"] for o in everything if o["type"] == "location")
    newer = collection.get_objects(added_after=last_marking_time)
    assert all(o.get("modified", o["created"]) > last_marking_time for o in newer["objects"])
    assert len(newer["objects"]) < len(everything)


def test_another_partners_collection_is_not_found(server_url, world):
    _, _, keys = world
    theirs = collection_for(server_url, keys["de_amber"])
    mine = collection_for(server_url, keys["fr_green"])
    assert theirs.id != mine.id
    intruder = Collection(theirs.url, auth=BearerAuth(keys["fr_green"]))
    with pytest.raises(requests.exceptions.HTTPError) as raised:
        intruder.refresh()
    assert raised.value.response.status_code == 404
    green_only = mine.get_objects()["objects"]
    assert {tlp_of(o) for o in green_only if o["type"] in ("location", "sighting")} == {"green"}


def test_revoked_and_missing_keys_fail(server_url, world):
    _, _, keys = world
    for key in (keys["revoked"], "pwk_not-a-key"):
        with pytest.raises(requests.exceptions.HTTPError) as raised:
            Server(f"{server_url}/taxii2/", auth=BearerAuth(key)).refresh()
        assert raised.value.response.status_code == 401
    with pytest.raises((requests.exceptions.HTTPError, TAXIIServiceException)):
        Server(f"{server_url}/taxii2/").refresh()
