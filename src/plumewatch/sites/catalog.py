"""The site catalog: overflights in, sites with their whole history out.

``Catalog(url)`` opens (and migrates) a SQLite or PostgreSQL + PostGIS database.
``ingest(overflight)`` runs in one transaction: it stores the overflight, attaches each plume to
a known site or a new one (``plumewatch.sites.association``), records an observation
(detected or clean) for every site the footprint covers and every gas searched that the site
has, back-fills clean observations from earlier overflights for new sites or new gases, then
refreshes each touched site's summary and raises alerts (``plumewatch.sites.status``).
Re-ingesting an overflight already stored (same scene name) changes nothing; one whose
scene name is stored with another acquisition time is refused.

A site's ``mean_emission_kg_h`` is for its primary gas (the one most often seen at the source
itself, then most often detected, then covering most ground): the mean of its per-overflight
rates, with the 1-sigma of that mean from the rates' own sigmas. Plumes that joined as downwind
fragments (``PlumeRow.downwind_m``) count as detections but give the site neither position nor rate.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta
from types import TracebackType

import numpy as np
from shapely import wkt
from shapely.geometry import Point
from shapely.prepared import prep
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, sessionmaker

from plumewatch.errors import CatalogError
from plumewatch.plumes.fragments import plausible_length_m
from plumewatch.plumes.outline import downwind_unit
from plumewatch.plumes.plume import Overflight, Plume
from plumewatch.sites import spatial
from plumewatch.sites.association import (
    MAX_GATE_M,
    METRES_PER_DEG_LAT,
    SiteState,
    SourceFix,
    best_site,
    max_gate_m,
    weighted_position,
)
from plumewatch.sites.models import AlertRow, ObservationRow, OverflightRow, PlumeRow, SiteRow
from plumewatch.sites.records import Alert, Observation, PlumeRecord, SiteDetail, SiteSummary
from plumewatch.sites.status import Visit, is_spike, site_flags, site_status
from plumewatch.sites.storage import DEFAULT_TIMEOUT_S, open_engine, translate_errors

log = logging.getLogger(__name__)

SITE_ID_PREFIX = "PW"
SAME_TIME_TOLERANCE = timedelta(seconds=1)

__all__ = ["Alert", "Catalog", "plume_record"]


class Catalog:
    """A site catalog in a database; use as a context manager."""

    def __init__(self, url: str, *, timeout_s: float = DEFAULT_TIMEOUT_S):
        self.url = url
        self._engine = open_engine(url, timeout_s=timeout_s)
        self._shown = self._engine.url.render_as_string(hide_password=True)
        self._dialect = self._engine.dialect.name
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, kind: type | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    def ingest(self, overflight: Overflight) -> list[Alert]:
        """Store one overflight and its plumes in one transaction; returns the alerts it raised."""
        _check_overflight(overflight)
        with translate_errors(self._shown), self._sessions.begin() as session:
            stored = session.scalar(
                select(OverflightRow).where(OverflightRow.scene_name == overflight.scene_name)
            )
            if stored is not None:
                if abs(stored.acquired - overflight.acquired) > SAME_TIME_TOLERANCE:
                    raise CatalogError(
                        f"{self._shown}: overflight {overflight.scene_name} is stored as acquired "
                        f"{stored.acquired:%Y-%m-%dT%H:%M:%SZ}, not {overflight.acquired:%Y-%m-%dT%H:%M:%SZ}"
                    )
                log.info("%s already in the catalog: nothing to do", overflight.scene_name)
                return []
            return self._ingest(session, overflight)

    def sites(
        self,
        *,
        gas: str | None = None,
        status: str | None = None,
        bbox: tuple[float, float, float, float] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[SiteSummary]:
        """Sites matching every filter: detected gas, status, lon/lat box (W, S, E, N), detection times."""
        query = select(SiteRow).order_by(SiteRow.site_id)
        if status is not None:
            query = query.where(SiteRow.status == status)
        if bbox is not None:
            query = query.where(spatial.sites_in_bbox(self._dialect, *bbox))
        if gas is not None or since is not None or until is not None:
            detected = (
                select(ObservationRow.id)
                .join(OverflightRow, ObservationRow.overflight_pk == OverflightRow.id)
                .where(ObservationRow.site_pk == SiteRow.id, ObservationRow.detected.is_(True))
            )
            if gas is not None:
                detected = detected.where(ObservationRow.gas == gas.lower())
            if since is not None:
                detected = detected.where(OverflightRow.acquired >= since)
            if until is not None:
                detected = detected.where(OverflightRow.acquired <= until)
            query = query.where(exists(detected))
        with translate_errors(self._shown), self._sessions() as session:
            return [_summary(row) for row in session.scalars(query)]

    def site(self, site_id: str) -> SiteDetail:
        """One site with every overflight that covered it and its plumes, oldest first."""
        with translate_errors(self._shown), self._sessions() as session:
            row = session.scalar(select(SiteRow).where(SiteRow.site_id == site_id))
            if row is None:
                raise CatalogError(f"{self._shown}: no site {site_id!r} in the catalog")
            plumes = session.scalars(
                select(PlumeRow).where(PlumeRow.site_pk == row.id).order_by(PlumeRow.time, PlumeRow.plume_id)
            ).all()
            rows = session.execute(
                select(ObservationRow, OverflightRow)
                .join(OverflightRow, ObservationRow.overflight_pk == OverflightRow.id)
                .where(ObservationRow.site_pk == row.id)
                .order_by(OverflightRow.acquired, ObservationRow.gas)
            ).all()
            by_visit: dict[tuple[int, str], list[PlumeRow]] = defaultdict(list)
            for plume in plumes:
                by_visit[(plume.overflight_pk, plume.gas)].append(plume)
            observations = [_observation(obs, ovf, by_visit.get((ovf.id, obs.gas), [])) for obs, ovf in rows]
            records = [plume_record(p, row.site_id, p.overflight.scene_name) for p in plumes]
            return SiteDetail(_summary(row), observations, records)

    def alerts(self, *, since: datetime | None = None) -> list[Alert]:
        """Stored alerts, oldest first, optionally only those at or after ``since``."""
        query = select(AlertRow, SiteRow.site_id).join(SiteRow, AlertRow.site_pk == SiteRow.id)
        if since is not None:
            query = query.where(AlertRow.time >= since)
        with translate_errors(self._shown), self._sessions() as session:
            rows = session.execute(query.order_by(AlertRow.time, AlertRow.id)).all()
            return [Alert(a.kind, site_id, a.time, a.message) for a, site_id in rows]

    # ---- ingest steps -------------------------------------------------------------------------

    def _ingest(self, session: Session, overflight: Overflight) -> list[Alert]:
        footprint = overflight.footprint
        west, south, east, north = footprint.bounds
        overflight_row = OverflightRow(
            scene_name=overflight.scene_name,
            acquired=overflight.acquired,
            gases=",".join(overflight.gases),
            footprint_wkt=footprint.wkt,
            west_deg=west,
            south_deg=south,
            east_deg=east,
            north_deg=north,
            n_plumes=len(overflight.plumes),
        )
        session.add(overflight_row)
        session.flush()

        nearby = self._sites_near(session, overflight)
        states = [
            SiteState(row.id, row.lon_deg, row.lat_deg, row.position_sigma_m, _split(row.gases))
            for row in nearby
        ]
        rows_by_state = {id(s): r for s, r in zip(states, nearby, strict=True)}
        gases_before = {id(s): set(s.gases) for s in states}
        matched: dict[int, list[Plume]] = defaultdict(list)
        new_states: list[SiteState] = []
        joined: dict[str, SiteState] = {}
        downwind_m: dict[str, float] = {}
        # Strongest first, and plumes lying inside another gas's plume after that plume.
        for plume in sorted(overflight.plumes, key=lambda p: (bool(p.within_plume), -p.ime_kg, p.plume_id)):
            fix = SourceFix(
                plume.source_lon_deg,
                plume.source_lat_deg,
                plume.source_sigma_m,
                plume.gas,
                plume.outline,
                plume.wind_from_deg,
                plume.wind_speed_m_s,
            )
            match = best_site(fix, states, host=joined.get(plume.within_plume or ""))
            if match is None:
                site = SiteState(None, fix.lon_deg, fix.lat_deg, fix.sigma_m, set())
                states.append(site)
                new_states.append(site)
                gases_before[id(site)] = set()
            else:
                site = match.site
                if match.downwind_m is not None:
                    log.info(
                        "%s joins a site %.0f m upwind as a downwind fragment",
                        plume.plume_id,
                        match.downwind_m,
                    )
                    downwind_m[plume.plume_id] = match.downwind_m
            site.gases.add(plume.gas)
            matched[id(site)].append(plume)
            joined[plume.plume_id] = site

        next_number = session.scalar(select(func.count()).select_from(SiteRow)) + 1
        for number, state in enumerate(new_states, next_number):
            row = SiteRow(
                site_id=f"{SITE_ID_PREFIX}{number:05d}",
                lon_deg=state.lon_deg,
                lat_deg=state.lat_deg,
                position_sigma_m=state.sigma_m,
                gases="",
                status="candidate",
                status_reason="",
                flags="",
                n_detections=0,
                n_overflights=0,
                tlp="amber",
                release_to="",
            )
            session.add(row)
            rows_by_state[id(state)] = row
        session.flush()

        for state in states:
            row = rows_by_state[id(state)]
            for plume in matched.get(id(state), []):
                row_plume = _plume_row(
                    plume, row.id, overflight_row, downwind_m=downwind_m.get(plume.plume_id)
                )
                session.add(row_plume)
        covers = prep(footprint)
        searched = set(overflight.gases)
        touched: list[tuple[SiteRow, SiteState]] = []
        for state in states:
            row = rows_by_state[id(state)]
            detected = {p.gas for p in matched.get(id(state), [])}
            if not detected and not covers.covers(_point(state)):
                continue
            touched.append((row, state))
            for gas in sorted((searched & state.gases) | detected):
                session.add(
                    ObservationRow(
                        site_pk=row.id, overflight_pk=overflight_row.id, gas=gas, detected=gas in detected
                    )
                )
            new_gases = state.gases - gases_before[id(state)]
            if new_gases:
                self._backfill(session, row, state, new_gases, overflight_row.id)
        session.flush()

        alerts: list[Alert] = []
        for row, state in touched:
            alerts += self._refresh_site(
                session, row, overflight_row, is_new=any(state is s for s in new_states)
            )
        for alert in alerts:
            site_pk = next(r.id for r, _ in touched if r.site_id == alert.site_id)
            session.add(
                AlertRow(
                    kind=alert.kind,
                    site_pk=site_pk,
                    overflight_pk=overflight_row.id,
                    time=alert.time,
                    message=alert.message,
                )
            )
        log.info(
            "%s: %d plumes, %d sites touched, %d new, %d alerts",
            overflight.scene_name,
            len(overflight.plumes),
            len(touched),
            len(new_states),
            len(alerts),
        )
        return alerts

    def _sites_near(self, session: Session, overflight: Overflight) -> list[SiteRow]:
        """Sites that the footprint may cover or a plume may belong to (bounding-box prefilter)."""
        west, south, east, north = overflight.footprint.bounds
        for plume in overflight.plumes:
            points = [(plume.source_lon_deg, plume.source_lat_deg)]
            if plume.wind_from_deg is not None:
                # The site a downwind fragment belongs to may lie a plume length upwind of it.
                reach_m = plausible_length_m(plume.wind_speed_m_s)
                upwind = -reach_m * downwind_unit(plume.wind_from_deg) / METRES_PER_DEG_LAT
                points.append(
                    (
                        plume.source_lon_deg + upwind[0] / np.cos(np.deg2rad(plume.source_lat_deg)),
                        plume.source_lat_deg + upwind[1],
                    )
                )
            for lon, lat in points:
                west, east = min(west, lon), max(east, lon)
                south, north = min(south, lat), max(north, lat)
        # A site's gate may reach max_gate_m beyond the footprint (a site about as uncertain as the plume).
        pad_m = max([MAX_GATE_M, *(max_gate_m(np.sqrt(2.0) * p.source_sigma_m) for p in overflight.plumes)])
        pad_lat = pad_m / METRES_PER_DEG_LAT
        pad_lon = pad_lat / max(np.cos(np.deg2rad(max(abs(south), abs(north)))), 1e-6)
        clause = spatial.sites_in_bbox(
            self._dialect, west - pad_lon, south - pad_lat, east + pad_lon, north + pad_lat
        )
        return list(session.scalars(select(SiteRow).where(clause).order_by(SiteRow.id)))

    def _backfill(
        self, session: Session, row: SiteRow, state: SiteState, gases: set[str], current_pk: int
    ) -> None:
        """Clean observations from stored overflights that covered the site for gases it newly has."""
        seen = set(
            session.execute(
                select(ObservationRow.overflight_pk, ObservationRow.gas).where(
                    ObservationRow.site_pk == row.id
                )
            ).all()
        )
        earlier = session.scalars(
            select(OverflightRow)
            .where(spatial.overflights_touching(self._dialect, state.lon_deg, state.lat_deg))
            .where(OverflightRow.id != current_pk)
        )
        point = _point(state)
        for other in earlier:
            if not wkt.loads(other.footprint_wkt).covers(point):
                continue
            for gas in sorted(gases & _split(other.gases)):
                if (other.id, gas) not in seen:
                    session.add(
                        ObservationRow(site_pk=row.id, overflight_pk=other.id, gas=gas, detected=False)
                    )

    def _refresh_site(
        self, session: Session, row: SiteRow, current: OverflightRow, *, is_new: bool
    ) -> list[Alert]:
        """Recompute a site's position and summary from its stored history; returns the alerts now due."""
        plumes = session.scalars(select(PlumeRow).where(PlumeRow.site_pk == row.id)).all()
        # A downwind fragment's source point is not the site's: it says nothing about where the site is.
        fixes = [p for p in plumes if p.downwind_m is None] or plumes
        row.lon_deg, row.lat_deg, row.position_sigma_m = weighted_position(
            [SourceFix(p.source_lon_deg, p.source_lat_deg, p.source_sigma_m, p.gas) for p in fixes]
        )
        visits = _visits(session, row.id)
        detections = [v for v in visits if v.detected]
        gas_counts: dict[str, int] = defaultdict(int)
        for visit in detections:
            for gas in visit.detected_gases:
                gas_counts[gas] += 1
        # The primary gas (listed first) is the one most often seen at the source itself, then the one
        # whose plumes cover most ground (an echo in another gas's retrieval is smaller than its plume).
        at_source = {(p.overflight_pk, p.gas) for p in plumes if p.downwind_m is None}
        source_counts = {gas: sum(g == gas for _, g in at_source) for gas in gas_counts}
        area = {gas: sum(p.area_m2 for p in plumes if p.gas == gas) for gas in gas_counts}
        row.gases = ",".join(
            sorted(gas_counts, key=lambda g: (-source_counts[g], -gas_counts[g], -area[g], g))
        )
        row.status, row.status_reason = site_status(visits)
        row.flags = ",".join(site_flags(visits))
        row.n_detections = len(detections)
        row.n_overflights = len(visits)
        row.first_seen = detections[0].time if detections else None
        row.last_seen = detections[-1].time if detections else None
        rates = _rates_by_overflight(plumes)
        primary = row.gases.split(",")[0] if row.gases else None
        primary_rates = [
            r for (_, gas), r in sorted(rates.items(), key=lambda kv: kv[1][0]) if gas == primary
        ]
        if primary_rates:
            row.mean_emission_kg_h = float(np.mean([q for _, q, _ in primary_rates]))
            row.emission_sigma_kg_h = float(
                np.sqrt(sum(s**2 for _, _, s in primary_rates)) / len(primary_rates)
            )
        else:
            row.mean_emission_kg_h = row.emission_sigma_kg_h = None
        return _alerts_for(row, current, visits, rates, is_new=is_new)


