"""ENVI reader and writer: layouts, data types, scaling, real Jasper Ridge header, bad files."""

import pickle
import shutil
from datetime import UTC, datetime

import dask
import numpy as np
import pytest

from plumewatch.errors import InputFileError
from plumewatch.io.envi import open_envi, read_envi_array, write_envi

DTYPES = ["u1", "i2", "i4", "f4", "f8", "u2", "u4", "i8", "u8"]


@pytest.mark.parametrize("interleave", ["bil", "bip", "bsq"])
@pytest.mark.parametrize("byte_order", [0, 1])
def test_every_interleave_and_byte_order_reads_back(tmp_path, raw_envi, make_cube, interleave, byte_order):
    data = make_cube(1)
    hdr = raw_envi(tmp_path / "x_rdn.hdr", data, interleave=interleave, byte_order=byte_order, offset=16)
    scene = open_envi(hdr)
    assert scene.shape == data.shape
    np.testing.assert_array_equal(scene.radiance.compute(), data)
    assert scene.attrs["interleave"] == interleave
    assert scene.attrs["byte_order"] == ("little" if byte_order == 0 else "big")


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_data_type(tmp_path, raw_envi, make_cube, dtype):
    data = make_cube(2, dtype=dtype)
    scene = open_envi(raw_envi(tmp_path / "x_rdn.hdr", data))
    out = scene.radiance.compute()
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, data.astype(np.float64), rtol=1e-6)


def test_data_path_opens_too(tmp_path, raw_envi, make_cube):
    raw_envi(tmp_path / "x_rdn.hdr", make_cube(3))
    assert open_envi(tmp_path / "x_rdn").name == "x_rdn"


def test_ignore_value_gain_offset_bbl_fwhm_micrometres(tmp_path, raw_envi):
    data = np.arange(2 * 3 * 4, dtype="i2").reshape(2, 3, 4)
    data[0, 0, :] = -9999
    extra = (
        "data ignore value = -9999\n"
        "data gain values = {0.5, 0.5, 2, 2}\n"
        "data offset values = {1, 1, 0, 0}\n"
        "bbl = {1, 0, 1, 1}\n"
        "fwhm = {0.01, 0.01, 0.01, 0.01}\n"
        "wavelength units = Micrometers\n"
    )
    hdr = raw_envi(tmp_path / "x_rdn.hdr", data, extra=extra, wavelength_nm=[2.1, 2.2, 2.3, 2.4])
    scene = open_envi(hdr)
    out = scene.radiance.compute()
    assert np.isnan(out[0, 0]).all()
    np.testing.assert_allclose(out[1, 2], data[1, 2] * np.array([0.5, 0.5, 2, 2]) + np.array([1, 1, 0, 0]))
    np.testing.assert_allclose(scene.wavelength_nm, [2100, 2200, 2300, 2400])
    np.testing.assert_allclose(scene.fwhm_nm, [10, 10, 10, 10])
    np.testing.assert_array_equal(scene.good_bands, [True, False, True, True])


@pytest.mark.parametrize("interleave", ["bil", "bip", "bsq"])
def test_band_subsets_read_alone_equal_the_whole_cube_sliced(tmp_path, raw_envi, interleave):
    rng = np.random.default_rng(11)
    data = rng.integers(-50, 3000, size=(9, 6, 10)).astype("i2")
    data[2, 3, :] = -9999
    data[4, 1, 7] = -9999
    gains = ", ".join(f"{g:g}" for g in np.linspace(0.5, 1.4, 10))
    offsets = ", ".join(f"{o:g}" for o in np.linspace(-3, 6, 10))
    extra = f"data ignore value = -9999\ndata gain values = {{{gains}}}\ndata offset values = {{{offsets}}}\n"
    hdr = raw_envi(tmp_path / "x_rdn.hdr", data, interleave=interleave, extra=extra)
    _, whole = read_envi_array(hdr, chunk_bytes=6 * 10 * 4 * 4)
    whole = whole.compute()
    for bands in ([0, 1, 2, 5, 6, 9], [3], [1, 3, 5, 7], list(range(10))):
        _, subset = read_envi_array(hdr, chunk_bytes=6 * 10 * 4 * 4, bands=np.array(bands))
        assert subset.shape == (9, 6, len(bands))
        np.testing.assert_array_equal(subset.compute(), whole[:, :, bands])
    assert np.isnan(whole[2, 3]).all() and np.isnan(whole[4, 1, 7])


