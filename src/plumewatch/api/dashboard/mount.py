"""Put the dashboard on the API app: its JSON router, the built bundle under /dashboard/, and / to it."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from plumewatch.api.dashboard.routes import router
from plumewatch.api.dashboard.settings import DashboardSettings
from plumewatch.api.dashboard.state import DashboardState

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
# The bundle loads nothing from elsewhere; images may come from an online tile server the user sets.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob: https: http:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
)


class DashboardFiles(StaticFiles):
    """The bundle's static files, sent with a strict content security policy."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] += [
                    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                ]
            await send(message)

        await super().__call__(scope, receive, send_with_headers)


def mount_dashboard(app: FastAPI, settings: DashboardSettings | None = None) -> FastAPI:
    """Add the dashboard to an app made by ``plumewatch.api.app.create_app``; returns the app."""
    api_settings = app.state.settings
    state = DashboardState(
        app.state.store.catalog.url,
        settings or DashboardSettings(),
        getattr(api_settings, "products_dir", None),
    )
    app.state.dashboard = state
    app.include_router(router)
    app.mount("/dashboard", DashboardFiles(directory=STATIC_DIR, html=True), name="dashboard")

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/dashboard/")

    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI):
        async with inner(application) as value:
            yield value
        state.close()

    app.router.lifespan_context = lifespan
    log.debug("dashboard mounted from %s", STATIC_DIR)
    return app
