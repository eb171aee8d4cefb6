"""Settings of the dashboard: where its operational layers live and how they are marked.

Read from ``PLUMEWATCH_DASHBOARD_*`` environment variables (pydantic-settings), so
``plumewatch serve`` picks them up without new options.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from plumewatch.share.policy import parse_release_codes, parse_tlp


class DashboardSettings(BaseSettings):
    """What the dashboard shows beyond the partner API.

    ``layers_dir`` holds the operational layers: ``tracks/`` (telemetry logs: .csv, .klv, .bin,
    .gpx), ``plans/`` (mission plans as GeoJSON, as ``plumewatch plan`` writes them) and
    ``airspace/`` (permitted volumes: GeoJSON or OpenAir). Those layers and the catalog's
    overflight footprints carry no marking of their own: they are released under
    ``operational_tlp`` and ``operational_release_to`` by the same policy as sites.
    """

    model_config = SettingsConfigDict(env_prefix="PLUMEWATCH_DASHBOARD_", frozen=True)

    layers_dir: Path | None = None
    operational_tlp: str = "amber"
    operational_release_to: Annotated[tuple[str, ...], NoDecode] = ()

    @field_validator("operational_tlp")
    @classmethod
    def _tlp(cls, value: str) -> str:
        return parse_tlp(value)

    @field_validator("operational_release_to", mode="before")
    @classmethod
    def _codes(cls, value: object) -> tuple[str, ...]:
        return parse_release_codes(value if isinstance(value, list | tuple) or value is None else str(value))
