"""Product downloads: detection GeoTIFF/COGs and their STAC items, for the partners who may have them."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse

from plumewatch.api.auth import PartnerDep, StoreDep
from plumewatch.api.schemas import ProductList, ProductOut
from plumewatch.share.policy import Partner
from plumewatch.share.products import Product, find_products, product_plumes, product_releasable, product_tlp
from plumewatch.share.store import ShareStore

router = APIRouter(prefix="/api/v1/products", tags=["products"])
COG_MEDIA_TYPE = "image/tiff; application=geotiff; profile=cloud-optimized"
NOT_FOUND = {404: {"description": "no such product, or not releasable to the caller"}}


def releasable_products(request: Request, partner: PartnerDep, store: StoreDep) -> list[tuple[Product, str]]:
    """(product, marking) for every product the caller may download; none without a products folder."""
    folder = request.app.state.settings.products_dir
    if folder is None or not folder.is_dir():
        return []
    products = find_products(folder, store.overflights())
    if not products:
        return []
    plumes = store.plumes()
    sites = store.catalog.sites()
    chosen = []
    for product in products:
        shown = product_plumes(product, plumes)
        if product_releasable(product, shown, sites, partner):
            chosen.append((product, product_tlp(shown)))
    return chosen


Releasable = Annotated[list[tuple[Product, str]], Depends(releasable_products)]


def _audit(store: ShareStore, request: Request, partner: Partner, chosen, action: str = "api.read") -> None:
    store.record(
        action,
        actor=f"api:{partner.name}",
        partner=partner.name,
        objects=[(p.product_id, tlp) for p, tlp in chosen],
        detail={"path": request.url.path},
    )


def _one(chosen, product_id: str) -> tuple[Product, str]:
    found = [(p, tlp) for p, tlp in chosen if p.product_id == product_id]
    if not found:
        raise HTTPException(404, f"no product {product_id!r}")
    return found[0]


@router.get("", response_model=ProductList)
def list_products(chosen: Releasable, partner: PartnerDep, store: StoreDep, request: Request) -> ProductList:
    """Products the caller may download, with their markings and footprints."""
    _audit(store, request, partner, chosen)
    return ProductList(
        items=[
            ProductOut(
                product_id=p.product_id,
                scene_name=p.scene_name,
                gas=p.gas,
                tlp=tlp,
                bbox=list(p.bbox),
                acquired=p.acquired,
                href=str(request.url_for("download_product", product_id=p.product_id)),
                stac_href=str(request.url_for("product_stac", product_id=p.product_id))
                if p.stac_path
                else None,
            )
            for p, tlp in chosen
        ]
    )


@router.get("/{product_id}", response_class=FileResponse, responses=NOT_FOUND, name="download_product")
def download_product(
    product_id: str, chosen: Releasable, partner: PartnerDep, store: StoreDep, request: Request
) -> FileResponse:
    """The product file (GeoTIFF/COG)."""
    product, tlp = _one(chosen, product_id)
    _audit(store, request, partner, [(product, tlp)], action="export")
    return FileResponse(
        product.path, media_type=COG_MEDIA_TYPE, filename=product.path.name, headers={"X-TLP": tlp.upper()}
    )


@router.get("/{product_id}/stac", responses=NOT_FOUND, name="product_stac")
def product_stac(
    product_id: str, chosen: Releasable, partner: PartnerDep, store: StoreDep, request: Request
) -> JSONResponse:
    """The product's STAC item, its data asset pointing at this API's download."""
    product, tlp = _one(chosen, product_id)
    if product.stac_path is None:
        raise HTTPException(404, f"no STAC item for product {product_id!r}")
    item = json.loads(product.stac_path.read_text(encoding="utf-8"))
    download = str(request.url_for("download_product", product_id=product_id))
    for asset in item.get("assets", {}).values():
        if asset.get("href", "").endswith(product.path.name):
            asset["href"] = download
    item.setdefault("properties", {})["plumewatch:tlp"] = tlp
    _audit(store, request, partner, [(product, tlp)])
    return JSONResponse(item, media_type="application/geo+json")
