"""Property-based fuzzing of the ENVI-header and KLV parsers: wild input gives a result or InputFileError."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plumewatch.errors import InputFileError
from plumewatch.io.envi import open_envi
from plumewatch.io.klv import read_klv, scan_packets, write_klv
from plumewatch.io.telemetry import read_track
from plumewatch.io.track import Track

pytestmark = pytest.mark.slow
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
KEYS = [
    "samples",
    "lines",
    "bands",
    "header offset",
    "data type",
    "interleave",
    "byte order",
    "wavelength",
    "fwhm",
    "bbl",
    "data ignore value",
    "wavelength units",
    "reflectance scale factor",
    "data gain values",
    "acquisition time",
    "band names",
    "map info",
    "description",
]
VALUES = st.one_of(
    st.integers(-5, 20).map(str),
    st.sampled_from(
        [
            "bil",
            "bip",
            "bsq",
            "nm",
            "Micrometers",
            "{1, 2}",
            "{2100, 2200, 2300}",
            "{",
            "}",
            "2026-06-11T10:15:00Z",
            "nan",
            "1e400",
            "",
            "{1,\n2,\n3}",
            "{a, b, c}",
        ]
    ),
    st.text(max_size=12),
)
SEED_HEADER = (
    "ENVI\nsamples = 2\nlines = 3\nbands = 3\nheader offset = 0\ndata type = 4\ninterleave = bil\n"
    "byte order = 0\nwavelength = {2100, 2200, 2300}\n"
)


@FUZZ
@given(
    lines=st.lists(st.tuples(st.sampled_from(KEYS), VALUES), max_size=12),
    data_len=st.one_of(st.just(72), st.integers(0, 200)),
)
def test_envi_header_fields_fuzz(tmp_path, lines, data_len):
    header = tmp_path / "f_rdn.hdr"
    header.write_text(SEED_HEADER + "".join(f"{k} = {v}\n" for k, v in lines), encoding="utf-8")
    (tmp_path / "f_rdn.img").write_bytes(b"\x01" * data_len)
    try:
        scene = open_envi(header)
    except InputFileError as err:
        assert "f_rdn" in str(err)
        return
    assert scene.radiance.compute().shape == scene.shape
    assert scene.wavelength_nm.shape == (scene.shape[2],)


@FUZZ
@given(text=st.text(max_size=400), binary=st.binary(max_size=64))
def test_envi_header_free_text_fuzz(tmp_path, text, binary):
    header = tmp_path / "g_rdn.hdr"
    header.write_bytes(b"ENVI\n" + text.encode("utf-8", "surrogatepass") + binary)
    (tmp_path / "g_rdn.img").write_bytes(b"\0" * 24)
    try:
        open_envi(header)
    except InputFileError as err:
        assert "g_rdn" in str(err) and "\n" not in str(err)


def _stream(tmp_path) -> bytes:
    n = 4
    time = np.datetime64("2026-06-11T10:15:00", "us") + (np.arange(n) * 100_000).astype("timedelta64[us]")
    ones = np.ones(n)
    track = Track(
        source=tmp_path,
        time=time,
        lon_deg=-118 + ones,
        lat_deg=34 + ones,
        alt_m=1000 * ones,
        heading_deg=90 * ones,
        pitch_deg=0 * ones,
        roll_deg=0 * ones,
    )
    return write_klv(tmp_path / "seed.klv", track, security={"classification": "UNCLASSIFIED"}).read_bytes()


@FUZZ
@given(
    edits=st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 255), st.sampled_from("xdi")), max_size=8
    ),
    cut=st.integers(0, 10_000),
)
def test_klv_mutated_stream_fuzz(tmp_path, edits, cut):
    data = bytearray(_stream(tmp_path))
    for position, value, kind in edits:
        i = position % (len(data) + 1)
        if kind == "x" and i < len(data):
            data[i] ^= value or 1
        elif kind == "d" and i < len(data):
            del data[i]
        else:
            data.insert(i, value)
    data = bytes(data[: len(data) - cut % 64])
    packets = list(scan_packets(data))
    assert sum(p.ok for p in packets) <= 4 + len(edits)
    path = tmp_path / "m.klv"
    path.write_bytes(data)
    try:
        track = read_klv(path)
    except InputFileError as err:
        assert "m.klv" in str(err)
        return
    assert track.attrs["packets_good"] + track.attrs["packets_bad"] == len(packets)
    assert np.all(np.diff(track.time) > np.timedelta64(0, "us"))


@FUZZ
@given(data=st.binary(max_size=600))
def test_klv_random_bytes_fuzz(tmp_path, data):
    key = bytes.fromhex("060E2B34020B01010E01030101000000")
    path = tmp_path / "r.bin"
    path.write_bytes(data[:300] + key + data[300:])
    try:
        read_track(path)
    except InputFileError as err:
        assert "r.bin" in str(err)
