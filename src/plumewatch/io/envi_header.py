"""ENVI headers: parse, validate and write the `.hdr` text that describes a raw binary cube.

Parsing the `key = value` / `{list}` syntax is Spectral Python's job
(`spectral.io.envi.read_envi_header`, the reader most hyperspectral tools in Python
share); this module turns its strings into checked, typed fields and raises
InputFileError naming the file for anything a user's header can get wrong.
"""

from __future__ import annotations

import logging
import re
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from spectral.io import envi as spy_envi

from plumewatch.errors import InputFileError

log = logging.getLogger(__name__)

#: ENVI `data type` codes and the numpy types they name (complex types are not radiance).
ENVI_DTYPES: dict[int, str] = {
    1: "u1",
    2: "i2",
    3: "i4",
    4: "f4",
    5: "f8",
    12: "u2",
    13: "u4",
    14: "i8",
    15: "u8",
}
INTERLEAVES = ("bil", "bip", "bsq")
# The (line, sample, band) axes in the order each interleave lays them out in the file.
FILE_AXES = {"bil": (0, 2, 1), "bip": (0, 1, 2), "bsq": (2, 0, 1)}
DATA_SUFFIXES = ("", ".img", ".dat", ".bin", ".raw", ".bil", ".bip", ".bsq")
_MICROMETRE_UNITS = {
    "micrometers",
    "micrometer",
    "micrometres",
    "micrometre",
    "microns",
    "micron",
    "um",
    "µm",
    "μm",
}
_NANOMETRE_UNITS = {"nanometers", "nanometer", "nanometres", "nanometre", "nm"}
_NAME_TIME = re.compile(r"(?:^|[^a-z])(?:ang|pw|prm|ht)(\d{8})t(\d{6})", re.IGNORECASE)


@dataclass(frozen=True)
class EnviHeader:
    """A checked ENVI header: geometry of the binary file plus the band metadata plumewatch uses."""

    path: Path
    lines: int
    samples: int
    bands: int
    dtype: np.dtype
    interleave: str
    header_offset: int
    wavelength_nm: np.ndarray | None
    fwhm_nm: np.ndarray | None
    good_bands: np.ndarray | None
    data_ignore_value: float | None
    gain: np.ndarray | None
    offset: np.ndarray | None
    reflectance_scale_factor: float | None
    band_names: list[str] | None
    acquired: datetime | None
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def data_bytes(self) -> int:
        """Bytes the header says the data file holds after its header offset."""
        return self.lines * self.samples * self.bands * self.dtype.itemsize

    def file_shape(self) -> tuple[int, int, int]:
        """Shape of the array as laid out in the file for this interleave."""
        sizes = (self.lines, self.samples, self.bands)
        return tuple(sizes[axis] for axis in FILE_AXES[self.interleave])


def header_path_for(path: str | Path) -> Path:
    """The `.hdr` file for a header or data path (``X.hdr`` beside ``X`` or ``X.img``)."""
    path = Path(path)
    if path.suffix.lower() == ".hdr":
        return path
    for candidate in (Path(f"{path}.hdr"), path.with_suffix(".hdr")):
        if candidate.exists():
            return candidate
    raise InputFileError(path, "no ENVI header beside this file (looked for .hdr)")


def data_path_for(header: Path) -> Path:
    """The binary data file that an ENVI header describes (same stem, usual suffixes)."""
    stem = header.with_suffix("")
    for suffix in DATA_SUFFIXES:
        candidate = Path(f"{stem}{suffix}")
        if candidate.is_file() and candidate != header:
            return candidate
    raise InputFileError(
        header,
        f"no data file beside this header (looked for {stem.name} with "
        f"{', '.join(s or 'no suffix' for s in DATA_SUFFIXES)})",
    )


def read_header(path: str | Path) -> EnviHeader:
    """The parsed, checked ENVI header of a header or data path; InputFileError naming the file if bad."""
    header = header_path_for(path)
    if not header.is_file():
        raise InputFileError(header, "file not found")
    try:
        with warnings.catch_warnings():
            # SPy warns when it lower-cases keys; ENVI keys are case-insensitive, so that is expected.
            warnings.simplefilter("ignore")
            raw = spy_envi.read_envi_header(str(header))
    except (spy_envi.FileNotAnEnviHeader, UnicodeDecodeError):
        raise InputFileError(header, "not an ENVI header (first line must be 'ENVI')") from None
    except Exception as err:  # SPy raises bare errors for unbalanced braces and cut-off lists
        raise InputFileError(header, f"unreadable ENVI header ({type(err).__name__})") from None
    return parse_header(header, raw)


