"""The audit trail: who released, exported, read or re-marked which objects, with which markings, when.

There are only two operations, append and read: no code path updates or deletes an entry, and the
database refuses to (triggers from the ``0002_sharing`` migration).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from plumewatch.share.actions import ACTIONS
from plumewatch.share.models import AuditRow


@dataclass(frozen=True)
class AuditEntry:
    """One audited event; ``objects`` pairs each object id with its TLP marking at that moment."""

    time: datetime
    action: str
    actor: str
    partner: str | None
    objects: tuple[tuple[str, str], ...] = ()
    detail: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        """The entry as JSON-ready values (time in ISO 8601 UTC)."""
        return {
            "time": self.time.isoformat(),
            "action": self.action,
            "actor": self.actor,
            "partner": self.partner,
            "objects": [{"id": i, "tlp": t} for i, t in self.objects],
            "detail": self.detail,
        }


def append(
    session: Session,
    action: str,
    *,
    time: datetime,
    actor: str,
    partner: str | None = None,
    objects: Iterable[tuple[str, str]] = (),
    detail: dict | None = None,
) -> None:
    """Add one entry to the audit log (in the caller's transaction)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    session.add(
        AuditRow(
            time=time,
            action=action,
            actor=actor,
            partner=partner,
            objects=json.dumps([{"id": i, "tlp": t} for i, t in objects]),
            detail=json.dumps(detail or {}, default=str, sort_keys=True),
        )
    )


def read(
    session: Session, *, partner: str | None = None, since: datetime | None = None, action: str | None = None
) -> list[AuditEntry]:
    """Audit entries matching the filters, oldest first."""
    query = select(AuditRow).order_by(AuditRow.time, AuditRow.id)
    if partner is not None:
        query = query.where(AuditRow.partner == partner)
    if since is not None:
        query = query.where(AuditRow.time >= since)
    if action is not None:
        query = query.where(AuditRow.action == action)
    return [
        AuditEntry(
            time=row.time,
            action=row.action,
            actor=row.actor,
            partner=row.partner,
            objects=tuple((o["id"], o["tlp"]) for o in json.loads(row.objects)),
            detail=json.loads(row.detail),
        )
        for row in session.scalars(query)
    ]
