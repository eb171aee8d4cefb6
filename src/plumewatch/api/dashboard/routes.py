"""Dashboard-only JSON: map layers the partner API does not serve, and the dashboard's configuration.

Every answer passes the same policy as the partner API (``plumewatch.share``) for the caller and
is audited like an API read. Operational layers (footprints, tracks, plans, airspace) are marked
by ``DashboardSettings.operational_tlp``; a feature is withheld whole when policy stops it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field
from shapely import wkt
from shapely.geometry import mapping

from plumewatch.api.access import audit_answer, query_time, visible_plume
from plumewatch.api.auth import PartnerDep, StoreDep
from plumewatch.api.dashboard.layers import LAYER_KINDS, layer_files
from plumewatch.api.dashboard.rasters import find_product, plume_overlay
from plumewatch.api.dashboard.state import dashboard_state
from plumewatch.errors import PlumewatchError
from plumewatch.share.export import FORMATS
from plumewatch.share.policy import TLP_LEVELS, Item, Partner, decide
from plumewatch.share.release import as_utc
from plumewatch.share.store import ShareStore
from plumewatch.sites.records import SITE_STATUSES

router = APIRouter(prefix="/api/v1/dashboard", tags=["dashboard"])

LayerKind = Literal["footprints", "tracks", "plans", "airspace"]
NOT_FOUND = {404: {"description": "no such plume, not releasable to the caller, or no product for it"}}


class DashboardConfig(BaseModel):
    """What the dashboard may offer this caller: share formats, vocabularies and the layers present."""

    formats: list[str] = Field(description="share formats of /api/v1/sites/{id}/export/{fmt}")
    tlp_levels: list[str]
    statuses: list[str]
    layers: list[str] = Field(description="operational layers with data: footprints, tracks, plans, airspace")
    enhancement: bool = Field(description="whether detection products are available for plume overlays")


class EnhancementOut(BaseModel):
    """Where a plume's enhancement overlay goes: W S E N degrees, colour scale 0..vmax ppm·m, marking."""

    plume_id: str
    bounds_deg: list[float]
    vmax_ppmm: float
    colormap: str
    units: str = "ppm m"
    tlp: str
    image_href: str


@router.get("/config", response_model=DashboardConfig)
def config(partner: PartnerDep, request: Request) -> DashboardConfig:
    """Share formats, TLP labels, statuses and which map layers hold data."""
    state = dashboard_state(request.app)
    layers = ["footprints"] + [kind for kind in LAYER_KINDS if layer_files(state.settings.layers_dir, kind)]
    return DashboardConfig(
        formats=list(FORMATS),
        tlp_levels=list(TLP_LEVELS),
        statuses=list(SITE_STATUSES),
        layers=layers,
        enhancement=state.products_dir is not None,
    )


@router.get(
    "/layers/{kind}",
    response_class=Response,
    responses={200: {"content": {"application/geo+json": {}}, "description": "a FeatureCollection"}},
)
def layer(
    kind: LayerKind,
    partner: PartnerDep,
    store: StoreDep,
    request: Request,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Response:
    """One operational layer as GeoJSON: features the caller may receive (footprints in [since, until])."""
    state = dashboard_state(request.app)
    tlp, release_to = state.settings.operational_tlp, state.settings.operational_release_to
    marking = {"tlp": tlp, "release_to": list(release_to)}
    features: list[dict[str, Any]] = []
    objects: list[tuple[str, str]] = []
    if kind == "footprints":
        for f in state.footprints().footprints(since=query_time(since), until=query_time(until)):
            if _allowed(partner, tlp, release_to, f.bbox):
                properties = {
                    "scene_name": f.scene_name,
                    "acquired": as_utc(f.acquired).isoformat(),
                    "gases": list(f.gases),
                    "n_plumes": f.n_plumes,
                    **marking,
                }
                features.append(
                    {
                        "type": "Feature",
                        "geometry": mapping(wkt.loads(f.footprint_wkt)),
                        "properties": properties,
                    }
                )
                objects.append((f.scene_name, tlp))
    else:
        for found in layer_files(state.settings.layers_dir, kind):
            if _allowed(partner, tlp, release_to, found.bbox):
                features.extend(
                    {**f, "properties": {**f["properties"], "file": found.name, **marking}}
                    for f in found.features
                )
                objects.append((f"{kind}/{found.name}", tlp))
    audit_answer(store, request, partner.name, objects)
    body = {"type": "FeatureCollection", "features": features}
    return Response(_json(body), media_type="application/geo+json", headers={"X-TLP": tlp.upper()})


def _allowed(partner: Partner, tlp: str, release_to: tuple[str, ...], bbox: tuple[float, ...]) -> bool:
    west, south, east, north = bbox
    return decide(Item(tlp, release_to, (west, south, east, north)), partner, bulk=True).allowed


@router.get("/plumes/{plume_id}/enhancement", response_model=EnhancementOut, responses=NOT_FOUND)
def enhancement(plume_id: str, partner: PartnerDep, store: StoreDep, request: Request) -> EnhancementOut:
    """Where the plume's enhancement overlay goes on the map, and its colour scale."""
    plume, overlay = _overlay(plume_id, partner, store, request)
    return EnhancementOut(
        plume_id=plume_id,
        bounds_deg=list(overlay.bounds_deg),
        vmax_ppmm=overlay.vmax_ppmm,
        colormap=overlay.colormap,
        tlp=plume.tlp,
        image_href=str(request.url_for("enhancement_png", plume_id=plume_id).path),
    )


@router.get(
    "/plumes/{plume_id}/enhancement.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "the overlay"}, **NOT_FOUND},
)
def enhancement_png(plume_id: str, partner: PartnerDep, store: StoreDep, request: Request) -> Response:
    """The plume's enhancement (ppm·m) as a colour PNG; transparent outside the plume."""
    plume, overlay = _overlay(plume_id, partner, store, request)
    return Response(
        overlay.png,
        media_type="image/png",
        headers={"X-TLP": plume.tlp.upper(), "Cache-Control": "private, max-age=300"},
    )


def _overlay(plume_id: str, partner: Partner, store: ShareStore, request: Request):
    plume = visible_plume(store, partner, plume_id)
    product = find_product(dashboard_state(request.app).products_dir, plume.scene_name, plume.gas)
    if product is None:
        raise HTTPException(404, f"no enhancement product for plume {plume_id!r}")
    try:
        overlay = plume_overlay(product, plume.outline_wkt, plume.max_ppmm)
    except PlumewatchError as err:
        raise HTTPException(404, f"no enhancement image for plume {plume_id!r}: {err}") from None
    audit_answer(store, request, partner.name, [(plume_id, plume.tlp)])
    return plume, overlay


def _json(body: dict) -> bytes:
    return json.dumps(body, separators=(",", ":"), allow_nan=False).encode("utf-8")