def parse_header(header: Path, raw: dict[str, Any]) -> EnviHeader:
    """Typed, checked fields from a raw key -> string/list header dictionary."""
    lines, samples, bands = (_positive_int(header, raw, key) for key in ("lines", "samples", "bands"))
    code = _int(header, raw, "data type")
    if code not in ENVI_DTYPES:
        raise InputFileError(
            header, f"unsupported ENVI data type {code} (supported: {', '.join(map(str, ENVI_DTYPES))})"
        )
    byte_order = _int(header, raw, "byte order", default=0)
    if byte_order not in (0, 1):
        raise InputFileError(
            header, f"byte order must be 0 (little-endian) or 1 (big-endian), not {byte_order}"
        )
    dtype = np.dtype(("<" if byte_order == 0 else ">") + ENVI_DTYPES[code])
    interleave = str(raw.get("interleave", "bsq")).strip().lower()
    if interleave not in INTERLEAVES:
        raise InputFileError(
            header, f"interleave must be one of {', '.join(INTERLEAVES)}, not {interleave!r}"
        )
    offset = _int(header, raw, "header offset", default=0)
    if offset < 0:
        raise InputFileError(header, f"header offset {offset} is negative")
    wavelength = _band_floats(header, raw, "wavelength", bands)
    fwhm = _band_floats(header, raw, "fwhm", bands)
    if wavelength is not None:
        factor = _wavelength_factor(header, raw, wavelength)
        wavelength = wavelength * factor
        fwhm = None if fwhm is None else fwhm * factor
    bbl = _band_floats(header, raw, "bbl", bands)
    names = raw.get("band names")
    if names is not None and (not isinstance(names, list) or len(names) != bands):
        raise InputFileError(header, f"'band names' must list {bands} names")
    ignore = raw.get("data ignore value")
    return EnviHeader(
        path=header,
        lines=lines,
        samples=samples,
        bands=bands,
        dtype=dtype,
        interleave=interleave,
        header_offset=offset,
        wavelength_nm=wavelength,
        fwhm_nm=fwhm,
        good_bands=None if bbl is None else bbl != 0,
        data_ignore_value=None if ignore is None else _float(header, "data ignore value", ignore),
        gain=_band_floats(header, raw, "data gain values", bands),
        offset=_band_floats(header, raw, "data offset values", bands),
        reflectance_scale_factor=_scale_factor(header, raw),
        band_names=None if names is None else [str(n) for n in names],
        acquired=acquisition_time(header, raw),
        raw=raw,
    )


def acquisition_time(header: Path, raw: dict[str, Any]) -> datetime | None:
    """UTC time from the header's `acquisition time`, else from an AVIRIS-style name (angYYYYMMDDtHHMMSS)."""
    text = raw.get("acquisition time")
    if isinstance(text, str) and text.strip():
        try:
            moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            raise InputFileError(header, f"'acquisition time' is not an ISO-8601 time: {text!r}") from None
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return time_from_name(header.name)


def time_from_name(name: str) -> datetime | None:
    """UTC time in a flight-line name like ``ang20170616t212046`` or ``pw20260611t101500``; else None."""
    match = _NAME_TIME.search(name)
    if not match:
        return None
    try:
        return datetime.strptime(match.group(1) + match.group(2), "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def check_data_size(header: EnviHeader, data: Path) -> None:
    """Raise InputFileError unless the data file is exactly as long as the header says."""
    expected = header.header_offset + header.data_bytes
    actual = data.stat().st_size
    if actual != expected:
        problem = "truncated" if actual < expected else "longer than its header says"
        raise InputFileError(
            data,
            f"{problem}: header {header.path.name} describes {header.lines} lines x {header.samples} "
            f"samples x {header.bands} bands of {header.dtype.name} + {header.header_offset} header "
            f"bytes = {expected} bytes, the file has {actual}",
        )


def format_header(metadata: dict[str, Any]) -> dict[str, Any]:
    """Header values ready for SPy's writer: datetimes as ISO-8601 UTC, arrays as lists."""
    out: dict[str, Any] = {}
    for key, value in metadata.items():
        if isinstance(value, datetime):
            value = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        elif isinstance(value, np.ndarray):
            value = value.tolist()
        out[key.lower()] = value
    return out


def write_header(path: Path, metadata: dict[str, Any]) -> None:
    """Write an ENVI header with SPy's writer (standard keys first)."""
    spy_envi.write_envi_header(str(path), format_header(metadata))


def _int(header: Path, raw: dict, key: str, default: int | None = None) -> int:
    value = raw.get(key)
    if value is None:
        if default is None:
            raise InputFileError(header, f"ENVI header has no '{key}'")
        return default
    try:
        return int(str(value).strip())
    except ValueError:
        raise InputFileError(header, f"'{key}' must be an integer, not {value!r}") from None


def _positive_int(header: Path, raw: dict, key: str) -> int:
    value = _int(header, raw, key)
    if value <= 0:
        raise InputFileError(header, f"'{key}' must be positive, not {value}")
    return value


def _float(header: Path, key: str, value: Any) -> float:
    try:
        return float(str(value).strip())
    except ValueError:
        raise InputFileError(header, f"'{key}' must be a number, not {value!r}") from None


def _band_floats(header: Path, raw: dict, key: str, bands: int) -> np.ndarray | None:
    values = raw.get(key)
    if values is None:
        return None
    if not isinstance(values, list):
        values = [values]
    try:
        array = np.array([float(str(v).strip()) for v in values], dtype=np.float64)
    except ValueError:
        raise InputFileError(header, f"'{key}' must be a list of numbers") from None
    if array.size != bands:
        raise InputFileError(header, f"'{key}' lists {array.size} values for {bands} bands")
    return array


def _wavelength_factor(header: Path, raw: dict, wavelength: np.ndarray) -> float:
    units = str(raw.get("wavelength units", "")).strip().lower()
    if units in _NANOMETRE_UNITS:
        return 1.0
    if units in _MICROMETRE_UNITS:
        return 1000.0
    if units not in ("", "unknown"):
        raise InputFileError(
            header, f"wavelength units {units!r} not understood (use nanometers or micrometers)"
        )
    # No units stated: imaging spectrometers span ~0.35-14 um, i.e. > 300 nm, so the magnitude decides.
    factor = 1000.0 if np.nanmax(wavelength) < 30.0 else 1.0
    log.info("%s: no wavelength units in header; taking values as %s", header, "um" if factor > 1 else "nm")
    return factor


def _scale_factor(header: Path, raw: dict) -> float | None:
    value = raw.get("reflectance scale factor")
    if value is None:
        return None
    factor = _float(header, "reflectance scale factor", value)
    if factor == 0 or not np.isfinite(factor):
        raise InputFileError(header, f"reflectance scale factor must be a non-zero number, not {value!r}")
    return factor
