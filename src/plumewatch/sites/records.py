"""What the site catalog answers: site summaries, overflight observations and alerts.

These are plain records, free of the database: the share, missions and api
stages read them and never touch the catalog's tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

SITE_STATUSES = ("candidate", "confirmed", "dormant")


@dataclass(frozen=True)
class SiteSummary:
    """One emitting site as the catalog knows it now.

    ``persistence`` = detections / overflights (JPL Methane Source Finder's
    definition); ``mean_emission_kg_h`` is the mean over detections with a rate,
    ``emission_sigma_kg_h`` its 1-sigma uncertainty, both None when no plume had wind.
    ``tlp`` is the Traffic Light Protocol 2.0 marking (``clear``, ``green``,
    ``amber``, ``amber+strict``, ``red``); ``release_to`` lists ISO 3166 alpha-2
    country codes, empty when not restricted beyond the TLP level.
    """

    site_id: str
    lon_deg: float
    lat_deg: float
    position_sigma_m: float
    gases: tuple[str, ...]
    n_detections: int
    n_overflights: int
    first_seen: datetime | None
    last_seen: datetime | None
    status: str
    status_reason: str = ""
    mean_emission_kg_h: float | None = None
    emission_sigma_kg_h: float | None = None
    flags: tuple[str, ...] = ()
    tlp: str = "amber"
    release_to: tuple[str, ...] = ()

    @property
    def persistence(self) -> float:
        """Fraction of overflights in which the site was seen emitting (0 when never overflown)."""
        return self.n_detections / self.n_overflights if self.n_overflights else 0.0


@dataclass(frozen=True)
class Observation:
    """One overflight of one site, for one gas: seen emitting or looked at and seen clean."""

    time: datetime
    scene_name: str
    gas: str
    detected: bool
    plume_id: str | None = None
    max_ppmm: float | None = None
    emission_kg_h: float | None = None
    emission_sigma_kg_h: float | None = None
    emission_note: str = ""


@dataclass(frozen=True)
class PlumeRecord:
    """A stored plume: outline and source as lon/lat, gas, strength and rate."""

    plume_id: str
    site_id: str
    scene_name: str
    time: datetime
    gas: str
    outline_wkt: str
    source_lon_deg: float
    source_lat_deg: float
    max_ppmm: float
    mean_ppmm: float
    area_m2: float
    ime_kg: float
    emission_kg_h: float | None
    emission_sigma_kg_h: float | None
    identification_confidence: float = 1.0
    tlp: str = "amber"
    release_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class SiteDetail:
    """A site with its whole history: every overflight that covered it, and its plumes."""

    summary: SiteSummary
    observations: list[Observation] = field(default_factory=list)
    plumes: list[PlumeRecord] = field(default_factory=list)


@dataclass(frozen=True)
class Alert:
    """Something an analyst should look at now: a new site, a reactivation, an emission spike."""

    kind: str
    site_id: str
    time: datetime
    message: str
