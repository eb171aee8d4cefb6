"""Render a release in any share format: bytes (for the API) or an atomically written file (for the CLI)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from plumewatch.atomic import atomic_path
from plumewatch.errors import SharingError
from plumewatch.share.cot import COT_MEDIA_TYPE, release_cot
from plumewatch.share.features import release_feature_collection
from plumewatch.share.kml import KML_MEDIA_TYPE, KMZ_MEDIA_TYPE, release_kml, release_kmz
from plumewatch.share.release import Release
from plumewatch.share.stix import STIX_MEDIA_TYPE, bundle_json
from plumewatch.share.table import CSV_MEDIA_TYPE, release_csv


@dataclass(frozen=True)
class Format:
    """One share format: how to render it, its media type and file suffix."""

    name: str
    media_type: str
    suffix: str
    render: Callable[[Release], bytes]


FORMATS = {
    f.name: f
    for f in (
        Format("stix", STIX_MEDIA_TYPE, ".json", lambda r: bundle_json(r).encode("utf-8")),
        Format(
            "geojson",
            "application/geo+json",
            ".geojson",
            lambda r: json.dumps(release_feature_collection(r), indent=1).encode("utf-8"),
        ),
        Format("kml", KML_MEDIA_TYPE, ".kml", lambda r: release_kml(r).encode("utf-8")),
        Format("kmz", KMZ_MEDIA_TYPE, ".kmz", release_kmz),
        Format("cot", COT_MEDIA_TYPE, ".cot", release_cot),
        Format("csv", CSV_MEDIA_TYPE, ".csv", lambda r: release_csv(r).encode("utf-8")),
    )
}


def get_format(name: str) -> Format:
    """The share format called ``name``; SharingError for an unknown one."""
    try:
        return FORMATS[name.lower()]
    except KeyError:
        raise SharingError(f"unknown share format {name!r}: use one of {', '.join(FORMATS)}") from None


def render(release: Release, fmt: str) -> bytes:
    """The release in format ``fmt`` as bytes."""
    return get_format(fmt).render(release)


def write_release(path: str | Path, release: Release, fmt: str) -> Path:
    """Write the release in format ``fmt`` to ``path`` atomically; returns the path."""
    payload = render(release, fmt)
    path = Path(path)
    if not path.parent.is_dir():
        raise SharingError(f"{path}: folder {path.parent} does not exist")
    with atomic_path(path) as tmp:
        tmp.write_bytes(payload)
    return path
