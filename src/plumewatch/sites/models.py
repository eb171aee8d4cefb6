"""SQLAlchemy 2 models of the site catalog (the tables; the Alembic migrations create them).

Tables: ``overflights`` (every look at the ground, with its footprint), ``sites``, ``plumes``
(each attached to one site), ``observations`` (one per site, overflight and gas: detected or
clean) and ``alerts``. Geometry is stored portably as WKT plus lon/lat or bounding-box columns;
on PostgreSQL + PostGIS the migrations add generated ``geom`` columns with GiST indexes, which
spatial queries use there (see ``plumewatch.sites.spatial``).

Other stages may add tables on this ``Base`` with a new Alembic revision after the last one.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes, stored as naive UTC so SQLite and PostgreSQL agree."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """The value as the database stores it: naive UTC (None stays None)."""
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        """The stored value as an aware UTC datetime (None stays None)."""
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base of every catalog table."""


class OverflightRow(Base):
    """One look at the ground: a flight line's footprint, time and the gases searched."""

    __tablename__ = "overflights"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scene_name: Mapped[str] = mapped_column(String(200), unique=True)
    acquired: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    gases: Mapped[str] = mapped_column(String(400))
    footprint_wkt: Mapped[str] = mapped_column(Text)
    west_deg: Mapped[float] = mapped_column(Float)
    south_deg: Mapped[float] = mapped_column(Float)
    east_deg: Mapped[float] = mapped_column(Float)
    north_deg: Mapped[float] = mapped_column(Float)
    n_plumes: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_overflights_bbox", "west_deg", "east_deg", "south_deg", "north_deg"),)


class SiteRow(Base):
    """A place that emits: position, gases, and its summary as of the latest ingest."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[str] = mapped_column(String(32), unique=True)
    lon_deg: Mapped[float] = mapped_column(Float)
    lat_deg: Mapped[float] = mapped_column(Float)
    position_sigma_m: Mapped[float] = mapped_column(Float)
    gases: Mapped[str] = mapped_column(String(400), default="")
    status: Mapped[str] = mapped_column(String(16), default="candidate")
    status_reason: Mapped[str] = mapped_column(String(400), default="")
    flags: Mapped[str] = mapped_column(String(400), default="")
    n_detections: Mapped[int] = mapped_column(Integer, default=0)
    n_overflights: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_seen: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    mean_emission_kg_h: Mapped[float | None] = mapped_column(Float, nullable=True)
    emission_sigma_kg_h: Mapped[float | None] = mapped_column(Float, nullable=True)
    tlp: Mapped[str] = mapped_column(String(16), default="amber")
    release_to: Mapped[str] = mapped_column(String(400), default="")

    plumes: Mapped[list[PlumeRow]] = relationship(back_populates="site")

    __table_args__ = (Index("ix_sites_lon_lat", "lon_deg", "lat_deg"),)


class PlumeRow(Base):
    """One plume of one gas in one overflight, attached to the site it came from."""

    __tablename__ = "plumes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plume_id: Mapped[str] = mapped_column(String(300), unique=True)
    site_pk: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    overflight_pk: Mapped[int] = mapped_column(ForeignKey("overflights.id"), index=True)
    gas: Mapped[str] = mapped_column(String(40))
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    outline_wkt: Mapped[str] = mapped_column(Text)
    source_lon_deg: Mapped[float] = mapped_column(Float)
    source_lat_deg: Mapped[float] = mapped_column(Float)
    source_sigma_m: Mapped[float] = mapped_column(Float)
    max_ppmm: Mapped[float] = mapped_column(Float)
    mean_ppmm: Mapped[float] = mapped_column(Float)
    area_m2: Mapped[float] = mapped_column(Float)
    ime_kg: Mapped[float] = mapped_column(Float)
    ime_sigma_kg: Mapped[float | None] = mapped_column(Float, nullable=True)
    emission_kg_h: Mapped[float | None] = mapped_column(Float, nullable=True)
    emission_sigma_kg_h: Mapped[float | None] = mapped_column(Float, nullable=True)
    emission_note: Mapped[str] = mapped_column(String(400), default="")
    flux_kg_h: Mapped[float | None] = mapped_column(Float, nullable=True)
    flux_sigma_kg_h: Mapped[float | None] = mapped_column(Float, nullable=True)
    wind_speed_m_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    wind_from_deg: Mapped[float | None] = mapped_column(Float, nullable=True)
    identification_confidence: Mapped[float] = mapped_column(Float, default=1.0)
    co_gases: Mapped[str] = mapped_column(String(400), default="")
    tlp: Mapped[str] = mapped_column(String(16), default="amber")
    release_to: Mapped[str] = mapped_column(String(400), default="")
    # Metres downwind of the site's source, for a plume that joined it as a downwind fragment: its
    # source point is not the site's and its mass is only part of the release (no position, no rate).
    downwind_m: Mapped[float | None] = mapped_column(Float, nullable=True)

    site: Mapped[SiteRow] = relationship(back_populates="plumes")
    overflight: Mapped[OverflightRow] = relationship()


class ObservationRow(Base):
    """One overflight of one site for one gas: detected (with its plume) or looked at and clean."""

    __tablename__ = "observations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_pk: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    overflight_pk: Mapped[int] = mapped_column(ForeignKey("overflights.id"), index=True)
    gas: Mapped[str] = mapped_column(String(40))
    detected: Mapped[bool] = mapped_column(Boolean)

    overflight: Mapped[OverflightRow] = relationship()

    __table_args__ = (UniqueConstraint("site_pk", "overflight_pk", "gas", name="uq_observation"),)


class AlertRow(Base):
    """An alert raised when an overflight was ingested."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    site_pk: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    overflight_pk: Mapped[int] = mapped_column(ForeignKey("overflights.id"))
    time: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    message: Mapped[str] = mapped_column(String(1000))

    site: Mapped[SiteRow] = relationship()

    __table_args__ = (UniqueConstraint("kind", "site_pk", "overflight_pk", name="uq_alert"),)
