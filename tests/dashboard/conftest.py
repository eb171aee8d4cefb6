"""Fixtures of the dashboard tests: a served world, a browser, and a folder for screenshots."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dashboard_server import chromium, serve  # noqa: E402
from dashboard_world import build_world  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"


@pytest.fixture(scope="session")
def world(tmp_path_factory):
    """The small world: six sites, six overflights, products, layers and three partners."""
    return build_world(tmp_path_factory.mktemp("dashboard-world"))


@pytest.fixture(scope="session")
def base_url(world):
    """The base URL of the real app serving ``world``."""
    with serve(world.url, products_dir=world.products_dir, layers_dir=world.layers_dir) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser):
    """A fresh browser context (empty session storage) and page, 1400 x 900."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture(scope="session")
def artifacts():
    """The git-ignored folder where the tests leave their screenshots."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
