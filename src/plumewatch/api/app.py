"""The FastAPI app: `create_app(db_url)` builds the partner API, TAXII 2.1 and the OAuth2 token endpoint.

Routers are added in ``create_app``; a dashboard (static files) can be mounted on the returned app
with ``app.mount(...)`` or by adding a router, without touching the API modules.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from fastapi_offline import FastAPIOffline

from plumewatch import __version__
from plumewatch.api import products, routes, taxii
from plumewatch.api.auth import StoreDep
from plumewatch.api.dashboard import mount_dashboard
from plumewatch.api.dashboard.settings import DashboardSettings
from plumewatch.api.ratelimit import RateLimiter
from plumewatch.api.schemas import TokenOut
from plumewatch.api.settings import ApiSettings
from plumewatch.errors import SharingError
from plumewatch.share.stix import EXTENSION_SCHEMA_FILES, extension_schema
from plumewatch.share.store import Clock, ShareStore, utc_now

log = logging.getLogger(__name__)

basic = HTTPBasic(auto_error=False)


def create_app(
    db_url: str,
    *,
    settings: ApiSettings | None = None,
    dashboard: DashboardSettings | None = None,
    clock: Clock = utc_now,
) -> FastAPI:
    """The partner API and dashboard over the catalog at ``db_url`` (opened now, closed at shutdown)."""
    settings = settings or ApiSettings()
    store = ShareStore(db_url, clock=clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        store.close()

    # Swagger UI and ReDoc from the package, not a CDN: field deployments are offline.
    app = FastAPIOffline(
        title=settings.title,
        version=__version__,
        lifespan=lifespan,
        description=(
            "Sites, plumes and products releasable to the calling partner under TLP 2.0, in JSON and "
            "share formats, and as a TAXII 2.1 collection. Authenticate with `Authorization: Bearer "
            "KEY` (the partner API key) or with an access token from `/oauth/token`."
        ),
    )
    app.state.store = store
    app.state.settings = settings
    app.state.limiter = RateLimiter(settings.rate_limit)
    app.include_router(routes.router)
    app.include_router(products.router)
    app.include_router(taxii.router)
    mount_dashboard(app, dashboard)

    @app.exception_handler(SharingError)
    async def sharing_error(request: Request, err: SharingError) -> JSONResponse:
        return JSONResponse(
            {"detail": [{"loc": [], "msg": str(err), "type": "value_error"}]}, status_code=422
        )

    @app.post(
        "/oauth/token",
        response_model=TokenOut,
        tags=["partner"],
        responses={401: {"description": "unknown client or wrong secret"}},
    )
    def token(
        store: StoreDep,
        grant_type: Annotated[str, Form(pattern="^client_credentials$")],
        client_id: Annotated[str | None, Form(max_length=100)] = None,
        client_secret: Annotated[str | None, Form(max_length=200)] = None,
        credentials: Annotated[HTTPBasicCredentials | None, Depends(basic)] = None,
    ) -> TokenOut:
        """OAuth2 client credentials (RFC 6749 4.4): client id = partner name, secret = its API key."""
        if credentials is not None:
            client_id, client_secret = credentials.username, credentials.password
        ttl = timedelta(seconds=settings.token_ttl_s)
        issued = store.issue_token(client_id, client_secret, ttl=ttl) if client_id and client_secret else None
        if issued is None:
            raise HTTPException(
                401, "invalid client", headers={"WWW-Authenticate": 'Basic realm="plumewatch"'}
            )
        return TokenOut(access_token=issued, expires_in=settings.token_ttl_s)

    @app.get("/stix/extensions/{extension_id}", tags=["stix"], responses={404: {"description": "unknown id"}})
    def stix_extension_schema(extension_id: str) -> dict:
        """The JSON schema of one of plumewatch's STIX property extensions (public)."""
        if extension_id not in EXTENSION_SCHEMA_FILES:
            raise HTTPException(404, f"no extension {extension_id!r}")
        return extension_schema(extension_id)

    return app