@pytest.mark.parametrize("interleave", ["bil", "bip", "bsq"])
def test_blocks_read_a_few_lines_at_a_time_are_pixel_interleaved_and_whole(
    tmp_path, raw_envi, monkeypatch, interleave
):
    import plumewatch.io.envi as envi

    rng = np.random.default_rng(12)
    data = rng.integers(-50, 3000, size=(9, 6, 10)).astype("i2")
    data[2, 3, :] = -9999
    data[7, 5, 4] = -9999
    extra = "data ignore value = -9999\ndata gain values = {" + ", ".join(["0.5"] * 10) + "}\n"
    hdr = raw_envi(tmp_path / "x_rdn.hdr", data, interleave=interleave, byte_order=1, extra=extra)
    expected = np.where(data == -9999, np.nan, data * 0.5).astype("f4")
    bands = np.array([0, 1, 2, 5, 6, 9])
    # pieces of 1 and 2 lines (the last one short), of every line at once; lines read back to front
    for piece_bytes in (1, 6 * len(bands) * 4 * 2, 2**30):
        monkeypatch.setattr(envi, "PIECE_BYTES", piece_bytes)
        reader = envi.EnviBlockReader(envi.read_header(hdr), tmp_path / "x_rdn", bands=bands)
        block = reader[slice(1, 8), slice(None), slice(None)]
        assert block.flags["C_CONTIGUOUS"] and block.dtype == np.float32
        np.testing.assert_array_equal(block, expected[1:8][:, :, bands])
        backwards = reader[slice(None, None, -1), slice(1, 5), slice(1, 4)]
        np.testing.assert_array_equal(backwards, expected[::-1, 1:5][:, :, bands[1:4]])


def test_scene_bands_are_read_alone_for_its_own_radiance_only(tmp_path, raw_envi, make_cube):
    import dataclasses

    import dask.array as da

    data = make_cube(12, shape=(8, 5, 6))
    scene = open_envi(raw_envi(tmp_path / "x_rdn.hdr", data))
    picked = scene.bands(np.array([0, 2, 3]))
    assert picked.name != scene.bands(np.array([0, 2, 4])).name  # each subset its own dask name
    assert picked.name != scene.radiance[:, :, [0, 2, 3]].name  # read alone, not sliced
    np.testing.assert_array_equal(picked.compute(), data[:, :, [0, 2, 3]])
    np.testing.assert_array_equal(scene.bands(slice(1, 4)).compute(), data[:, :, 1:4])
    other = dataclasses.replace(scene, radiance=da.zeros(data.shape, chunks=(4, -1, -1), dtype="f4"))
    np.testing.assert_array_equal(other.bands(np.array([0, 2, 3])).compute(), 0.0)


@pytest.mark.parametrize("units", ["microns", "µm", "um", "Nanometers", "nm"])
def test_wavelength_unit_spellings(tmp_path, raw_envi, make_cube, units):
    values = [2000, 2100, 2200, 2300] if units in ("Nanometers", "nm") else [2.0, 2.1, 2.2, 2.3]
    hdr = raw_envi(
        tmp_path / "x_rdn.hdr", make_cube(4), extra=f"wavelength units = {units}\n", wavelength_nm=values
    )
    np.testing.assert_allclose(open_envi(hdr).wavelength_nm, [2000, 2100, 2200, 2300])


def test_missing_fwhm_is_estimated_and_labelled(tmp_path, raw_envi, make_cube):
    scene = open_envi(raw_envi(tmp_path / "x_rdn.hdr", make_cube(5), wavelength_nm=[2000, 2010, 2030, 2060]))
    np.testing.assert_allclose(scene.fwhm_nm, [10, 10, 20, 30])
    assert "estimated" in scene.attrs["fwhm_source"]


def test_radiance_is_lazy_chunked_by_lines_and_pickles_small(tmp_path, raw_envi, make_cube):
    hdr = raw_envi(tmp_path / "x_rdn.hdr", make_cube(6, shape=(40, 5, 4)))
    _, array = read_envi_array(hdr, chunk_bytes=5 * 4 * 4 * 8)
    assert array.chunks[0] == (8, 8, 8, 8, 8)
    assert array.chunks[1:] == ((5,), (4,))
    assert len(pickle.dumps(array)) < 10_000
    with dask.config.set(scheduler="synchronous"):
        np.testing.assert_array_equal(array[9:11].compute(), make_cube(6, shape=(40, 5, 4))[9:11])


def test_time_from_header_then_name(tmp_path, raw_envi, make_cube):
    hdr = raw_envi(tmp_path / "x_rdn.hdr", make_cube(7), extra="acquisition time = 2026-06-11T10:15:30Z\n")
    assert open_envi(hdr).acquired == datetime(2026, 6, 11, 10, 15, 30, tzinfo=UTC)
    named = raw_envi(tmp_path / "ang20170616t212046_rdn.hdr", make_cube(7))
    scene = open_envi(named)
    assert scene.acquired == datetime(2017, 6, 16, 21, 20, 46, tzinfo=UTC)
    assert scene.sensor == "avirisng"


def test_real_jasper_ridge_header_keeps_band_order(tmp_path, data_dir):
    header = (data_dir / "jasperRidge2_R198.hdr").read_text().replace("lines   = 100", "lines   = 10")
    (tmp_path / "jasper.hdr").write_text(header)
    shutil.copy(data_dir / "jasperRidge2_R198_lines0-9.img", tmp_path / "jasper.img")
    scene = open_envi(tmp_path / "jasper.hdr")
    assert scene.shape == (10, 100, 198)
    assert scene.attrs["wavelength_order"] == "non-monotonic"
    assert scene.attrs["wavelength_steps_back_at"] == [29, 93]
    assert scene.wavelength_nm[28] > scene.wavelength_nm[29]
    assert scene.radiance_units.startswith("reflectance")
    raw = np.fromfile(tmp_path / "jasper.img", "<i2").reshape(10, 198, 100).transpose(0, 2, 1)
    np.testing.assert_allclose(scene.radiance.compute(), raw / 10000.0, rtol=1e-6)
    assert 0.0 < float(np.nanmedian(scene.radiance.compute())) < 0.5


