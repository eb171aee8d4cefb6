"""MISB ST 0601 (UAS Datalink Local Set) KLV telemetry: read a packet stream into a Track, write one.

Field decoding, the ST 0601 checksum (tag 1: a 16-bit running sum of the packet's
bytes, which the standard specifies, not a CRC) and the ST 0102 security set are
the `stanag4609` package's (MIT, pure Python, maintained). This layer finds
packets in a byte stream, resynchronises on the 16-byte UAS key after a broken
one, and keeps counts: a packet whose length runs past the data, whose checksum
does not match or whose fields do not decode is skipped, logged and counted in
``Track.attrs`` (``packets_good``, ``packets_bad``, ``bad_packets``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from stanag4609.errors import ChecksumError, Stanag4609Error
from stanag4609.klv.ber import decode_ber_length
from stanag4609.st0102 import (
    CountryCodingMethod,
    ObjectCountryCodingMethod,
    SecurityClassification,
    decode_security_local_set,
    encode_security_local_set,
)
from stanag4609.st0601 import (
    FIELD_DEFINITIONS,
    ST0601_KEY,
    IMAPFieldValue,
    decode_uas_local_set,
    encode_uas_local_set,
    misp_timestamp_to_utc,
)

from plumewatch.atomic import atomic_path
from plumewatch.errors import InputFileError
from plumewatch.io.track import Track, sorted_track

log = logging.getLogger(__name__)

ST0601_VERSION = 19
MAX_LOGGED_BAD = 20
#: ST 0601 tag -> Track field (platform position and attitude).
TRACK_TAGS = {13: "lat_deg", 14: "lon_deg", 15: "alt_m", 5: "heading_deg", 6: "pitch_deg", 7: "roll_deg"}
#: ST 0601 tag -> per-fix extra kept in ``Track.attrs['fields']``.
FIELD_TAGS = {
    8: "true_airspeed_m_s",
    9: "indicated_airspeed_m_s",
    16: "sensor_hfov_deg",
    17: "sensor_vfov_deg",
    18: "sensor_rel_azimuth_deg",
    19: "sensor_rel_elevation_deg",
    20: "sensor_rel_roll_deg",
    21: "slant_range_m",
    22: "target_width_m",
    23: "frame_center_lat_deg",
    24: "frame_center_lon_deg",
    25: "frame_center_elev_m",
    26: "corner1_lat_offset_deg",
    27: "corner1_lon_offset_deg",
    28: "corner2_lat_offset_deg",
    29: "corner2_lon_offset_deg",
    30: "corner3_lat_offset_deg",
    31: "corner3_lon_offset_deg",
    32: "corner4_lat_offset_deg",
    33: "corner4_lon_offset_deg",
    35: "wind_from_deg",
    36: "wind_speed_m_s",
    39: "outside_air_temperature_c",
    56: "ground_speed_m_s",
    75: "sensor_ellipsoid_height_m",
    104: "sensor_ellipsoid_height_extended_m",
    113: "altitude_agl_m",
}
#: Precision this writer keeps in ST 0601's variable-length IMAPB tags (their units); ST 0107 asks for
#: the fewest bytes that hold the producer's precision, which `IMAPFieldValue.for_precision` picks.
IMAP_PRECISION = {104: 0.01, 113: 0.01}
_TEXT_TAGS = {3: "mission_id", 10: "platform", 11: "image_source_sensor"}
_SECURITY_TAGS = {3: "classifying_country", 4: "sci_shi", 5: "caveats", 6: "releasing_instructions"}


@dataclass(frozen=True)
class KlvPacket:
    """One packet found in a stream: where, whether it is sound, and what it says (None if undecodable)."""

    offset: int
    length: int
    ok: bool
    problem: str | None = None
    values: dict[str, Any] = field(default_factory=dict)


def scan_packets(data: bytes) -> Iterator[KlvPacket]:
    """Every ST 0601 packet in a byte stream, good or bad, resynchronising on the UAS key after bad ones."""
    start = data.find(ST0601_KEY)
    while start >= 0:
        packet, end = _one_packet(data, start)
        yield packet
        start = data.find(ST0601_KEY, end if packet.ok else start + 1)


def read_klv(path: str | Path) -> Track:
    """A Track from an ST 0601 KLV file (.klv/.bin); bad packets are skipped and counted in attrs."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputFileError(path, "file not found") from None
    except OSError as err:
        raise InputFileError(path, f"cannot read ({err.strerror})") from None
    packets = list(scan_packets(data))
    good = [p for p in packets if p.ok]
    bad = [p for p in packets if not p.ok]
    for p in bad[:MAX_LOGGED_BAD]:
        log.warning("%s: skipped KLV packet at byte %d: %s", path, p.offset, p.problem)
    if len(bad) > MAX_LOGGED_BAD:
        log.warning("%s: %d more bad KLV packets not listed", path, len(bad) - MAX_LOGGED_BAD)
    if not good:
        detail = f"; first problem at byte {bad[0].offset}: {bad[0].problem}" if bad else ""
        raise InputFileError(path, f"no valid MISB ST 0601 packets ({len(bad)} bad){detail}")
    return _track(path, good, bad)


