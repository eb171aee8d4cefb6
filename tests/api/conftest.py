"""A populated catalog with partners, and the API app over it."""

import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "share"))
from share_catalog import build_catalog  # noqa: E402

from plumewatch.api.app import create_app  # noqa: E402
from plumewatch.api.settings import ApiSettings  # noqa: E402
from plumewatch.share.policy import Partner  # noqa: E402
from plumewatch.share.store import ShareStore  # noqa: E402

PARTNERS = {
    "fr_green": Partner("fr_green", "green", country="FR"),
    "de_amber": Partner("de_amber", "amber", country="DE", organisation="BfS"),
    "us_amber": Partner("us_amber", "amber", country="US"),
    "de_person": Partner("de_person", "red", country="DE", organisation="BfS", named_individual=True),
    "ch4_only": Partner(
        "ch4_only", "red", country="DE", organisation="UBA", named_individual=True, gases=("ch4",)
    ),
    "revoked": Partner("revoked", "red", country="DE", organisation="BfS", named_individual=True),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """(catalog URL, site ids by role, API keys by partner name); 'revoked' is revoked."""
    url = f"sqlite:///{tmp_path_factory.mktemp('catalog') / 'catalog.sqlite'}"
    ids = build_catalog(url)
    with ShareStore(url) as store:
        keys = {name: store.add_partner(p, actor="test") for name, p in PARTNERS.items()}
        store.revoke_partner("revoked", actor="test")
    return url, ids, keys


@pytest.fixture(scope="module")
def client(world):
    """A TestClient over the app (rate limit high enough for the tests)."""
    url, _, _ = world
    with TestClient(create_app(url, settings=ApiSettings(rate_limit="100000/minute"))) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def headers(world):
    """Authorization headers by partner name."""
    return {name: {"Authorization": f"Bearer {key}"} for name, key in world[2].items()}
