"""The partner registry: add, list, revoke, and recognise a partner by its API key or access token.

Keys are 256-bit random strings (``pwk_`` + 43 URL-safe characters) shown once when the partner is
added. Only their SHA-256 is stored: a fast hash is enough for keys this random (nobody can guess
one to test against a stolen hash), and it lets a request find its partner by an indexed lookup.
OAuth2 access tokens are random in the same way, stored the same way, and expire.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from plumewatch.errors import SharingError
from plumewatch.share.models import AccessTokenRow, PartnerRow
from plumewatch.share.policy import Partner, parse_tlp

KEY_PREFIX = "pwk_"
TOKEN_PREFIX = "pwt_"
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"


def new_secret(prefix: str) -> str:
    """A fresh 256-bit random secret with a recognisable prefix."""
    return prefix + secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    """Hex SHA-256 of a key or token: what the database keeps."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PartnerEntry:
    """A registered partner with its registry dates (``revoked`` None while active)."""

    partner: Partner
    created: datetime
    revoked: datetime | None = None

    @property
    def active(self) -> bool:
        """Whether the partner's key still opens the API."""
        return self.revoked is None


def _to_partner(row: PartnerRow) -> Partner:
    return Partner(
        name=row.name,
        max_tlp=row.max_tlp,
        country=row.country,
        organisation=row.organisation,
        release_codes=tuple(c for c in row.release_codes.split(",") if c),
        areas=tuple(tuple(a) for a in json.loads(row.areas or "[]")),
        gases=tuple(g for g in row.gases.split(",") if g),
        named_individual=row.named_individual,
    )


def _entry(row: PartnerRow) -> PartnerEntry:
    return PartnerEntry(_to_partner(row), row.created, row.revoked)


def add_partner(session: Session, partner: Partner, *, now: datetime) -> str:
    """Register a partner; returns its API key (shown once, stored only as a hash)."""
    if not re.match(NAME_PATTERN, partner.name):
        raise SharingError(f"partner name {partner.name!r}: use letters, digits, '.', '_' or '-' (max 100)")
    if session.scalar(select(PartnerRow).where(PartnerRow.name == partner.name)) is not None:
        raise SharingError(
            f"partner {partner.name!r} already exists (revoked names stay taken, for the audit trail)"
        )
    key = new_secret(KEY_PREFIX)
    session.add(
        PartnerRow(
            name=partner.name,
            organisation=partner.organisation,
            country=partner.country,
            max_tlp=parse_tlp(partner.max_tlp),
            release_codes=",".join(partner.release_codes),
            areas=json.dumps([list(a) for a in partner.areas]),
            gases=",".join(partner.gases),
            named_individual=partner.named_individual,
            key_hash=secret_hash(key),
            created=now,
        )
    )
    return key


def list_partners(session: Session) -> list[PartnerEntry]:
    """Every registered partner, active and revoked, by name."""
    return [_entry(row) for row in session.scalars(select(PartnerRow).order_by(PartnerRow.name))]


def get_partner(session: Session, name: str) -> PartnerEntry:
    """One registered partner; SharingError if there is none of that name."""
    row = session.scalar(select(PartnerRow).where(PartnerRow.name == name))
    if row is None:
        raise SharingError(f"no partner {name!r}: see `plumewatch partners list`")
    return _entry(row)


def revoke_partner(session: Session, name: str, *, now: datetime) -> PartnerEntry:
    """Revoke a partner's key and tokens from now on; returns the entry as it was."""
    row = session.scalar(select(PartnerRow).where(PartnerRow.name == name))
    if row is None:
        raise SharingError(f"no partner {name!r}: see `plumewatch partners list`")
    before = _entry(row)
    if row.revoked is None:
        row.revoked = now
    return before


def partner_for_secret(session: Session, secret: str, *, now: datetime) -> Partner | None:
    """The active partner that an API key or unexpired access token belongs to, else None."""
    digest = secret_hash(secret)
    if secret.startswith(TOKEN_PREFIX):
        token = session.scalar(select(AccessTokenRow).where(AccessTokenRow.token_hash == digest))
        if token is None or token.expires <= now:
            return None
        row = token.partner
    else:
        row = session.scalar(select(PartnerRow).where(PartnerRow.key_hash == digest))
    if row is None or row.revoked is not None:
        return None
    return _to_partner(row)


def issue_token(session: Session, name: str, key: str, *, now: datetime, ttl: timedelta) -> str | None:
    """An OAuth2 access token for client ``name`` with secret ``key``, or None if they do not match."""
    row = session.scalar(select(PartnerRow).where(PartnerRow.name == name))
    if row is None or row.revoked is not None or not secrets.compare_digest(row.key_hash, secret_hash(key)):
        return None
    token = new_secret(TOKEN_PREFIX)
    session.add(AccessTokenRow(token_hash=secret_hash(token), partner_pk=row.id, expires=now + ttl))
    return token
