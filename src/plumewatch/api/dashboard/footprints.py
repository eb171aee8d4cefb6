"""Overflight footprints from the catalog: where each flight line looked, and when."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from plumewatch.sites.models import OverflightRow
from plumewatch.sites.storage import open_engine, translate_errors

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Footprint:
    """One overflight: scene, time (UTC), gases searched, footprint WKT and W S E N box (degrees)."""

    scene_name: str
    acquired: datetime
    gases: tuple[str, ...]
    footprint_wkt: str
    bbox: tuple[float, float, float, float]
    n_plumes: int


class FootprintReader:
    """Reads overflight footprints from a catalog database; ``close`` releases its connections."""

    def __init__(self, url: str):
        self._engine = open_engine(url)
        self._shown = self._engine.url.render_as_string(hide_password=True)
        self._sessions = sessionmaker(self._engine)

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    def footprints(self, *, since: datetime | None = None, until: datetime | None = None) -> list[Footprint]:
        """Overflights acquired in [since, until] (either open), oldest first."""
        query = select(OverflightRow).order_by(OverflightRow.acquired, OverflightRow.scene_name)
        if since is not None:
            query = query.where(OverflightRow.acquired >= since)
        if until is not None:
            query = query.where(OverflightRow.acquired <= until)
        with translate_errors(self._shown), self._sessions() as session:
            return [
                Footprint(
                    r.scene_name,
                    r.acquired,
                    tuple(g for g in r.gases.split(",") if g),
                    r.footprint_wkt,
                    (r.west_deg, r.south_deg, r.east_deg, r.north_deg),
                    r.n_plumes,
                )
                for r in session.scalars(query)
            ]