def _alerts_for(
    row: SiteRow, current: OverflightRow, visits: list[Visit], rates, *, is_new: bool
) -> list[Alert]:
    now = next((v for v in visits if v.time == current.acquired), None)
    if now is None or not now.detected:
        return []
    where = f"{row.lat_deg:.5f}, {row.lon_deg:.5f}"
    gases = ",".join(sorted(now.detected_gases))
    if is_new:
        return [
            Alert(
                "new_site",
                row.site_id,
                current.acquired,
                f"new site {row.site_id} at {where}: {gases} in {current.scene_name}",
            )
        ]
    alerts = []
    before = [v for v in visits if v.time < current.acquired]
    if before and site_status(before)[0] == "dormant":
        alerts.append(
            Alert(
                "reactivated",
                row.site_id,
                current.acquired,
                f"dormant site {row.site_id} at {where} emitting again: {gases} in {current.scene_name}",
            )
        )
    for gas in sorted(now.detected_gases):
        rate = rates.get((current.id, gas))
        if rate is None:
            continue
        history = [q for (_, g), (t, q, _) in rates.items() if g == gas and t < current.acquired]
        if is_spike(rate[1], history):
            alerts.append(
                Alert(
                    "emission_spike",
                    row.site_id,
                    current.acquired,
                    f"site {row.site_id} emitting {rate[1]:.0f} kg/h {gas}, history mean "
                    f"{np.mean(history):.0f} kg/h over {len(history)} detections",
                )
            )
    return alerts


