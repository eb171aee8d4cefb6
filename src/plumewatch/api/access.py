"""What the API's routers share about a request: its query times, the item by id it may see, its audit.

The partner API, TAXII and the dashboard answer through these, so that a plume asked for by id
passes the same policy everywhere and every answer is audited the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from fastapi import HTTPException, Request

from plumewatch.share.policy import Partner
from plumewatch.share.release import as_utc, releasable_plumes, releasable_sites
from plumewatch.share.store import ShareStore
from plumewatch.sites.records import PlumeRecord


def query_time(moment: datetime | None) -> datetime | None:
    """A time from a query parameter as an aware UTC datetime (naive taken as UTC), or None if not given."""
    return as_utc(moment) if moment is not None else None


def audit_answer(
    store: ShareStore,
    request: Request,
    partner: str,
    objects: Iterable[tuple[str, str]],
    action: str = "api.read",
    **detail,
) -> None:
    """Append the audit entry of one answered request: (id, marking) of what it gave, its path and query."""
    store.record(
        action,
        actor=f"api:{partner}",
        partner=partner,
        objects=objects,
        detail={"path": request.url.path, "query": str(request.query_params), **detail},
    )


def visible_plume(store: ShareStore, partner: Partner, plume_id: str) -> PlumeRecord:
    """The plume if the caller may receive it and its site as single items (not bulk), else HTTP 404."""
    found = store.plumes(plume_ids=[plume_id])
    site = store.site_detail(found[0].site_id) if found else None
    sites = releasable_sites([site.summary], partner, bulk=False) if site is not None else []
    if not found or not releasable_plumes(found, sites, partner, bulk=False):
        raise HTTPException(404, f"no plume {plume_id!r}")
    return found[0]
