"""Response bodies of the partner API (pydantic), built from the catalog records."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field


class _FromRecord(BaseModel):
    """A body whose fields are read off a record's attributes of the same names (tuples become lists)."""

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, record: object) -> Self:
        """The body of one record: a policy Partner or a catalog SiteSummary, PlumeRecord or Observation."""
        return cls.model_validate(record)


class PartnerOut(_FromRecord):
    """The calling partner as the registry knows it."""

    name: str
    organisation: str
    country: str
    max_tlp: str
    release_codes: list[str]
    areas: list[list[float]]
    gases: list[str]
    named_individual: bool


class SiteOut(_FromRecord):
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


class PlumeOut(_FromRecord):
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


class ObservationOut(_FromRecord):
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