def _visits(session: Session, site_pk: int) -> list[Visit]:
    rows = session.execute(
        select(OverflightRow.acquired, ObservationRow.gas, ObservationRow.detected)
        .join(OverflightRow, ObservationRow.overflight_pk == OverflightRow.id)
        .where(ObservationRow.site_pk == site_pk)
    ).all()
    gases: dict[datetime, set[str]] = defaultdict(set)
    for time, gas, detected in rows:
        found = gases.setdefault(time, set())
        if detected:
            found.add(gas)
    return [Visit(t, frozenset(gases[t])) for t in sorted(gases)]


def _rates_by_overflight(plumes) -> dict[tuple[int, str], tuple[datetime, float, float]]:
    """Per (overflight, gas): (time, summed rate kg/h, 1-sigma kg/h), where every source plume had a rate.

    Downwind fragments are left out: their mass is part of a release whose source was not seen whole.
    """
    grouped: dict[tuple[int, str], list[PlumeRow]] = defaultdict(list)
    for plume in plumes:
        if plume.downwind_m is None:
            grouped[(plume.overflight_pk, plume.gas)].append(plume)
    rates = {}
    for key, group in grouped.items():
        if all(p.emission_kg_h is not None for p in group):
            sigma = float(np.sqrt(sum((p.emission_sigma_kg_h or 0.0) ** 2 for p in group)))
            rates[key] = (group[0].time, float(sum(p.emission_kg_h for p in group)), sigma)
    return rates