def test_real_header_with_short_data_names_file_and_sizes(tmp_path, data_dir):
    shutil.copy(data_dir / "jasperRidge2_R198.hdr", tmp_path / "jasper.hdr")
    shutil.copy(data_dir / "jasperRidge2_R198_lines0-9.img", tmp_path / "jasper.img")
    with pytest.raises(InputFileError, match=r"jasper\.img: truncated.*3960000 bytes, the file has 396000"):
        open_envi(tmp_path / "jasper.hdr")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace("data type = 4", "data type = 6"), "unsupported ENVI data type 6"),
        (lambda t: t.replace("interleave = bil", "interleave = abc"), "interleave must be"),
        (lambda t: t.replace("byte order = 0", "byte order = 2"), "byte order must be"),
        (lambda t: t.replace("samples = 5", "samples = five"), "'samples' must be an integer"),
        (lambda t: t.replace("lines = 7\n", ""), "no 'lines'"),
        (lambda t: t.replace("ENVI\n", "NOTENVI\n"), "not an ENVI header"),
        (lambda t: t + "fwhm = {1, 2}\n", "'fwhm' lists 2 values for 4 bands"),
        (lambda t: t + "wavelength units = parsecs\n", "wavelength units 'parsecs'"),
        (lambda t: t.replace("samples = 5", "samples = 6"), "truncated"),
        (lambda t: t.replace("samples = 5", "samples = 4"), "longer than its header says"),
        (lambda t: t + "fwhm = {1, 2,\n", "unreadable ENVI header"),
    ],
)
def test_bad_headers_are_one_line_errors_naming_the_file(tmp_path, raw_envi, make_cube, edit, message):
    hdr = raw_envi(tmp_path / "bad_rdn.hdr", make_cube(8))
    hdr.write_text(edit(hdr.read_text()))
    with pytest.raises(InputFileError, match=message) as info:
        open_envi(hdr)
    assert "bad_rdn" in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_files(tmp_path, raw_envi, make_cube):
    with pytest.raises(InputFileError, match="no_such_rdn"):
        open_envi(tmp_path / "no_such_rdn.hdr")
    hdr = raw_envi(tmp_path / "x_rdn.hdr", make_cube(9))
    (tmp_path / "x_rdn").unlink()
    with pytest.raises(InputFileError, match="no data file"):
        open_envi(hdr)


def test_no_wavelengths_is_an_error_for_radiance(tmp_path, raw_envi, make_cube):
    hdr = raw_envi(tmp_path / "x_rdn.hdr", make_cube(10))
    hdr.write_text(
        "\n".join(line for line in hdr.read_text().splitlines() if not line.startswith("wavelength"))
    )
    with pytest.raises(InputFileError, match="no 'wavelength' list"):
        open_envi(hdr)


@pytest.mark.parametrize("interleave", ["bil", "bip", "bsq"])
@pytest.mark.parametrize("dtype", ["f4", "i2", "f8"])
def test_write_envi_round_trip(tmp_path, make_cube, interleave, dtype):
    data = make_cube(11, shape=(9, 6, 5), dtype=dtype)
    meta = {
        "wavelength": [2000.0, 2100, 2200, 2300, 2400],
        "fwhm": [9.0] * 5,
        "description": "test cube",
        "acquisition time": datetime(2026, 6, 11, 10, 15, tzinfo=UTC),
        "data ignore value": -9999,
    }
    hdr = write_envi(tmp_path / "w_rdn.hdr", data, interleave=interleave, metadata=meta)
    assert (tmp_path / "w_rdn.img").stat().st_size == data.nbytes
    scene = open_envi(hdr)
    np.testing.assert_array_equal(scene.radiance.compute(), data.astype(np.float32))
    np.testing.assert_allclose(scene.wavelength_nm, meta["wavelength"])
    assert scene.acquired == meta["acquisition time"]
    assert not list(tmp_path.glob(".*tmp"))


def test_write_envi_from_dask_and_failure_leaves_nothing(tmp_path, make_cube):
    import dask.array as da

    data = make_cube(12, shape=(10, 3, 2))
    write_envi(
        tmp_path / "d_rdn.hdr", da.from_array(data, chunks=(3, -1, -1)), metadata={"wavelength": [1, 2]}
    )
    np.testing.assert_array_equal(read_envi_array(tmp_path / "d_rdn.hdr")[1].compute(), data)
    with pytest.raises(ValueError):
        write_envi(tmp_path / "e_rdn.hdr", data.astype(np.complex64))
    assert not (tmp_path / "e_rdn.img").exists() and not (tmp_path / "e_rdn.hdr").exists()
