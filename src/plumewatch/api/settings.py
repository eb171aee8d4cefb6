"""Settings of the API service: rate limit, token lifetime, names shown to partners, products folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ApiSettings:
    """How the service behaves; the defaults suit one agency's server.

    ``rate_limit`` is per API key or token holder, in the `limits` library's notation
    ("120/minute", "10/second"); ``products_dir`` holds detection products (GeoTIFF/COG, STAC).
    """

    rate_limit: str = "120/minute"
    token_ttl_s: int = 3600
    producer: str = "plumewatch"
    title: str = "plumewatch partner API"
    products_dir: Path | None = None