def _check_overflight(overflight: Overflight) -> None:
    if overflight.acquired.tzinfo is None:
        raise CatalogError(f"overflight {overflight.scene_name}: acquisition time has no time zone")
    if overflight.footprint.is_empty or not overflight.footprint.is_valid:
        raise CatalogError(f"overflight {overflight.scene_name}: footprint is empty or invalid")


def _plume_row(
    plume: Plume, site_pk: int, overflight: OverflightRow, *, downwind_m: float | None
) -> PlumeRow:
    return PlumeRow(
        plume_id=plume.plume_id,
        site_pk=site_pk,
        overflight_pk=overflight.id,
        gas=plume.gas,
        time=overflight.acquired,
        outline_wkt=plume.outline.wkt,
        source_lon_deg=plume.source_lon_deg,
        source_lat_deg=plume.source_lat_deg,
        source_sigma_m=plume.source_sigma_m,
        max_ppmm=plume.max_ppmm,
        mean_ppmm=plume.mean_ppmm,
        area_m2=plume.area_m2,
        ime_kg=plume.ime_kg,
        ime_sigma_kg=plume.ime_sigma_kg,
        emission_kg_h=plume.emission_kg_h,
        emission_sigma_kg_h=plume.emission_sigma_kg_h,
        emission_note=plume.emission_note,
        flux_kg_h=plume.flux_kg_h,
        flux_sigma_kg_h=plume.flux_sigma_kg_h,
        wind_speed_m_s=plume.wind_speed_m_s,
        wind_from_deg=plume.wind_from_deg,
        identification_confidence=plume.identification_confidence,
        co_gases=",".join(plume.co_gases),
        tlp="amber",
        release_to="",
        downwind_m=downwind_m,
    )


