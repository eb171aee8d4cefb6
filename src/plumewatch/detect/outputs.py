"""Detection products on disk: `<stem>_<gas>.tif` (enhancement, sigma) and `<stem>_<gas>.json`."""

from __future__ import annotations

import json
from pathlib import Path

from plumewatch.atomic import atomic_path
from plumewatch.detect.retrieval import Retrieval
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


def _write_json_atomic(path: Path, document: dict) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(document, indent=2, default=str))
