"""The sharing side of a catalog database: partners, markings, releases and the audit trail together.

``ShareStore(url)`` opens the catalog (migrated to the newest revision, sharing tables included)
and is what the CLI and the API use. Every operation that releases or changes something writes its
audit entry in the same transaction, so there is never a release without its record.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from types import TracebackType

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from plumewatch.errors import CatalogError, SharingError
from plumewatch.share import audit, registry
from plumewatch.share.policy import BBox, Partner, parse_release_codes, parse_tlp
from plumewatch.share.products import Overflight
from plumewatch.share.release import Release, make_release, marked_objects
from plumewatch.sites.catalog import Catalog, plume_record
from plumewatch.sites.models import ObservationRow, OverflightRow, PlumeRow, SiteRow
from plumewatch.sites.records import PlumeRecord, SiteDetail, SiteSummary
from plumewatch.sites.storage import open_engine, translate_errors

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, UTC."""
    return datetime.now(UTC)


class ShareStore:
    """Partners, markings, releases and audit on one catalog database; use as a context manager."""

    def __init__(self, url: str, *, clock: Clock = utc_now):
        self.catalog = Catalog(url)
        self._engine = open_engine(url)
        self._shown = self._engine.url.render_as_string(hide_password=True)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        self.clock = clock

    def __enter__(self) -> ShareStore:
        return self

    def __exit__(self, kind: type | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Release the database connections."""
        self.catalog.close()
        self._engine.dispose()

    def _begin(self):
        return self._sessions.begin()

    # ---- partners --------------------------------------------------------------------------------

    def add_partner(self, partner: Partner, *, actor: str) -> str:
        """Register a partner (audited); returns its API key, not stored, never shown again."""
        with translate_errors(self._shown), self._begin() as session:
            key = registry.add_partner(session, partner, now=self.clock())
            audit.append(
                session,
                "partner.add",
                time=self.clock(),
                actor=actor,
                partner=partner.name,
                detail={
                    "max_tlp": partner.max_tlp,
                    "country": partner.country,
                    "release_codes": list(partner.release_codes),
                    "named_individual": partner.named_individual,
                    "organisation": partner.organisation,
                    "areas": [list(a) for a in partner.areas],
                    "gases": list(partner.gases),
                },
            )
        return key

    def partners(self) -> list[registry.PartnerEntry]:
        """Every registered partner, active and revoked."""
        with translate_errors(self._shown), self._sessions() as session:
            return registry.list_partners(session)

    def partner(self, name: str) -> registry.PartnerEntry:
        """One registered partner by name."""
        with translate_errors(self._shown), self._sessions() as session:
            return registry.get_partner(session, name)

    def revoke_partner(self, name: str, *, actor: str) -> None:
        """Revoke a partner's key and tokens (audited); the partner stays listed, as revoked."""
        with translate_errors(self._shown), self._begin() as session:
            before = registry.revoke_partner(session, name, now=self.clock())
            audit.append(
                session,
                "partner.revoke",
                time=self.clock(),
                actor=actor,
                partner=name,
                detail={"was_active": before.active},
            )

    def authenticate(self, secret: str) -> Partner | None:
        """The active partner an API key or access token belongs to, else None."""
        with translate_errors(self._shown), self._sessions() as session:
            return registry.partner_for_secret(session, secret, now=self.clock())

    def issue_token(self, name: str, key: str, *, ttl: timedelta) -> str | None:
        """An OAuth2 client-credentials access token (audited), or None for a bad client id or secret."""
        with translate_errors(self._shown), self._begin() as session:
            token = registry.issue_token(session, name, key, now=self.clock(), ttl=ttl)
            if token is not None:
                audit.append(
                    session,
                    "token.issue",
                    time=self.clock(),
                    actor=name,
                    partner=name,
                    detail={"expires_in_s": int(ttl.total_seconds())},
                )
        return token

    # ---- markings ----------------------------------------------------------------------------------

    def mark_site(self, site_id: str, tlp: str, release_to: Iterable[str] | str | None, *, actor: str) -> int:
        """Set a site's marking and its plumes' (audited with the old ones); returns the plumes re-marked."""
        label, codes = parse_tlp(tlp), parse_release_codes(release_to)
        with translate_errors(self._shown), self._begin() as session:
            site = session.scalar(select(SiteRow).where(SiteRow.site_id == site_id))
            if site is None:
                raise CatalogError(f"{self._shown}: no site {site_id!r} in the catalog")
            plumes = list(session.scalars(select(PlumeRow).where(PlumeRow.site_pk == site.id)))
            before = [(site.site_id, site.tlp, site.release_to)] + [
                (p.plume_id, p.tlp, p.release_to) for p in plumes
            ]
            for row in [site, *plumes]:
                row.tlp, row.release_to = label, ",".join(codes)
            audit.append(
                session,
                "mark",
                time=self.clock(),
                actor=actor,
                objects=[(object_id, label) for object_id, _, _ in before],
                detail={
                    "tlp": label,
                    "release_to": list(codes),
                    "before": {object_id: {"tlp": t, "release_to": r} for object_id, t, r in before},
                },
            )
        log.info("%s marked %s (and %d plumes) by %s", site_id, label, len(plumes), actor)
        return len(plumes)

    # ---- reading ------------------------------------------------------------------------------------

    def plumes(
        self,
        *,
        site_ids: Iterable[str] | None = None,
        plume_ids: Iterable[str] | None = None,
        gas: str | None = None,
        since: datetime | None = None,
    ) -> list[PlumeRecord]:
        """Stored plumes, oldest first; optionally only some sites' or ids, one gas, at or after ``since``."""
        query = (
            select(PlumeRow, SiteRow.site_id, OverflightRow.scene_name)
            .join(SiteRow, PlumeRow.site_pk == SiteRow.id)
            .join(OverflightRow, PlumeRow.overflight_pk == OverflightRow.id)
            .order_by(PlumeRow.time, PlumeRow.plume_id)
        )
        if site_ids is not None:
            query = query.where(SiteRow.site_id.in_(list(site_ids)))
        if plume_ids is not None:
            query = query.where(PlumeRow.plume_id.in_(list(plume_ids)))
        if gas is not None:
            query = query.where(PlumeRow.gas == gas.lower())
        if since is not None:
            query = query.where(PlumeRow.time >= since)
        with translate_errors(self._shown), self._sessions() as session:
            return [plume_record(p, site_id, scene) for p, site_id, scene in session.execute(query)]

    def overflights(self) -> list[Overflight]:
        """Every stored flight line: name, acquisition time, footprint box and gases searched."""
        with translate_errors(self._shown), self._sessions() as session:
            rows = session.scalars(select(OverflightRow).order_by(OverflightRow.acquired))
            return [
                Overflight(
                    r.scene_name,
                    r.acquired,
                    (r.west_deg, r.south_deg, r.east_deg, r.north_deg),
                    tuple(g for g in r.gases.split(",") if g),
                )
                for r in rows
            ]

    def site_detail(self, site_id: str) -> SiteDetail | None:
        """One site's detail from the catalog, or None when there is no such site."""
        with translate_errors(self._shown), self._sessions() as session:
            if session.scalar(select(SiteRow.id).where(SiteRow.site_id == site_id)) is None:
                return None
        return self.catalog.site(site_id)

    def release(
        self,
        partner: Partner,
        *,
        since: datetime | None = None,
        bbox: BBox | None = None,
        gas: str | None = None,
        status: str | None = None,
        site_ids: Iterable[str] | None = None,
        bulk: bool = True,
    ) -> Release:
        """What ``partner`` may receive of the catalog (nothing is recorded: see ``record_release``)."""
        sites: list[SiteSummary] = self.catalog.sites(gas=gas, status=status)
        if site_ids is not None:
            wanted = set(site_ids)
            sites = [s for s in sites if s.site_id in wanted]
        plumes = self.plumes(site_ids=[s.site_id for s in sites], gas=gas)
        return make_release(
            partner,
            sites,
            plumes,
            bulk=bulk,
            since=since,
            bbox=bbox,
            created=self.clock(),
            versions=self.versions([s.site_id for s in sites]),
        )

    def versions(self, site_ids: Iterable[str]) -> dict[str, datetime]:
        """When each site (and each re-marked plume) last changed: its latest overflight or marking, UTC."""
        wanted = list(site_ids)
        query = (
            select(SiteRow.site_id, func.max(OverflightRow.acquired))
            .join(ObservationRow, ObservationRow.site_pk == SiteRow.id)
            .join(OverflightRow, ObservationRow.overflight_pk == OverflightRow.id)
            .where(SiteRow.site_id.in_(wanted))
            .group_by(SiteRow.site_id)
        )
        with translate_errors(self._shown), self._sessions() as session:
            found = {site_id: latest for site_id, latest in session.execute(query)}
            for entry in audit.read(session, action="mark"):
                for object_id, _ in entry.objects:
                    found[object_id] = max(found.get(object_id, entry.time), entry.time)
        return found

    def record(
        self,
        action: str,
        *,
        actor: str,
        partner: str | None,
        objects: Iterable[tuple[str, str]] = (),
        detail: dict | None = None,
    ) -> None:
        """Append one audit entry in its own transaction."""
        with translate_errors(self._shown), self._begin() as session:
            audit.append(
                session,
                action,
                time=self.clock(),
                actor=actor,
                partner=partner,
                objects=objects,
                detail=detail,
            )

    def record_release(
        self, action: str, release: Release, *, actor: str, detail: dict | None = None
    ) -> None:
        """Audit a release: every object id in it with its marking."""
        objects = marked_objects(release.sites, release.plumes)
        self.record(action, actor=actor, partner=release.partner, objects=objects, detail=detail)

    def audit_log(
        self, *, partner: str | None = None, since: datetime | None = None, action: str | None = None
    ) -> list[audit.AuditEntry]:
        """Audit entries, oldest first."""
        with translate_errors(self._shown), self._sessions() as session:
            return audit.read(session, partner=partner, since=since, action=action)

    def active_partner(self, name: str) -> Partner:
        """A registered, unrevoked partner's policy record; SharingError otherwise."""
        entry = self.partner(name)
        if not entry.active:
            raise SharingError(f"partner {name!r} was revoked on {entry.revoked:%Y-%m-%d %H:%M} UTC")
        return entry.partner

