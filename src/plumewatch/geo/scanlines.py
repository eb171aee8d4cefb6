"""When each scan line of a pushbroom cube was exposed, as UTC datetime64 per line.

Sources, the first that applies:

1. a line rate the caller gives: line ``i`` at ``acquisition time + i / rate``;
2. the `_obs` companion's UTC time band (AVIRIS-NG "UTC Time": decimal hours of the day), dated by the
   acquisition time (the cube's header, else the obs header's), lines after midnight on the next day;
3. a line rate in the cube's header (``line rate hz``, or a camera's ``framerate``/``fps``).

The acquisition time is the header's ``acquisition time`` or an AVIRIS-style name's
(``angYYYYMMDDtHHMMSS``) and marks the first line. With none of these there is no time to
look the platform up at, and `scan_line_times` says so rather than guessing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from plumewatch.errors import InputFileError
from plumewatch.io.companions import companion_headers, read_obs_utc_hours
from plumewatch.io.envi_header import EnviHeader, read_header

LINE_RATE_KEYS = ("line rate hz", "framerate", "fps")
_HOURS_PER_DAY = 24.0


@dataclass(frozen=True)
class ScanLineTimes:
    """UTC time of each scan line (datetime64[us], NaT where unknown) and where it came from."""

    time: np.ndarray
    source: str

    @property
    def lines_without_time(self) -> int:
        """Lines whose time is unknown (NaT)."""
        return int(np.isnat(self.time).sum())


def scan_line_times(radiance: EnviHeader, *, line_rate_hz: float | None = None) -> ScanLineTimes:
    """Scan-line times of a cube: a given line rate, else its `_obs` UTC time band, else a header rate."""
    if line_rate_hz is not None:
        return times_from_line_rate(radiance, line_rate_hz, "given line rate")
    obs = companion_headers(radiance.path).get("obs")
    hours = read_obs_utc_hours(obs, radiance) if obs is not None else None
    if obs is not None and hours is not None:
        acquired = radiance.acquired or read_header(obs).acquired
        if acquired is None:
            raise InputFileError(
                obs,
                "its UTC time band gives hours of the day but no header says which day "
                "(add 'acquisition time' to the cube's header)",
            )
        return ScanLineTimes(times_from_hours(hours, acquired), f"UTC time band of {obs.name}")
    rate = header_line_rate_hz(radiance)
    if rate is not None:
        return times_from_line_rate(radiance, rate[1], f"header '{rate[0]}'")
    raise InputFileError(
        radiance.path,
        "no scan-line times: no _obs file with a UTC time band and no line rate "
        f"(give --line-rate-hz, or '{LINE_RATE_KEYS[0]}' in the header)",
    )


def times_from_hours(hours_utc: np.ndarray, acquired: datetime) -> np.ndarray:
    """UTC datetime64[us] of decimal hours of the day on the acquisition's date; NaT where hours are NaN."""
    hours = np.asarray(hours_utc, dtype=np.float64)
    out = np.full(hours.shape, np.datetime64("NaT"), dtype="datetime64[us]")
    finite = np.isfinite(hours)
    if not finite.any():
        return out
    # Hours drop from ~24 to ~0 when a line crosses midnight; unwrapping keeps time running forward.
    unwrapped = np.unwrap(hours[finite], period=_HOURS_PER_DAY)
    moment = np.datetime64(acquired.astimezone(UTC).replace(tzinfo=None), "us")
    day = moment.astype("datetime64[D]").astype("datetime64[us]")
    times = day + np.round(unwrapped * 3.6e9).astype(np.int64).astype("timedelta64[us]")
    # The header's time and the first line may sit either side of midnight (23:59:59 vs 00:00:01).
    shift_days = int(np.round((moment - times[0]) / np.timedelta64(1, "D")))
    out[finite] = times + np.timedelta64(shift_days, "D")
    return out


def times_from_line_rate(radiance: EnviHeader, line_rate_hz: float, what: str) -> ScanLineTimes:
    """Line ``i`` at the header's acquisition time plus ``i / line_rate_hz`` seconds."""
    if not (np.isfinite(line_rate_hz) and line_rate_hz > 0):
        raise InputFileError(radiance.path, f"line rate {line_rate_hz!r} Hz must be a positive number")
    if radiance.acquired is None:
        raise InputFileError(
            radiance.path,
            "a line rate needs the first line's time: the header has no 'acquisition time' "
            "and the name no angYYYYMMDDtHHMMSS time",
        )
    start = np.datetime64(radiance.acquired.astimezone(UTC).replace(tzinfo=None), "us")
    offsets_us = np.round(np.arange(radiance.lines) / line_rate_hz * 1e6).astype(np.int64)
    return ScanLineTimes(
        start + offsets_us.astype("timedelta64[us]"),
        f"{what} {line_rate_hz:g} Hz from the header's acquisition time {start}Z",
    )


def header_line_rate_hz(radiance: EnviHeader) -> tuple[str, float] | None:
    """The header's line rate (key, Hz) from ``line rate hz``, ``framerate`` or ``fps``; None if absent."""
    for key in LINE_RATE_KEYS:
        value = radiance.raw.get(key)
        if value is None:
            continue
        try:
            return key, float(str(value).strip())
        except ValueError:
            raise InputFileError(radiance.path, f"'{key}' must be a number (Hz), not {value!r}") from None
    return None
