"""A release: the sites and plumes one partner may receive in one batch, chosen by policy.

Every product writer (STIX, GeoJSON, KML, CoT, CSV) takes a ``Release``, so nothing reaches a
writer that policy has not passed. A plume goes only with its site: a plume marked lower than its
site would otherwise reveal where the site is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from plumewatch.share.policy import BBox, Item, Partner, decide, inside, most_restrictive, point_item
from plumewatch.sites.records import Observation, PlumeRecord, SiteSummary


def as_utc(moment: datetime) -> datetime:
    """The same instant as an aware UTC datetime (naive times are taken as UTC, as the catalog keeps them)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def site_item(site: SiteSummary) -> Item:
    """What policy needs to know about a site."""
    return point_item(site.tlp, site.release_to, site.lon_deg, site.lat_deg, site.gases)


def plume_item(plume: PlumeRecord) -> Item:
    """What policy needs to know about a plume: its own marking, source point and gas."""
    return point_item(plume.tlp, plume.release_to, plume.source_lon_deg, plume.source_lat_deg, (plume.gas,))


@dataclass(frozen=True)
class Release:
    """Sites and plumes cleared for one partner, as of ``created`` (UTC)."""

    partner: str
    created: datetime
    sites: tuple[SiteSummary, ...] = ()
    plumes: tuple[PlumeRecord, ...] = ()
    versions: dict[str, datetime] = field(default_factory=dict)

    def version(self, object_id: str, default: datetime) -> datetime:
        """When an object last changed (new observation or marking), else ``default``; UTC."""
        return as_utc(max(self.versions.get(object_id, default), default))

    @property
    def tlp(self) -> str:
        """The most restrictive marking in the release: the marking of the batch as a whole."""
        return most_restrictive([s.tlp for s in self.sites] + [p.tlp for p in self.plumes])


def marked_objects(sites: Iterable[SiteSummary], plumes: Iterable[PlumeRecord]) -> list[tuple[str, str]]:
    """(id, TLP label) of each site then each plume, as the audit trail records what was given."""
    return [(s.site_id, s.tlp) for s in sites] + [(p.plume_id, p.tlp) for p in plumes]


def redact_observations(
    observations: Iterable[Observation], released_plume_ids: Iterable[str]
) -> list[Observation]:
    """Observations with the plume's numbers withheld wherever that plume is not released.

    A detection whose plume the recipient may not have keeps only its time, flight line and gas:
    its strength and rate came from the plume, so they carry the plume's marking.
    """
    released = set(released_plume_ids)
    return [
        o
        if not o.detected or o.plume_id in released
        else replace(
            o,
            plume_id=None,
            max_ppmm=None,
            emission_kg_h=None,
            emission_sigma_kg_h=None,
            emission_note="plume not released",
        )
        for o in observations
    ]


def releasable_sites(sites: Iterable[SiteSummary], partner: Partner, *, bulk: bool) -> list[SiteSummary]:
    """The sites that policy lets ``partner`` receive."""
    return [s for s in sites if decide(site_item(s), partner, bulk=bulk)]


def releasable_plumes(
    plumes: Iterable[PlumeRecord], released_sites: Sequence[SiteSummary], partner: Partner, *, bulk: bool
) -> list[PlumeRecord]:
    """The plumes that policy lets ``partner`` receive, each only when its site is released too."""
    site_ids = {s.site_id for s in released_sites}
    return [p for p in plumes if p.site_id in site_ids and decide(plume_item(p), partner, bulk=bulk)]


def in_window(moment: datetime | None, since: datetime | None) -> bool:
    """Whether a time is at or after ``since`` (always True without a ``since``)."""
    return since is None or (moment is not None and as_utc(moment) >= as_utc(since))


def in_bbox(lon_deg: float, lat_deg: float, bbox: BBox | None) -> bool:
    """Whether a point lies in a W S E N box (always True without a box)."""
    return bbox is None or inside((lon_deg, lat_deg, lon_deg, lat_deg), bbox)


def make_release(
    partner: Partner,
    sites: Iterable[SiteSummary],
    plumes: Iterable[PlumeRecord],
    *,
    bulk: bool = True,
    since: datetime | None = None,
    bbox: BBox | None = None,
    created: datetime | None = None,
    versions: dict[str, datetime] | None = None,
) -> Release:
    """The release for ``partner`` from candidate sites and plumes, filtered by policy, time and box.

    ``since`` keeps sites seen at or after it and plumes observed at or after it; ``bbox`` keeps
    sites inside it.
    """
    chosen = [
        s
        for s in releasable_sites(sites, partner, bulk=bulk)
        if in_window(s.last_seen, since) and in_bbox(s.lon_deg, s.lat_deg, bbox)
    ]
    chosen_plumes = [
        p for p in releasable_plumes(plumes, chosen, partner, bulk=bulk) if in_window(p.time, since)
    ]
    return Release(
        partner=partner.name,
        created=as_utc(created or datetime.now(UTC)),
        sites=tuple(sorted(chosen, key=lambda s: s.site_id)),
        plumes=tuple(sorted(chosen_plumes, key=lambda p: (as_utc(p.time), p.plume_id))),
        versions=dict(versions or {}),
    )
