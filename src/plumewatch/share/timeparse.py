"""Times typed by users and sent in queries: ISO 8601, UTC when no zone is given."""

from __future__ import annotations

from datetime import datetime

from plumewatch.errors import SharingError
from plumewatch.io.survey import parse_utc


def parse_time(text: str) -> datetime:
    """An aware UTC datetime from '2026-06-11', '2026-06-11T10:00' or '2026-06-11T10:00:00+02:00'."""
    try:
        return parse_utc(text.strip())
    except ValueError:
        raise SharingError(f"time {text!r} is not ISO 8601 (e.g. 2026-06-11 or 2026-06-11T10:00Z)") from None
