"""ENVI radiance cubes: open one as a lazy Scene, write one atomically.

The data file is never read whole: ``Scene.radiance`` is a dask array chunked by
lines whose chunks each open a ``np.memmap`` of the file and copy out their lines,
so it pickles small (for process pools and dask.distributed) and memory stays flat.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

import dask.array as da
import numpy as np
from dask.base import tokenize

from plumewatch.atomic import atomic_path
from plumewatch.errors import InputFileError
from plumewatch.io.envi_header import (
    ENVI_DTYPES,
    FILE_AXES,
    INTERLEAVES,
    EnviHeader,
    check_data_size,
    data_path_for,
    read_header,
    write_header,
)
from plumewatch.scene import BandSubsets, Scene

log = logging.getLogger(__name__)

CHUNK_BYTES = 32 * 2**20
# Lines a block is read in at a time: about this much, which a core's cache holds (see EnviBlockReader).
PIECE_BYTES = 2**20
_DTYPE_CODES = {np.dtype(v).str[1:]: k for k, v in ENVI_DTYPES.items()}
_SENSOR_PREFIXES = {"ang": "avirisng", "emit": "emit", "pw": "unknown", "ht": "hytes", "f": "aviris"}


class EnviBlockReader:
    """Array-like over an ENVI data file: indexing returns float32 (line, sample, band) blocks.

    Scaling follows the header: ``raw * gain + offset``, divided by the reflectance
    scale factor if one is given; values equal to ``data ignore value`` become NaN.
    ``bands`` (increasing file band indices) makes it hold those bands alone: a block reads
    just them, one run of consecutive bands at a time. Blocks come out pixel-interleaved (C order)
    whatever the file's interleave: a few lines at a time are copied in the file's layout into a
    buffer that stays in cache (``PIECE_BYTES``), scaled there and transposed into the block. The
    transposition of a whole block, tens of MB, runs 3x slower, out of cache.
    """

    ndim = 3

    def __init__(
        self,
        header: EnviHeader,
        data: Path,
        dtype: np.dtype | type = np.float32,
        bands: np.ndarray | None = None,
    ):
        self.header = header
        self.data = data
        self.dtype = np.dtype(dtype)
        self.bands = np.arange(header.bands) if bands is None else np.asarray(bands, dtype=int)
        self.shape = (header.lines, header.samples, len(self.bands))

    def __getitem__(self, key: tuple[slice, slice, slice]) -> np.ndarray:
        h = self.header
        raw = np.memmap(self.data, dtype=h.dtype, mode="r", offset=h.header_offset, shape=h.file_shape())
        lines, samples, bands = key
        rows, chosen = range(h.lines)[lines], self.bands[bands]
        out = np.empty((len(rows), len(range(h.samples)[samples]), len(chosen)), self.dtype)
        working = np.float64 if h.dtype.itemsize > 4 else self.dtype  # exact for the file's values
        step = max(1, PIECE_BYTES // max(out.shape[1] * len(chosen) * np.dtype(working).itemsize, 1))
        for first in range(0, len(rows), step):
            part = rows[first : first + step]
            piece = slice(part.start, part.stop if part.stop >= 0 else None, part.step)
            for start, stop, at in _band_runs(chosen):
                out[first : first + len(part), :, at : at + stop - start] = self._scaled(
                    _file_block(raw, h.interleave, piece, samples, slice(start, stop)), working, start, stop
                )
        return out

    def _scaled(self, block: np.ndarray, working, start: int, stop: int) -> np.ndarray:
        """``block``, a (line, sample, band) view of the file's bands ``start:stop``, copied and scaled."""
        h = self.header
        values = np.array(block, dtype=working, order="K")  # a copy in the file's layout
        nodata = None if h.data_ignore_value is None else block == h.data_ignore_value
        if h.gain is not None:
            values = values * h.gain[start:stop]
        if h.offset is not None:
            values = values + h.offset[start:stop]
        if h.reflectance_scale_factor is not None:
            values = values / h.reflectance_scale_factor
        values = values.astype(self.dtype, copy=False)
        if nodata is not None:
            values[nodata] = np.nan
        return values


def _file_block(raw: np.ndarray, interleave: str, lines: slice, samples: slice, bands: slice) -> np.ndarray:
    """A (line, sample, band) view of the file's ``raw`` array (in its own axis order)."""
    axes = FILE_AXES[interleave]
    key = (lines, samples, bands)
    return raw[tuple(key[axis] for axis in axes)].transpose(np.argsort(axes))