def write_klv(
    path: str | Path,
    track: Track,
    *,
    fields: dict[str, np.ndarray] | None = None,
    security: dict[str, str] | None = None,
    mission_id: str | None = None,
    platform: str | None = None,
    image_source_sensor: str | None = None,
) -> Path:
    """Write one ST 0601 packet per fix (time, position, attitude, extras, security set); returns the path.

    ``fields`` maps names of ``FIELD_TAGS`` (default ``track.attrs['fields']``) to per-fix arrays;
    each value is encoded as its tag's ST 0601 type: mapped floats (angles on 0-360 wrapped),
    integers rounded to the nearest whole unit (e.g. tag 56 ground speed, uint8 m/s), IMAPB
    with the fewest bytes holding ``IMAP_PRECISION``. ``security`` has ``classification`` (e.g.
    ``UNCLASSIFIED``), ``classifying_country`` (``//USA``), ``releasing_instructions``, optional
    ``caveats``. NaN values are left out; a value outside its tag's range raises ValueError.
    """
    path = Path(path)
    fields = dict(track.attrs.get("fields", {}) if fields is None else fields)
    by_name = {name: tag for tag, name in FIELD_TAGS.items()}
    unknown = sorted(set(fields) - set(by_name))
    if unknown:
        raise ValueError(f"unknown KLV fields {unknown}; known: {sorted(by_name)}")
    security_set = _security_set(security) if security else None
    columns = {tag: getattr(track, name) for tag, name in TRACK_TAGS.items()}
    columns.update({by_name[name]: np.asarray(values, dtype=np.float64) for name, values in fields.items()})
    texts = {3: mission_id, 10: platform, 11: image_source_sensor}
    constant: dict[int, Any] = {65: ST0601_VERSION, **{tag: text for tag, text in texts.items() if text}}
    if security_set is not None:
        constant[48] = security_set
    with atomic_path(path) as tmp, open(tmp, "wb") as out:
        for i, moment in enumerate(track.time.astype("datetime64[us]").astype(datetime)):
            values: dict[int, Any] = {2: moment.replace(tzinfo=UTC), **constant}
            try:
                for tag, column in columns.items():
                    value = float(column[i])
                    if np.isfinite(value):
                        values[tag] = _typed_value(tag, value)
                out.write(encode_uas_local_set(values))
            except (ValueError, TypeError, Stanag4609Error) as err:
                raise ValueError(f"fix {i} cannot be encoded as ST 0601: {err}") from None
    return path


def _typed_value(tag: int, value: float) -> Any:
    """``value`` as the Python type ST 0601 declares for ``tag`` (what `encode_uas_local_set` takes)."""
    definition = FIELD_DEFINITIONS[tag]
    if definition.kind in ("uint", "sint"):
        return int(round(value))
    if definition.kind == "imap":
        return IMAPFieldValue.for_precision(tag, value, IMAP_PRECISION[tag])
    if definition.kind == "mapped":
        full_circle = (definition.physical_min, definition.physical_max) == (0, 360)
        return value % 360.0 if full_circle else value
    raise TypeError(f"tag {tag} ({definition.name}) is {definition.kind}, not a number")


def _one_packet(data: bytes, start: int) -> tuple[KlvPacket, int]:
    header = start + len(ST0601_KEY)
    try:
        length, used = decode_ber_length(data, header, canonical=False)
    except Stanag4609Error as err:
        return KlvPacket(start, 0, False, f"broken BER length ({err})"), header
    end = header + used + length
    if end > len(data):
        return KlvPacket(start, length, False, f"length {length} runs past the end of the data"), header
    raw = data[start:end]
    try:
        decoded = decode_uas_local_set(raw, require_version=False)
    except ChecksumError as err:
        return KlvPacket(start, length, False, f"checksum: {err}", _values_unverified(raw)), end
    except (Stanag4609Error, ValueError, OverflowError) as err:
        return KlvPacket(start, length, False, f"does not decode ({err})"), end
    return KlvPacket(start, length, True, None, _values(decoded)), end


def _values_unverified(raw: bytes) -> dict[str, Any]:
    try:
        return _values(decode_uas_local_set(raw, verify_checksum=False, require_version=False))
    except (Stanag4609Error, ValueError, OverflowError):
        return {}


