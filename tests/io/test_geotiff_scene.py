"""Multi-band GeoTIFF / COG radiance: wavelengths from tags or descriptions, lazy window reads, dispatch."""

import numpy as np
import pytest
import rasterio
from rasterio.transform import Affine

from plumewatch.errors import InputFileError
from plumewatch.io.scene_readers import open_scene

LINES, SAMPLES, BANDS = 20, 7, 5


def _write(path, *, band_tags=True, descriptions=None, nodata=-1.0, crs="EPSG:32611"):
    rng = np.random.default_rng(5)
    data = rng.uniform(1, 5, (BANDS, LINES, SAMPLES)).astype("f4")
    data[:, 3, 4] = nodata
    profile = {
        "driver": "GTiff",
        "width": SAMPLES,
        "height": LINES,
        "count": BANDS,
        "dtype": "float32",
        "nodata": nodata,
        "crs": crs,
        "transform": Affine(5, 0, 400000, 0, -5, 3800000),
        "tiled": True,
        "blockxsize": 16,
        "blockysize": 16,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data)
        for b in range(1, BANDS + 1):
            if band_tags:
                dst.update_tags(
                    b, wavelength=f"{2.1 + 0.05 * b:.3f}", wavelength_units="Micrometers", fwhm="0.0085"
                )
            if descriptions:
                dst.set_band_description(b, descriptions[b - 1])
        dst.update_tags(sensor="AVIRISNG")
    return data.transpose(1, 2, 0)


def test_band_tags_give_wavelengths_and_the_grid_gives_positions(tmp_path):
    data = _write(tmp_path / "ang20200101t101010_rdn.tif")
    scene = open_scene(tmp_path / "ang20200101t101010_rdn.tif")
    np.testing.assert_allclose(scene.wavelength_nm, [2150, 2200, 2250, 2300, 2350])
    np.testing.assert_allclose(scene.fwhm_nm, 8.5)
    out = scene.radiance.compute()
    assert np.isnan(out[3, 4]).all()
    np.testing.assert_array_equal(out[np.isfinite(out)], data[np.isfinite(out)])
    np.testing.assert_array_equal(scene.radiance[5:9, 2:4, 1:3].compute(), data[5:9, 2:4, 1:3])
    assert scene.pixel_size_m == pytest.approx(5.0, rel=1e-2)
    assert scene.attrs["wavelength_source"] == "band tags"
    assert scene.acquired.year == 2020 and scene.sensor == "avirisng"


def test_descriptions_give_wavelengths(tmp_path):
    names = [f"Band {i} ({2.1 + 0.05 * i:.4f} um)" for i in range(1, BANDS + 1)]
    _write(tmp_path / "d.tif", band_tags=False, descriptions=names)
    scene = open_scene(tmp_path / "d.tif")
    np.testing.assert_allclose(scene.wavelength_nm, [2150, 2200, 2250, 2300, 2350])
    assert "estimated" in scene.attrs["fwhm_source"]


def test_no_wavelengths_is_one_line_error(tmp_path):
    _write(tmp_path / "n.tif", band_tags=False, descriptions=[f"Band {i}" for i in range(1, BANDS + 1)])
    with pytest.raises(InputFileError, match="n.tif: no wavelength for each of its 5 bands"):
        open_scene(tmp_path / "n.tif")


def test_unknown_format_is_one_line_error(tmp_path):
    (tmp_path / "x.dat").write_text("hello")
    with pytest.raises(InputFileError, match="x.dat: not a radiance format plumewatch reads"):
        open_scene(tmp_path / "x.dat")