def _band_runs(bands: np.ndarray) -> list[tuple[int, int, int]]:
    """(first band, end band, position in ``bands``) of each run of consecutive band indices."""
    if not len(bands):
        return []
    breaks = np.flatnonzero(np.diff(bands) != 1) + 1
    starts = np.r_[0, breaks]
    ends = np.r_[breaks, len(bands)]
    return [(int(bands[a]), int(bands[b - 1]) + 1, int(a)) for a, b in zip(starts, ends, strict=True)]


def read_envi_array(
    path: str | Path,
    *,
    dtype: np.dtype | type = np.float32,
    chunk_bytes: int = CHUNK_BYTES,
    bands: np.ndarray | None = None,
) -> tuple[EnviHeader, da.Array]:
    """The checked header and a lazy (line, sample, band) dask array (float32 by default) for an ENVI file.

    ``bands`` (increasing band indices): the array holds those bands alone, and reads no other.
    """
    header = read_header(path)
    data = data_path_for(header.path)
    check_data_size(header, data)
    return header, _envi_array(header, data, bands, dtype=dtype, chunk_bytes=chunk_bytes)


def _envi_array(
    header: EnviHeader,
    data: Path,
    bands: np.ndarray | None = None,
    *,
    dtype: np.dtype | type = np.float32,
    chunk_bytes: int = CHUNK_BYTES,
) -> da.Array:
    """The lazy dask array of a checked header's data file (``bands`` as in ``read_envi_array``)."""
    reader = EnviBlockReader(header, data, dtype, bands)
    line_bytes = header.samples * header.bands * reader.dtype.itemsize
    lines_per_chunk = max(1, min(header.lines, chunk_bytes // max(line_bytes, 1)))
    subset = "" if bands is None else f"-bands-{tokenize(reader.bands)}"
    return da.from_array(
        reader,
        chunks=(lines_per_chunk, -1, -1),
        asarray=False,
        fancy=False,
        name=f"envi-{data.resolve()}-{data.stat().st_mtime_ns}-{reader.dtype.name}{subset}",
        meta=np.empty((0, 0, 0), reader.dtype),
    )


def open_envi(path: str | Path) -> Scene:
    """A lazy Scene from an ENVI radiance cube (header or data path), with its companion geometry files."""
    from plumewatch.io.companions import read_companions

    header, radiance = read_envi_array(path)
    if header.wavelength_nm is None:
        raise InputFileError(
            header.path, "ENVI header has no 'wavelength' list; a radiance cube needs band centres"
        )
    attrs: dict[str, Any] = {
        "format": "envi",
        "interleave": header.interleave,
        "data_type": header.dtype.name,
        "byte_order": "big" if header.dtype.byteorder == ">" else "little",
    }
    attrs.update(wavelength_order(header.wavelength_nm))
    if attrs["wavelength_order"] == "non-monotonic":
        log.info(
            "%s: wavelengths step back at bands %s (overlapping spectrometers); band order kept",
            header.path,
            attrs["wavelength_steps_back_at"],
        )
    fwhm = header.fwhm_nm
    if fwhm is None:
        fwhm = fwhm_from_spacing(header.wavelength_nm)
        attrs["fwhm_source"] = "estimated from band spacing (header has no fwhm)"
        log.warning("%s: header has no fwhm; estimating it from band spacing", header.path)
    if header.reflectance_scale_factor is not None:
        attrs["quantity"] = "reflectance"
    if "air temperature k" in header.raw:
        # A thermal line's near-ground air temperature (K): the plume's temperature for detection.
        try:
            attrs["air_temperature_k"] = float(header.raw["air temperature k"])
        except (TypeError, ValueError):
            raise InputFileError(header.path, "'air temperature k' is not a number") from None
    geometry = read_companions(header)
    attrs.update(geometry.attrs)
    name = header.path.stem
    return Scene(
        name=name,
        path=header.path,
        radiance=radiance,
        wavelength_nm=header.wavelength_nm,
        fwhm_nm=fwhm,
        radiance_units=_units(header),
        sensor=sensor_name(header),
        good_bands=header.good_bands,
        acquired=header.acquired or geometry.acquired,
        lon_deg=geometry.lon_deg,
        lat_deg=geometry.lat_deg,
        solar_zenith_deg=geometry.solar_zenith_deg,
        view_zenith_deg=geometry.view_zenith_deg,
        pixel_size_m=geometry.pixel_size_m,
        attrs=attrs,
        band_subsets=BandSubsets(
            radiance.name, functools.partial(_envi_array, header, data_path_for(header.path))
        ),
    )


def write_envi(
    hdr_path: str | Path,
    array: np.ndarray | da.Array,
    *,
    interleave: str = "bil",
    metadata: dict[str, Any] | None = None,
) -> Path:
    """Write a (line, sample, band) array as ENVI ``X.img`` + ``X.hdr`` (atomic); returns the header path.

    ``metadata`` holds ENVI header keys (``wavelength`` in nm, ``fwhm``, ``band names``,
    ``description``, ``data ignore value``, ``map info``, ``acquisition time`` ...).
    Written little-endian in the array's dtype, line chunk by line chunk.
    """
    hdr_path = Path(hdr_path)
    if hdr_path.suffix.lower() != ".hdr":
        raise ValueError(f"ENVI header path must end in .hdr: {hdr_path}")
    if interleave not in INTERLEAVES:
        raise ValueError(f"interleave must be one of {INTERLEAVES}, not {interleave!r}")
    if array.ndim != 3:
        raise ValueError(f"array must be (line, sample, band), got shape {array.shape}")
    dtype = np.dtype(array.dtype).newbyteorder("<")
    code = _DTYPE_CODES.get(dtype.str[1:])
    if code is None:
        raise ValueError(f"no ENVI data type for {array.dtype}")
    lines, samples, bands = (int(n) for n in array.shape)
    meta = {k.lower(): v for k, v in (metadata or {}).items()}
    if "wavelength" in meta and "wavelength units" not in meta:
        meta["wavelength units"] = "Nanometers"
    meta.update(
        {
            "samples": samples,
            "lines": lines,
            "bands": bands,
            "header offset": 0,
            "data type": code,
            "interleave": interleave,
            "byte order": 0,
        }
    )
    data_path = hdr_path.with_suffix(".img")
    with atomic_path(data_path) as tmp_data:
        _write_data(tmp_data, array, dtype, interleave)
        with atomic_path(hdr_path) as tmp_hdr:
            write_header(tmp_hdr, meta)
    return hdr_path


def wavelength_order(wavelength_nm: np.ndarray) -> dict[str, Any]:
    """``wavelength_order`` (ascending, descending or non-monotonic) and the bands where it steps back."""
    step = np.diff(wavelength_nm)
    if np.all(step > 0):
        return {"wavelength_order": "ascending"}
    if np.all(step < 0):
        return {"wavelength_order": "descending"}
    back = (np.flatnonzero(step <= 0) + 1).tolist()
    return {"wavelength_order": "non-monotonic", "wavelength_steps_back_at": back}


def fwhm_from_spacing(wavelength_nm: np.ndarray) -> np.ndarray:
    """FWHM (nm) estimated as each band's distance to its nearest neighbour in wavelength."""
    if wavelength_nm.size < 2:
        return np.full(wavelength_nm.shape, np.nan)
    order = np.argsort(wavelength_nm)
    sorted_nm = wavelength_nm[order]
    gaps = np.diff(sorted_nm)
    nearest = np.minimum(np.r_[gaps, np.inf], np.r_[np.inf, gaps])
    out = np.empty_like(wavelength_nm, dtype=np.float64)
    out[order] = nearest
    return out


def sensor_name(header: EnviHeader) -> str:
    """Sensor from the header's `sensor type`, else from the file name's prefix (ang -> avirisng)."""
    stated = str(header.raw.get("sensor type", "")).strip().lower().replace("-", "").replace(" ", "")
    if stated and stated != "unknown":
        return stated
    name = header.path.name.lower()
    for prefix, sensor in sorted(_SENSOR_PREFIXES.items(), key=lambda kv: -len(kv[0])):
        if name.startswith(prefix) and name[len(prefix) : len(prefix) + 1].isdigit():
            return sensor
    return "unknown"


def _units(header: EnviHeader) -> str:
    if header.reflectance_scale_factor is not None:
        return "reflectance (unitless)"
    for key in ("radiance units", "data units"):
        if header.raw.get(key):
            return str(header.raw[key]).strip()
    return "uW nm-1 cm-2 sr-1"


def _write_data(path: Path, array: np.ndarray | da.Array, dtype: np.dtype, interleave: str) -> None:
    lines, samples, bands = (int(n) for n in array.shape)
    if lines * samples * bands == 0:
        raise ValueError("cannot write an empty cube")
    axes = FILE_AXES[interleave]
    out = np.memmap(path, dtype=dtype, mode="w+", shape=tuple((lines, samples, bands)[axis] for axis in axes))
    cube = out.transpose(np.argsort(axes))  # the file seen as (line, sample, band)
    step = max(1, CHUNK_BYTES // max(samples * bands * dtype.itemsize, 1))
    for start in range(0, lines, step):
        cube[start : start + step] = np.asarray(array[start : start + step]).astype(dtype, copy=False)
    out.flush()
    del cube, out