def _values(decoded) -> dict[str, Any]:
    values: dict[str, Any] = {}
    leap = decoded.value(136)
    stamp = decoded.value(2)
    if isinstance(stamp, datetime):
        if isinstance(leap, int):
            stamp = misp_timestamp_to_utc(stamp, leap_seconds=leap, correction_offset=decoded.value(137) or 0)
        values["time"] = stamp
        values["leap_seconds_tag"] = isinstance(leap, int)
    for tag, name in {**TRACK_TAGS, **FIELD_TAGS}.items():
        value = decoded.value(tag)
        values[name] = float(value) if isinstance(value, int | float) else np.nan
    for tag, name in _TEXT_TAGS.items():
        if isinstance(decoded.value(tag), str):
            values[name] = decoded.value(tag)
    security = decoded.value(48)
    if security is not None and hasattr(security, "value"):
        values["security"] = _security_dict(security)
    return values


def _security_dict(security) -> dict[str, str]:
    out: dict[str, str] = {}
    classification = security.value(1)
    if classification is not None:
        out["classification"] = getattr(classification, "name", str(classification)).replace("_", " ")
    for tag, name in _SECURITY_TAGS.items():
        if isinstance(security.value(tag), str):
            out[name] = security.value(tag)
    return out


def _security_set(security: dict[str, str]):
    try:
        classification = SecurityClassification[security["classification"].upper().replace(" ", "_")]
    except KeyError:
        names = ", ".join(c.name for c in SecurityClassification)
        raise ValueError(f"security needs a 'classification' ({names})") from None
    country = security.get("classifying_country", "//USA")
    values: dict[int, Any] = {
        1: classification,
        2: CountryCodingMethod.STANAG_1059_THREE_LETTER,
        3: country,
        12: ObjectCountryCodingMethod.STANAG_1059_THREE_LETTER,
        13: country.lstrip("/"),
        22: 12,
    }
    if security.get("releasing_instructions"):
        values[6] = security["releasing_instructions"]
    if security.get("caveats"):
        values[5] = security["caveats"]
    return decode_security_local_set(encode_security_local_set(values), standalone=False)


def _track(path: Path, good: list[KlvPacket], bad: list[KlvPacket]) -> Track:
    timed = [p for p in good if "time" in p.values]
    if not timed:
        raise InputFileError(path, "no ST 0601 packet carries a precision time stamp (tag 2)")
    times = np.array(
        [np.datetime64(p.values["time"].astimezone(UTC).replace(tzinfo=None), "us") for p in timed]
    )
    names = [*TRACK_TAGS.values(), *FIELD_TAGS.values()]
    column = {name: np.array([p.values[name] for p in timed], dtype=np.float64) for name in names}
    leap = all(p.values["leap_seconds_tag"] for p in timed)
    attrs: dict[str, Any] = {
        "format": "misb_st0601_klv",
        "altitude_reference": "msl",
        "packets_good": len(good),
        "packets_bad": len(bad),
        "bad_packets": [{"offset": p.offset, "problem": p.problem} for p in bad],
        "time_scale": "utc (leap seconds from tag 136)"
        if leap
        else "tag 2 read as UTC (no leap-second tag 136)",
        "fields": {name: column[name] for name in FIELD_TAGS.values() if np.isfinite(column[name]).any()},
    }
    for key in ("mission_id", "platform", "image_source_sensor", "security"):
        seen = [p.values[key] for p in timed if key in p.values]
        if seen:
            attrs[key] = seen[-1]
    track = sorted_track(path, times, column, attrs)
    if track.attrs["time_steps_backwards"]:
        log.warning(
            "%s: telemetry time steps backwards %d times; fixes sorted by time",
            path,
            track.attrs["time_steps_backwards"],
        )
    return track


def corner_lonlat(track: Track) -> tuple[np.ndarray, np.ndarray] | None:
    """Image corner lon/lat (deg), shape (fixes, 4): frame centre plus the corner offsets (tags 26-33)."""
    f = track.attrs.get("fields", {})
    needed = ["frame_center_lat_deg", "frame_center_lon_deg"] + [
        f"corner{i}_{axis}_offset_deg" for i in range(1, 5) for axis in ("lat", "lon")
    ]
    if not all(name in f for name in needed):
        return None
    lat = np.stack([f["frame_center_lat_deg"] + f[f"corner{i}_lat_offset_deg"] for i in range(1, 5)], axis=-1)
    lon = np.stack([f["frame_center_lon_deg"] + f[f"corner{i}_lon_offset_deg"] for i in range(1, 5)], axis=-1)
    return lon, lat
