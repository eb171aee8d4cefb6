"""Detection products on disk: `<stem>_<gas>.tif` (enhancement, sigma) + `.json`, and the identity map."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np

from plumewatch.atomic import atomic_path
from plumewatch.detect.retrieval import Retrieval
from plumewatch.errors import InputFileError
from plumewatch.io.geotiff import write_retrieval_geotiff
from plumewatch.scene import Scene


def write_retrieval_products(out_dir: Path, scene: Scene, retrieval: Retrieval) -> tuple[Path, Path]:
    """Write the GeoTIFF and JSON sidecar for one gas; returns their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{scene.name}_{retrieval.gas}"
    tif = write_retrieval_geotiff(
        out_dir / f"{stem}.tif",
        retrieval.enhancement_ppmm,
        retrieval.uncertainty_ppmm,
        lon_deg=scene.lon_deg,
        lat_deg=scene.lat_deg,
        tags={"gas": retrieval.gas, "method": retrieval.method, "units": "ppm m", "scene": scene.name},
    )
    sidecar = out_dir / f"{stem}.json"
    document = {"scene": scene.name, "source": str(scene.path), "gas": retrieval.gas, **retrieval.info}
    _write_json_atomic(sidecar, document)
    return tif, sidecar


def write_orthorectified_products(
    out_dir: Path, scene: Scene, retrieval: Retrieval, *, acquired: datetime | None = None
) -> tuple[Path, Path]:
    """Write `<stem>_<gas>_ortho.tif` (a UTM Cloud-Optimized GeoTIFF) and its STAC item; returns both paths.

    The line x sample product keeps the detector's grid; this one is resampled onto a north-up map
    grid so that QGIS, GDAL and STAC browsers open it directly.
    """
    from plumewatch.io.cog import write_cog
    from plumewatch.io.stac import stac_item_for, write_stac_item

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{scene.name}_{retrieval.gas}_ortho"
    cog = write_cog(
        out_dir / f"{stem}.tif",
        retrieval.enhancement_ppmm,
        retrieval.uncertainty_ppmm,
        lon_deg=scene.lon_deg,
        lat_deg=scene.lat_deg,
        crs="utm",
        tags={"gas": retrieval.gas, "method": retrieval.method, "units": "ppm m", "scene": scene.name},
    )
    when = acquired or scene.acquired
    if when is None:
        raise InputFileError(scene.path, "no acquisition time: a STAC item needs one (give it in the header)")
    item = stac_item_for(
        cog,
        acquired=when,
        properties={"gas": retrieval.gas, "method": retrieval.method, "scene": scene.name},
    )
    return cog, write_stac_item(out_dir / f"{stem}.stac.json", item)


def _write_json_atomic(path: Path, document: dict) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(document, indent=2, default=str))


def write_identity_products(
    out_dir: Path,
    scene: Scene,
    index: np.ndarray,
    confidence: np.ndarray,
    gases: list[str],
    valid: np.ndarray | None = None,
) -> tuple[Path, Path]:
    """Write `<stem>_identity.tif` (band 1 gas index, 0 = none; band 2 confidence 0-1) and its JSON map.

    Both bands are float32 (a GeoTIFF holds one data type); band 1 holds whole numbers. Pixels
    outside ``valid`` (every gas masked there) are no-data (-9999) in both bands.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    keep = np.ones(np.shape(index), dtype=bool) if valid is None else np.asarray(valid, dtype=bool)
    tif = write_retrieval_geotiff(
        out_dir / f"{scene.name}_identity.tif",
        np.where(keep, index, np.nan).astype(np.float32),
        np.where(keep, confidence, np.nan).astype(np.float32),
        lon_deg=scene.lon_deg,
        lat_deg=scene.lat_deg,
        tags={
            "product": "gas identity",
            "band_1": "1-based gas index, 0 = no gas; names in the sidecar JSON",
            "band_2": "confidence 0-1: posterior probability of the band-1 gas",
            "scene": scene.name,
        },
        band_names=("gas_index", "confidence"),
        units=("1", "1"),
    )
    sidecar = out_dir / f"{scene.name}_identity.json"
    counts = {gas: int(((index == i) & keep).sum()) for i, gas in enumerate(gases, start=1)}
    _write_json_atomic(
        sidecar,
        {
            "scene": scene.name,
            "gases": {str(i): g for i, g in enumerate(gases, start=1)},
            "pixels_per_gas": counts,
            "no_gas_index": 0,
        },
    )
    return tif, sidecar
