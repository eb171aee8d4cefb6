"""STAC items for product COGs (pystac), validated offline.

One item per product COG: geometry = outline of the valid cells in WGS84, the
acquisition time, ``plumewatch:*`` properties (gas, method, units, scene) and the
projection extension (``proj:code``, ``proj:shape``, ``proj:transform``, ``proj:bbox``)
so STAC browsers and QGIS place it. pystac bundles the core STAC and GeoJSON schemas;
the projection extension's schema ships in ``io/data/stac-schemas`` so validation
never needs the network.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import pystac
import rasterio
import shapely
from pystac.extensions.projection import SCHEMA_URI as PROJECTION_SCHEMA_URI
from pystac.extensions.projection import ProjectionExtension
from pystac.validation import JsonSchemaSTACValidator
from rasterio.features import shapes
from shapely.geometry import mapping, shape
from shapely.ops import unary_union

from plumewatch.atomic import atomic_path
from plumewatch.errors import InputFileError

PROPERTY_PREFIX = "plumewatch:"


def stac_item_for(
    cog_path: str | Path,
    *,
    item_id: str | None = None,
    acquired: datetime,
    properties: dict[str, Any] | None = None,
) -> pystac.Item:
    """A STAC item for a product COG; ``properties`` are stored as ``plumewatch:<key>``."""
    cog_path = Path(cog_path)
    try:
        with rasterio.open(cog_path) as src:
            footprint = _footprint_wgs84(src)
            crs = pyproj.CRS.from_user_input(src.crs.to_wkt())
            shape_hw = [src.height, src.width]
            transform = list(src.transform)[:6]
            bounds = list(src.bounds)
            tags = src.tags()
    except rasterio.errors.RasterioIOError as err:
        raise InputFileError(cog_path, f"not a readable GeoTIFF ({err})") from None
    props = {f"{PROPERTY_PREFIX}{k}": v for k, v in {**_plumewatch_tags(tags), **(properties or {})}.items()}
    item = pystac.Item(
        id=item_id or cog_path.stem,
        geometry=mapping(footprint),
        bbox=list(footprint.bounds),
        datetime=acquired,
        properties=props,
    )
    item.add_asset(
        "data",
        pystac.Asset(
            href=f"./{cog_path.name}",
            media_type=pystac.MediaType.COG,
            roles=["data"],
            title="enhancement and 1-sigma uncertainty (ppm m), bands 1 and 2",
        ),
    )
    projection = ProjectionExtension.ext(item, add_if_missing=True)
    epsg = crs.to_epsg()
    projection.code = f"EPSG:{epsg}" if epsg else None
    if epsg is None:
        projection.wkt2 = crs.to_wkt()
    projection.shape = shape_hw
    projection.transform = transform
    projection.bbox = bounds
    return item


def write_stac_item(path: str | Path, item: pystac.Item) -> Path:
    """Write the item as JSON (atomic, no self link so the folder can move); returns the path."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(item.to_dict(include_self_link=False), indent=2), encoding="utf-8")
    return path


def validate_item(item: pystac.Item | dict) -> list[str]:
    """Validate against the STAC core and extension schemas without the network; returns the schema URIs used.

    Raises ``pystac.errors.STACValidationError`` when the item does not conform.
    """
    document = item.to_dict(include_self_link=False) if isinstance(item, pystac.Item) else item
    return pystac.validation.validate_dict(document, validator=offline_validator())


@cache
def offline_validator() -> JsonSchemaSTACValidator:
    """pystac's JSON-schema validator with the shipped extension schemas preloaded."""
    validator = JsonSchemaSTACValidator()
    schema = resources.files("plumewatch.io").joinpath("data/stac-schemas/projection-v2.0.0.json")
    validator.schema_cache[PROJECTION_SCHEMA_URI] = json.loads(schema.read_text(encoding="utf-8"))
    return validator


def _footprint_wgs84(src):
    band = src.read(1, masked=True)
    valid = (~np.ma.getmaskarray(band)).astype(np.uint8)
    if not valid.any():
        raise InputFileError(src.name, "product has no valid cells: no footprint")
    polygons = [
        shape(geom)
        for geom, value in shapes(valid, mask=valid.astype(bool), transform=src.transform)
        if value == 1
    ]
    outline = unary_union(polygons)
    to_wgs84 = pyproj.Transformer.from_crs(src.crs.to_wkt(), 4326, always_xy=True)

    def project(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(to_wgs84.transform(xy[:, 0], xy[:, 1]))

    return shapely.transform(outline.simplify(abs(src.transform.a)), project).buffer(0)


def _plumewatch_tags(tags: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in tags.items() if k not in ("AREA_OR_POINT", "OVERVIEW_RESAMPLING")}
