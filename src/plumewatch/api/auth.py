"""Who is asking: partner API keys or OAuth2 access tokens as `Authorization: Bearer ...`; then rate limits.

A missing, unknown, expired or revoked credential gets the same 401, so a caller learns nothing
about which keys exist.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from plumewatch.share.policy import Partner
from plumewatch.share.store import ShareStore

bearer = HTTPBearer(auto_error=False, description="A partner API key, or an access token from /oauth/token")


def get_store(request: Request) -> ShareStore:
    """The ShareStore the app was created with."""
    return request.app.state.store


def current_partner(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    store: Annotated[ShareStore, Depends(get_store)],
) -> Partner:
    """The partner behind the request's bearer credential, after its rate limit; 401 or 429 otherwise."""
    partner = store.authenticate(credentials.credentials) if credentials is not None else None
    if partner is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing, unknown or revoked credential",
            headers={"WWW-Authenticate": 'Bearer realm="plumewatch"'},
        )
    limiter = request.app.state.limiter
    if not limiter.hit(partner.name):
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "rate limit exceeded",
            headers={"Retry-After": str(limiter.retry_after_s(partner.name))},
        )
    return partner


PartnerDep = Annotated[Partner, Depends(current_partner)]
StoreDep = Annotated[ShareStore, Depends(get_store)]
