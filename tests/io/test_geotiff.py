"""Retrieval GeoTIFFs: values, nodata, tags and GCPs that GDAL can warp with."""

import numpy as np
import pytest
import rasterio
from rasterio.transform import GCPTransformer
from rasterio.warp import calculate_default_transform

from plumewatch.errors import InputFileError
from plumewatch.io.geotiff import read_retrieval_gcps, read_retrieval_geotiff, write_retrieval_geotiff


def _grid(lines=40, samples=30):
    rows, cols = np.mgrid[0:lines, 0:samples]
    return -118.0 + cols * 5e-5 + rows * 1e-5, 34.0 - rows * 4.5e-5


def test_round_trip_values_nodata_and_tags(tmp_path):
    rng = np.random.default_rng(3)
    enhancement = rng.normal(0, 300, (40, 30)).astype("f4")
    enhancement[5, 7] = np.nan
    sigma = np.abs(rng.normal(100, 10, (40, 30))).astype("f4")
    lon, lat = _grid()
    path = write_retrieval_geotiff(
        tmp_path / "x_ch4.tif",
        enhancement,
        sigma,
        lon_deg=lon,
        lat_deg=lat,
        tags={"gas": "ch4", "method": "cmf", "units": "ppm m"},
    )
    e, s, tags = read_retrieval_geotiff(path)
    assert np.isnan(e[5, 7])
    np.testing.assert_array_equal(e[np.isfinite(e)], enhancement[np.isfinite(enhancement)])
    np.testing.assert_array_equal(s, sigma)
    assert tags["gas"] == "ch4" and tags["method"] == "cmf" and tags["units"] == "ppm m"
    with rasterio.open(path) as src:
        assert src.dtypes == ("float32", "float32")
        assert src.nodata == -9999
        assert src.descriptions == ("enhancement_ppmm", "uncertainty_ppmm")


def test_gcps_place_the_grid_for_gdal(tmp_path):
    lon, lat = _grid()
    path = write_retrieval_geotiff(
        tmp_path / "g.tif", np.zeros((40, 30)), np.ones((40, 30)), lon_deg=lon, lat_deg=lat, tags={}
    )
    gcps = read_retrieval_gcps(path)
    assert len(gcps) == 32 * 30
    corner = next(g for g in gcps if g.row == 39.5 and g.col == 29.5)
    assert (corner.x, corner.y) == (lon[39, 29], lat[39, 29])
    with rasterio.open(path) as src:
        x, y = GCPTransformer(src.gcps[0]).xy(17, 11)
        _, width, height = calculate_default_transform(
            src.gcps[1], "EPSG:4326", src.width, src.height, gcps=src.gcps[0]
        )
    assert abs(x - lon[17, 11]) < 1e-9 and abs(y - lat[17, 11]) < 1e-9
    assert width > 0 and height > 0


def test_without_geolocation_still_writes(tmp_path):
    path = write_retrieval_geotiff(
        tmp_path / "n.tif", np.zeros((3, 4)), np.ones((3, 4)), lon_deg=None, lat_deg=None, tags={"gas": "co2"}
    )
    assert read_retrieval_gcps(path) == []
    assert read_retrieval_geotiff(path)[2]["gas"] == "co2"


def test_shape_mismatch_and_bad_files(tmp_path):
    with pytest.raises(ValueError):
        write_retrieval_geotiff(
            tmp_path / "m.tif", np.zeros((3, 4)), np.zeros((4, 3)), lon_deg=None, lat_deg=None
        )
    assert not (tmp_path / "m.tif").exists()
    (tmp_path / "junk.tif").write_bytes(b"not a tiff")
    with pytest.raises(InputFileError, match="junk.tif"):
        read_retrieval_geotiff(tmp_path / "junk.tif")
    with pytest.raises(InputFileError, match="missing.tif"):
        read_retrieval_geotiff(tmp_path / "missing.tif")
