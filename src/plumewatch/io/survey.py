"""Survey manifests: `survey.json`, the list of flight lines a survey flew.

A survey folder holds ``survey.json``::

    {
      "plumewatch_survey": 1,
      "name": "demo",
      "sensor": "avirisng",
      "flight_lines": [
        {"name": "pw20260611t101500",
         "radiance": "lines/pw20260611t101500_rdn.hdr",
         "acquired": "2026-06-11T10:15:00Z",
         "wind": {"speed_m_s": 3.5, "from_deg": 270.0, "speed_sigma_m_s": 1.0},
         "site_winds": [{"name": "mast A", "lon_deg": -119.02, "lat_deg": 35.47, "radius_m": 1500,
                         "speed_m_s": 2.1, "from_deg": 240.0, "speed_sigma_m_s": 0.4}],
         "telemetry": "telemetry/pw20260611t101500.csv"}
      ]
    }

Paths are relative to the folder. ``wind``, ``site_winds`` and ``telemetry`` are optional.
``wind`` holds for the whole line; a ``site_winds`` entry (a mast or station at a facility, read
at the line's time) overrides it for plumes whose source lies within its ``radius_m``. A line
with no wind at all gets plumes without emission rates (and a note saying why).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from plumewatch.errors import InputFileError

MANIFEST_NAME = "survey.json"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class SiteWind:
    """Wind measured at a site (a mast or station) during a flight line, valid within ``radius_m`` of it."""

    name: str
    lon_deg: float
    lat_deg: float
    radius_m: float
    speed_m_s: float
    from_deg: float
    speed_sigma_m_s: float | None = None


@dataclass(frozen=True)
class FlightLine:
    """One flight line of a survey: its radiance file, when it was flown, and the wind then."""

    name: str
    radiance: Path
    acquired: datetime
    wind_speed_m_s: float | None = None
    wind_from_deg: float | None = None
    wind_speed_sigma_m_s: float | None = None
    telemetry: Path | None = None
    site_winds: tuple[SiteWind, ...] = ()


@dataclass(frozen=True)
class Survey:
    """A survey: its folder, sensor and flight lines in the order the manifest lists them."""

    root: Path
    name: str
    sensor: str
    flight_lines: list[FlightLine]


def read_survey(path: str | Path) -> Survey:
    """Read a survey folder (or its ``survey.json``) into a Survey; paths become absolute."""
    path = Path(path)
    manifest = path / MANIFEST_NAME if path.is_dir() else path
    if not manifest.exists():
        raise InputFileError(manifest, "no survey manifest here (expected a folder holding survey.json)")
    try:
        document = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputFileError(manifest, f"not a readable JSON survey manifest ({err})") from None
    if not isinstance(document, dict) or not isinstance(document.get("flight_lines"), list):
        raise InputFileError(manifest, "survey manifest has no 'flight_lines' list")
    root = manifest.parent.resolve()
    lines = [_flight_line(manifest, root, i, entry) for i, entry in enumerate(document["flight_lines"])]
    if not lines:
        raise InputFileError(manifest, "survey manifest lists no flight lines")
    names = [line.name for line in lines]
    if len(set(names)) != len(names):
        raise InputFileError(manifest, "flight line names must be unique")
    return Survey(
        root=root,
        name=str(document.get("name", root.name)),
        sensor=str(document.get("sensor", "unknown")),
        flight_lines=lines,
    )


def write_survey(root: str | Path, *, name: str, sensor: str, flight_lines: list[FlightLine]) -> Path:
    """Write ``root/survey.json`` for these flight lines (paths stored relative to root); returns its path."""
    from plumewatch.atomic import atomic_path

    root = Path(root)
    entries = []
    for line in flight_lines:
        entry: dict = {
            "name": line.name,
            "radiance": _relative(line.radiance, root),
            "acquired": line.acquired.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }
        if line.wind_speed_m_s is not None and line.wind_from_deg is not None:
            entry["wind"] = {"speed_m_s": line.wind_speed_m_s, "from_deg": line.wind_from_deg}
            if line.wind_speed_sigma_m_s is not None:
                entry["wind"]["speed_sigma_m_s"] = line.wind_speed_sigma_m_s
        if line.site_winds:
            entry["site_winds"] = [asdict(w) for w in line.site_winds]
        if line.telemetry is not None:
            entry["telemetry"] = _relative(line.telemetry, root)
        entries.append(entry)
    document = {"plumewatch_survey": FORMAT_VERSION, "name": name, "sensor": sensor, "flight_lines": entries}
    manifest = root / MANIFEST_NAME
    with atomic_path(manifest) as tmp:
        tmp.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return manifest


def parse_utc(text: str) -> datetime:
    """An ISO-8601 time as a timezone-aware UTC datetime (naive times are taken as UTC)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _flight_line(manifest: Path, root: Path, index: int, entry) -> FlightLine:
    where = f"flight line {index + 1}"
    if not isinstance(entry, dict):
        raise InputFileError(manifest, f"{where} is not an object")
    for key in ("name", "radiance", "acquired"):
        if key not in entry:
            raise InputFileError(manifest, f"{where} has no '{key}'")
    try:
        acquired = parse_utc(str(entry["acquired"]))
    except ValueError:
        raise InputFileError(
            manifest, f"{where}: 'acquired' is not an ISO-8601 time: {entry['acquired']!r}"
        ) from None
    wind = entry.get("wind") or {}
    try:
        speed = None if wind.get("speed_m_s") is None else float(wind["speed_m_s"])
        direction = None if wind.get("from_deg") is None else float(wind["from_deg"]) % 360.0
        sigma = None if wind.get("speed_sigma_m_s") is None else float(wind["speed_sigma_m_s"])
    except (TypeError, ValueError):
        raise InputFileError(manifest, f"{where}: wind values must be numbers") from None
    if speed is not None and speed < 0:
        raise InputFileError(manifest, f"{where}: wind speed {speed} m/s is negative")
    telemetry = root / entry["telemetry"] if entry.get("telemetry") else None
    site_winds = tuple(_site_wind(manifest, where, item) for item in entry.get("site_winds") or [])
    return FlightLine(
        name=str(entry["name"]),
        radiance=(root / entry["radiance"]).resolve(),
        acquired=acquired,
        wind_speed_m_s=speed,
        wind_from_deg=direction,
        wind_speed_sigma_m_s=sigma,
        telemetry=telemetry,
        site_winds=site_winds,
    )


def _site_wind(manifest: Path, where: str, item) -> SiteWind:
    if not isinstance(item, dict):
        raise InputFileError(manifest, f"{where}: each site_winds entry must be an object")
    try:
        wind = SiteWind(
            name=str(item.get("name", "")),
            lon_deg=float(item["lon_deg"]),
            lat_deg=float(item["lat_deg"]),
            radius_m=float(item["radius_m"]),
            speed_m_s=float(item["speed_m_s"]),
            from_deg=float(item["from_deg"]) % 360.0,
            speed_sigma_m_s=None if item.get("speed_sigma_m_s") is None else float(item["speed_sigma_m_s"]),
        )
    except KeyError as err:
        raise InputFileError(manifest, f"{where}: a site_winds entry has no {err.args[0]!r}") from None
    except (TypeError, ValueError):
        raise InputFileError(manifest, f"{where}: site_winds values must be numbers") from None
    if wind.speed_m_s < 0 or wind.radius_m <= 0 or not -90 <= wind.lat_deg <= 90:
        raise InputFileError(
            manifest,
            f"{where}: site wind {wind.name!r} has a negative speed, no radius or an impossible latitude",
        )
    return wind


def _relative(path: Path, root: Path) -> str:
    path = Path(path)
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