def _summary(row: SiteRow) -> SiteSummary:
    return SiteSummary(
        site_id=row.site_id,
        lon_deg=row.lon_deg,
        lat_deg=row.lat_deg,
        position_sigma_m=row.position_sigma_m,
        gases=tuple(_ordered(row.gases)),
        n_detections=row.n_detections,
        n_overflights=row.n_overflights,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        status=row.status,
        status_reason=row.status_reason,
        mean_emission_kg_h=row.mean_emission_kg_h,
        emission_sigma_kg_h=row.emission_sigma_kg_h,
        flags=tuple(_ordered(row.flags)),
        tlp=row.tlp,
        release_to=tuple(_ordered(row.release_to)),
    )


def _observation(obs: ObservationRow, overflight: OverflightRow, plumes: list[PlumeRow]) -> Observation:
    if not obs.detected or not plumes:
        return Observation(overflight.acquired, overflight.scene_name, obs.gas, obs.detected)
    strongest = max(plumes, key=lambda p: p.ime_kg)
    sources = [p for p in plumes if p.downwind_m is None]
    if not sources:
        return Observation(
            overflight.acquired,
            overflight.scene_name,
            obs.gas,
            True,
            plume_id=strongest.plume_id,
            max_ppmm=max(p.max_ppmm for p in plumes),
            emission_note=f"only plume {strongest.plume_id}, {strongest.downwind_m:.0f} m downwind of the "
            "site's source, was seen (a fragment, or inside another gas's plume): no emission rate",
        )
    plumes = sources
    rated = all(p.emission_kg_h is not None for p in plumes)
    return Observation(
        time=overflight.acquired,
        scene_name=overflight.scene_name,
        gas=obs.gas,
        detected=True,
        plume_id=strongest.plume_id,
        max_ppmm=max(p.max_ppmm for p in plumes),
        emission_kg_h=float(sum(p.emission_kg_h for p in plumes)) if rated else None,
        emission_sigma_kg_h=float(np.sqrt(sum((p.emission_sigma_kg_h or 0) ** 2 for p in plumes)))
        if rated
        else None,
        emission_note="" if rated else next((p.emission_note for p in plumes if p.emission_kg_h is None), ""),
    )


def plume_record(p: PlumeRow, site_id: str, scene_name: str) -> PlumeRecord:
    """The plain record of a stored plume, given its site's id and its flight line's scene name."""
    return PlumeRecord(
        plume_id=p.plume_id,
        site_id=site_id,
        scene_name=scene_name,
        time=p.time,
        gas=p.gas,
        outline_wkt=p.outline_wkt,
        source_lon_deg=p.source_lon_deg,
        source_lat_deg=p.source_lat_deg,
        max_ppmm=p.max_ppmm,
        mean_ppmm=p.mean_ppmm,
        area_m2=p.area_m2,
        ime_kg=p.ime_kg,
        emission_kg_h=p.emission_kg_h,
        emission_sigma_kg_h=p.emission_sigma_kg_h,
        identification_confidence=p.identification_confidence,
        tlp=p.tlp,
        release_to=tuple(_ordered(p.release_to)),
    )


def _point(state: SiteState) -> Point:
    return Point(state.lon_deg, state.lat_deg)


def _split(text: str) -> set[str]:
    return {part for part in text.split(",") if part}


def _ordered(text: str) -> list[str]:
    return [part for part in text.split(",") if part]
