"""Tables of the sharing stage on the catalog's declarative Base: partners, access tokens, audit log.

Created by the Alembic revision ``0002_sharing`` after the catalog's own. The audit log is
append-only: plumewatch only ever inserts into it and reads it, and the migration adds triggers
(SQLite and PostgreSQL) that make the database refuse any UPDATE or DELETE of its rows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plumewatch.sites.models import Base, UTCDateTime


class PartnerRow(Base):
    """A partner agency or named person: its limits, and the SHA-256 of its API key (never the key)."""

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    organisation: Mapped[str] = mapped_column(String(200), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    max_tlp: Mapped[str] = mapped_column(String(16))
    release_codes: Mapped[str] = mapped_column(String(400), default="")
    areas: Mapped[str] = mapped_column(Text, default="[]")
    gases: Mapped[str] = mapped_column(String(400), default="")
    named_individual: Mapped[bool] = mapped_column(Boolean, default=False)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AccessTokenRow(Base):
    """A short-lived OAuth2 bearer token (stored as its SHA-256) issued for a partner's client credentials."""

    __tablename__ = "access_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    partner_pk: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    expires: Mapped[datetime] = mapped_column(UTCDateTime)

    partner: Mapped[PartnerRow] = relationship()


class AuditRow(Base):
    """One audited event: who did what to which objects (with their markings then), and when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    time: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    action: Mapped[str] = mapped_column(String(32), index=True)
    actor: Mapped[str] = mapped_column(String(200))
    partner: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    objects: Mapped[str] = mapped_column(Text, default="[]")
    detail: Mapped[str] = mapped_column(Text, default="{}")
