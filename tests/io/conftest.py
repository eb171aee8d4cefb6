"""Tiny ENVI files written by hand (not by plumewatch), so the readers are checked independently."""

from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).parent / "data"
ENVI_CODES = {"u1": 1, "i2": 2, "i4": 3, "f4": 4, "f8": 5, "u2": 12, "u4": 13, "i8": 14, "u8": 15}


def cube(seed: int = 0, shape=(7, 5, 4), dtype="f4") -> np.ndarray:
    """A (line, sample, band) cube of small positive values."""
    rng = np.random.default_rng(seed)
    return (rng.uniform(1, 100, size=shape)).astype(dtype)


def write_raw_envi(
    path: Path,
    array: np.ndarray,
    *,
    interleave: str = "bil",
    byte_order: int = 0,
    offset: int = 0,
    extra: str = "",
    wavelength_nm=None,
) -> Path:
    """Write ``path`` (.hdr) and its data file ``path`` minus .hdr, laid out by hand."""
    lines, samples, bands = array.shape
    layout = {"bil": (0, 2, 1), "bip": (0, 1, 2), "bsq": (2, 0, 1)}[interleave]
    dtype = np.dtype(array.dtype).newbyteorder("<" if byte_order == 0 else ">")
    data = b"\0" * offset + np.ascontiguousarray(array.transpose(layout)).astype(dtype).tobytes()
    path.with_suffix("").write_bytes(data)
    if wavelength_nm is None:
        wavelength_nm = np.linspace(2000, 2400, bands)
    text = (
        f"ENVI\nsamples = {samples}\nlines = {lines}\nbands = {bands}\nheader offset = {offset}\n"
        f"file type = ENVI Standard\ndata type = {ENVI_CODES[np.dtype(array.dtype).str[1:]]}\n"
        f"interleave = {interleave}\nbyte order = {byte_order}\n"
        f"wavelength = {{{', '.join(f'{w:.3f}' for w in wavelength_nm)}}}\n{extra}"
    )
    path.write_text(text)
    return path


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def raw_envi():
    """The hand-written ENVI writer, as a fixture."""
    return write_raw_envi


@pytest.fixture
def make_cube():
    """The seeded cube maker, as a fixture."""
    return cube
