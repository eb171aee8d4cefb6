"""Detection products (one gas over one flight line: GeoTIFF/COG, STAC item) and who may have them.

A product shows every plume of its gas in its flight line, so it carries the most restrictive
marking of those plumes (TLP:AMBER, the catalog's default, when it shows none), and it is released
to a partner only when every one of those plumes could be released to it with its site, as a bulk
item (an image is never a single item asked for by id), and its footprint lies in the partner's areas.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from plumewatch.share.policy import BBox, Item, Partner, decide, most_restrictive
from plumewatch.share.release import releasable_plumes, releasable_sites
from plumewatch.sites.records import PlumeRecord, SiteSummary

DEFAULT_PRODUCT_TLP = "amber"
PRODUCT_SUFFIXES = (".tif", ".tiff")


@dataclass(frozen=True)
class Overflight:
    """What the catalog knows of a flight line: name, time and footprint box (W S E N degrees)."""

    scene_name: str
    acquired: datetime
    bbox: BBox
    gases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Product:
    """One product file of one gas over one flight line, with its STAC item when there is one."""

    product_id: str
    scene_name: str
    gas: str
    path: Path
    stac_path: Path | None
    acquired: datetime
    bbox: BBox


def _is_stac_item(path: Path) -> bool:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(document, dict) and document.get("type") == "Feature" and "stac_version" in document


def find_products(folder: Path, overflights: Iterable[Overflight]) -> list[Product]:
    """Products under ``folder`` named ``<scene>_<gas>*.tif`` for a stored flight line and a searched gas."""
    by_scene = {o.scene_name: o for o in overflights}
    files = sorted(p for p in Path(folder).rglob("*") if p.is_file())
    items = [p for p in files if p.suffix == ".json" and _is_stac_item(p)]
    products = []
    for path in (p for p in files if p.suffix.lower() in PRODUCT_SUFFIXES):
        for scene, overflight in by_scene.items():
            if not path.stem.startswith(f"{scene}_"):
                continue
            gas = path.stem[len(scene) + 1 :].split("_")[0].split(".")[0].lower()
            if gas not in overflight.gases:
                continue
            stac = next((i for i in items if i.name.startswith(path.stem)), None)
            products.append(Product(path.stem, scene, gas, path, stac, overflight.acquired, overflight.bbox))
    return products


def product_plumes(product: Product, plumes: Iterable[PlumeRecord]) -> list[PlumeRecord]:
    """The plumes a product shows: its gas, its flight line."""
    return [p for p in plumes if p.scene_name == product.scene_name and p.gas == product.gas]


def product_tlp(shown: Sequence[PlumeRecord]) -> str:
    """A product's marking: the most restrictive of the plumes it shows, the default when none."""
    return most_restrictive([p.tlp for p in shown]) if shown else DEFAULT_PRODUCT_TLP


def product_releasable(
    product: Product, shown: Sequence[PlumeRecord], sites: Sequence[SiteSummary], partner: Partner
) -> bool:
    """Whether ``partner`` may download the product (see the module docstring)."""
    item = Item(product_tlp(shown), (), product.bbox, (product.gas,))
    if not decide(item, partner, bulk=True):
        return False
    their_sites = [s for s in sites if s.site_id in {p.site_id for p in shown}]
    cleared_sites = releasable_sites(their_sites, partner, bulk=True)
    return len(releasable_plumes(shown, cleared_sites, partner, bulk=True)) == len(shown)
