"""The real app under uvicorn in a thread on a free localhost port, and headless Debian Chromium.

Imported by tests/dashboard/conftest.py, docs/figures/make_dashboard_screenshots.py and
benchmarks/dashboard_filter.py.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from plumewatch.api.app import create_app
from plumewatch.api.dashboard import DashboardSettings
from plumewatch.api.settings import ApiSettings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
START_TIMEOUT_S = 30.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serve(url: str, *, products_dir: Path | None, layers_dir: Path | None) -> Iterator[str]:
    """Run `plumewatch serve`'s app over ``url`` until the block ends; yields its base URL."""
    app = create_app(
        url,
        settings=ApiSettings(rate_limit="100000/minute", products_dir=products_dir),
        dashboard=DashboardSettings(layers_dir=layers_dir),
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the dashboard server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=START_TIMEOUT_S)


@contextmanager
def chromium() -> Iterator[object]:
    """Debian's headless Chromium driven by Playwright (never Playwright's own browser builds)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page, base_url: str, key: str, *, state: str = "ready", timeout_ms: float = 60_000) -> None:
    """Open the dashboard, enter the API key on its login screen and wait until the map is ready."""
    page.goto(f"{base_url}/dashboard/")
    page.wait_for_selector("body[data-state=login]")
    page.fill("#api-key", key)
    page.click("form.login button[type=submit]")
    page.wait_for_selector(f"body[data-state={state}]", timeout=timeout_ms)
