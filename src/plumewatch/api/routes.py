"""The partner API's JSON and export endpoints. Every answer passes policy for the caller and is audited.

An id the caller may not see answers 404 exactly as an id that does not exist, so ids cannot be
probed. Lists, exports and feeds are bulk releases (never TLP:RED); a single site or plume asked
for by id is not.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse

from plumewatch.api.access import audit_answer, query_time, visible_plume
from plumewatch.api.auth import PartnerDep, StoreDep
from plumewatch.api.products import releasable_products
from plumewatch.api.schemas import (
    ObservationOut,
    PartnerOut,
    PlumeOut,
    PlumePage,
    SiteDetailOut,
    SiteOut,
    SitePage,
)
from plumewatch.errors import InputFileError, SharingError
from plumewatch.share.export import FORMATS, render
from plumewatch.share.policy import TLP_LEVELS, BBox, parse_bbox
from plumewatch.share.release import (
    in_bbox,
    make_release,
    marked_objects,
    redact_observations,
    releasable_plumes,
    releasable_sites,
)
from plumewatch.share.site_report import enhancement_layer, site_report_html
from plumewatch.share.store import ShareStore
from plumewatch.sites.records import SITE_STATUSES

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1")

FormatName = Literal[tuple(FORMATS)]  # type: ignore[valid-type]
Status = Literal[SITE_STATUSES]  # type: ignore[valid-type]
Tlp = Literal[TLP_LEVELS]  # type: ignore[valid-type]
BBoxText = Annotated[
    str | None,
    Query(description="W,S,E,N in degrees (W > E crosses the antimeridian)", examples=["-104,31,-102,33"]),
]
Limit = Annotated[int, Query(ge=1, le=1000, description="items per page")]
Offset = Annotated[int, Query(ge=0, le=10**9, description="items to skip")]
NOT_FOUND = {404: {"description": "no such item, or not releasable to the caller"}}


def _bbox(text: str | None) -> BBox | None:
    if text is None:
        return None
    try:
        return parse_bbox(text.split(","))
    except SharingError as err:
        raise RequestValidationError(
            [{"loc": ("query", "bbox"), "msg": str(err), "type": "value_error", "input": text}]
        ) from None


def _page(items: list, limit: int, offset: int) -> tuple[list, dict]:
    """The items on the page at ``offset``, and the ``Page`` fields that place it in the whole answer."""
    end = offset + limit
    place = {"total": len(items), "limit": limit, "offset": offset}
    return items[offset:end], place | {"next_offset": end if end < len(items) else None}


@router.get("/me", response_model=PartnerOut, tags=["partner"])
def me(partner: PartnerDep, store: StoreDep, request: Request) -> PartnerOut:
    """The calling partner: its highest TLP label, release codes and limits."""
    audit_answer(store, request, partner.name, [])
    return PartnerOut.of(partner)


@router.get("/sites", response_model=SitePage, tags=["sites"])
def list_sites(
    partner: PartnerDep,
    store: StoreDep,
    request: Request,
    gas: str | None = None,
    status: Status | None = None,
    tlp: Tlp | None = None,
    bbox: BBoxText = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> SitePage:
    """Sites the caller may receive, filtered (gas, status, marking, box, detection time) and paged."""
    box = _bbox(bbox)
    sites = store.catalog.sites(gas=gas, status=status, since=query_time(since), until=query_time(until))
    sites = [
        s
        for s in releasable_sites(sites, partner, bulk=True)
        if in_bbox(s.lon_deg, s.lat_deg, box) and (tlp is None or s.tlp == tlp)
    ]
    page, place = _page(sites, limit, offset)
    audit_answer(store, request, partner.name, [(s.site_id, s.tlp) for s in page])
    return SitePage(items=[SiteOut.of(s) for s in page], **place)


def _visible_detail(store: ShareStore, partner, site_id: str):
    detail = store.site_detail(site_id)
    if detail is None or not releasable_sites([detail.summary], partner, bulk=False):
        raise HTTPException(404, f"no site {site_id!r}")
    plumes = releasable_plumes(detail.plumes, [detail.summary], partner, bulk=False)
    return detail, plumes


@router.get("/sites/{site_id}", response_model=SiteDetailOut, responses=NOT_FOUND, tags=["sites"])
def get_site(site_id: str, partner: PartnerDep, store: StoreDep, request: Request) -> SiteDetailOut:
    """One site with its overflight history (seen / clean) and the plumes the caller may receive."""
    detail, plumes = _visible_detail(store, partner, site_id)
    shown = {p.plume_id for p in plumes}
    audit_answer(store, request, partner.name, marked_objects([detail.summary], plumes))
    return SiteDetailOut(
        site=SiteOut.of(detail.summary),
        observations=[ObservationOut.of(o) for o in redact_observations(detail.observations, shown)],
        plumes=[PlumeOut.of(p) for p in plumes],
    )


@router.get("/sites/{site_id}/report", response_class=HTMLResponse, responses=NOT_FOUND, tags=["sites"])
def site_report(site_id: str, partner: PartnerDep, store: StoreDep, request: Request) -> HTMLResponse:
    """A self-contained HTML report of one site: map, plume images, emission history, detection table."""
    detail, plumes = _visible_detail(store, partner, site_id)
    shown = {(p.scene_name, p.gas) for p in plumes}
    products = [
        prod
        for prod, _ in releasable_products(request, partner, store)
        if (prod.scene_name, prod.gas) in shown
    ]
    layers = []
    if products:
        latest = max(products, key=lambda prod: prod.acquired)
        try:
            layers = [enhancement_layer(latest.path)]
        except InputFileError as err:
            log.warning("report of %s without enhancement: %s", site_id, err)
    audit_answer(store, request, partner.name, marked_objects([detail.summary], plumes), action="report")
    return HTMLResponse(site_report_html(detail, plumes, recipient=partner.name, layers=layers))


@router.get("/sites/{site_id}/export/{fmt}", responses=NOT_FOUND, tags=["exports"])
def export_site(
    site_id: str, fmt: FormatName, partner: PartnerDep, store: StoreDep, request: Request
) -> Response:
    """One site and its plumes in a share format (a single item: not a bulk release)."""
    detail, plumes = _visible_detail(store, partner, site_id)
    release = make_release(partner, [detail.summary], plumes, bulk=False, created=store.clock())
    return _export_response(store, request, partner.name, release, fmt, f"{site_id}")


@router.get("/export/{fmt}", tags=["exports"])
def export_all(
    fmt: FormatName,
    partner: PartnerDep,
    store: StoreDep,
    request: Request,
    gas: str | None = None,
    status: Status | None = None,
    bbox: BBoxText = None,
    since: datetime | None = None,
) -> Response:
    """Every site and plume the caller may receive, in a share format (STIX, GeoJSON, KML, KMZ, CoT, CSV)."""
    release = store.release(partner, since=query_time(since), bbox=_bbox(bbox), gas=gas, status=status)
    return _export_response(store, request, partner.name, release, fmt, "plumewatch-release")


def _export_response(
    store: ShareStore, request: Request, partner: str, release, fmt: str, stem: str
) -> Response:
    spec = FORMATS[fmt]
    payload = render(release, fmt)
    audit_answer(
        store,
        request,
        partner,
        marked_objects(release.sites, release.plumes),
        action="export",
        format=fmt,
        channel="api",
    )
    return Response(
        payload,
        media_type=spec.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{stem}{spec.suffix}"',
            "X-TLP": release.tlp.upper(),
        },
    )


@router.get("/plumes", response_model=PlumePage, tags=["plumes"])
def list_plumes(
    partner: PartnerDep,
    store: StoreDep,
    request: Request,
    site_id: str | None = None,
    gas: str | None = None,
    bbox: BBoxText = None,
    since: datetime | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> PlumePage:
    """Plumes the caller may receive (each only with its site), filtered and paged."""
    box = _bbox(bbox)
    sites = releasable_sites(store.catalog.sites(), partner, bulk=True)
    if site_id is not None:
        sites = [s for s in sites if s.site_id == site_id]
    plumes = store.plumes(site_ids=[s.site_id for s in sites], gas=gas, since=query_time(since))
    plumes = [
        p
        for p in releasable_plumes(plumes, sites, partner, bulk=True)
        if in_bbox(p.source_lon_deg, p.source_lat_deg, box)
    ]
    page, place = _page(plumes, limit, offset)
    audit_answer(store, request, partner.name, [(p.plume_id, p.tlp) for p in page])
    return PlumePage(items=[PlumeOut.of(p) for p in page], **place)


@router.get("/plumes/{plume_id}", response_model=PlumeOut, responses=NOT_FOUND, tags=["plumes"])
def get_plume(plume_id: str, partner: PartnerDep, store: StoreDep, request: Request) -> PlumeOut:
    """One plume, if the caller may receive it and its site."""
    plume = visible_plume(store, partner, plume_id)
    audit_answer(store, request, partner.name, [(plume_id, plume.tlp)])
    return PlumeOut.of(plume)
