"""Response bodies of the partner API (pydantic), built from the catalog records."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from plumewatch.share.policy import Partner
from plumewatch.sites.records import Observation, PlumeRecord, SiteSummary


class PartnerOut(BaseModel):
    """The calling partner as the registry knows it."""

    name: str
    organisation: str
    country: str
    max_tlp: str
    release_codes: list[str]
    areas: list[list[float]]
    gases: list[str]
    named_individual: bool

    @classmethod
    def of(cls, p: Partner) -> PartnerOut:
        """From the policy record."""
        return cls(
            name=p.name,
            organisation=p.organisation,
            country=p.country,
            max_tlp=p.max_tlp,
            release_codes=list(p.release_codes),
            areas=[list(a) for a in p.areas],
            gases=list(p.gases),
            named_individual=p.named_individual,
        )


class SiteOut(BaseModel):
    """One site: position (degrees, 1-sigma metres), gases, history, rate (kg/h), TLP marking."""

    site_id: str
    lon_deg: float
    lat_deg: float
    position_sigma_m: float
    gases: list[str]
    status: str
    status_reason: str
    n_detections: int
    n_overflights: int
    persistence: float
    first_seen: datetime | None
    last_seen: datetime | None
    mean_emission_kg_h: float | None
    emission_sigma_kg_h: float | None
    flags: list[str]
    tlp: str = Field(description="TLP 2.0 label: clear, green, amber, amber+strict or red")
    release_to: list[str]

    @classmethod
    def of(cls, s: SiteSummary) -> SiteOut:
        """From a catalog summary."""
        return cls(
            site_id=s.site_id,
            lon_deg=s.lon_deg,
            lat_deg=s.lat_deg,
            position_sigma_m=s.position_sigma_m,
            gases=list(s.gases),
            status=s.status,
            status_reason=s.status_reason,
            n_detections=s.n_detections,
            n_overflights=s.n_overflights,
            persistence=s.persistence,
            first_seen=s.first_seen,
            last_seen=s.last_seen,
            mean_emission_kg_h=s.mean_emission_kg_h,
            emission_sigma_kg_h=s.emission_sigma_kg_h,
            flags=list(s.flags),
            tlp=s.tlp,
            release_to=list(s.release_to),
        )


class PlumeOut(BaseModel):
    """One plume: outline (WKT lon/lat), source, strength (ppm·m), IME (kg), rate (kg/h), marking."""

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
    identification_confidence: float
    tlp: str
    release_to: list[str]

    @classmethod
    def of(cls, p: PlumeRecord) -> PlumeOut:
        """From a catalog plume record."""
        return cls(
            plume_id=p.plume_id,
            site_id=p.site_id,
            scene_name=p.scene_name,
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
            release_to=list(p.release_to),
        )


class ObservationOut(BaseModel):
    """One overflight of the site for one gas: detected or looked at and clean."""

    time: datetime
    scene_name: str
    gas: str
    detected: bool
    plume_id: str | None
    max_ppmm: float | None
    emission_kg_h: float | None
    emission_sigma_kg_h: float | None
    emission_note: str

    @classmethod
    def of(cls, o: Observation) -> ObservationOut:
        """From a catalog observation (redacted first where its plume is not released)."""
        return cls(
            time=o.time,
            scene_name=o.scene_name,
            gas=o.gas,
            detected=o.detected,
            plume_id=o.plume_id,
            max_ppmm=o.max_ppmm,
            emission_kg_h=o.emission_kg_h,
            emission_sigma_kg_h=o.emission_sigma_kg_h,
            emission_note=o.emission_note,
        )


class SiteDetailOut(BaseModel):
    """A site with its overflight history and released plumes."""

    site: SiteOut
    observations: list[ObservationOut]
    plumes: list[PlumeOut]


class Page(BaseModel):
    """Where a page sits in the whole answer."""

    total: int = Field(description="items matching the query for this partner")
    limit: int
    offset: int
    next_offset: int | None = Field(description="offset of the next page, null on the last")


class SitePage(Page):
    """A page of sites."""

    items: list[SiteOut]


class PlumePage(Page):
    """A page of plumes."""

    items: list[PlumeOut]


class ProductOut(BaseModel):
    """A detection product (one gas over one flight line) the partner may download."""

    product_id: str
    scene_name: str
    gas: str
    tlp: str
    bbox: list[float] = Field(description="W S E N degrees of the flight line's footprint")
    acquired: datetime
    href: str
    stac_href: str | None


class ProductList(BaseModel):
    """Products the partner may download."""

    items: list[ProductOut]


class TokenOut(BaseModel):
    """An OAuth2 access token response (RFC 6749 section 5.1)."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int
