"""Orthorectified COGs (valid per rio-cogeo, values where the pixels are) and offline-validated STAC items."""

import json
import urllib.request
from datetime import UTC, datetime

import numpy as np
import pyproj
import pystac
import pytest
import rasterio
from rasterio.transform import xy

from plumewatch.errors import InputFileError
from plumewatch.io.cog import validate_cog, write_cog
from plumewatch.io.stac import stac_item_for, validate_item, write_stac_item

UTM = pyproj.CRS.from_epsg(32611)
LINES, SAMPLES, PIXEL_M = 120, 60, 5.0


def _rotated_scene(heading_deg=30.0):
    rows, cols = np.mgrid[0:LINES, 0:SAMPLES]
    x0, y0 = pyproj.Transformer.from_crs(4326, UTM, always_xy=True).transform(-118.0, 34.0)
    h = np.deg2rad(heading_deg)
    along, across = (rows - LINES / 2) * PIXEL_M, (cols - SAMPLES / 2) * PIXEL_M
    x = x0 + along * np.sin(h) + across * np.cos(h)
    y = y0 + along * np.cos(h) - across * np.sin(h)
    lon, lat = pyproj.Transformer.from_crs(UTM, 4326, always_xy=True).transform(x, y)
    code = (rows * 1000 + cols).astype("f4")
    return x, y, lon, lat, code


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("STAC validation tried the network")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)


def test_utm_cog_is_valid_and_each_cell_holds_its_nearest_pixel(tmp_path):
    x, y, lon, lat, code = _rotated_scene()
    sigma = np.full(code.shape, 50.0, dtype="f4")
    code[10, 10] = np.nan
    path = write_cog(tmp_path / "p_ch4.tif", code, sigma, lon_deg=lon, lat_deg=lat, tags={"gas": "ch4"})
    valid, errors, _ = validate_cog(path)
    assert valid, errors
    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 32611
        assert src.res[0] == pytest.approx(PIXEL_M, rel=0.01)
        assert src.descriptions == ("enhancement_ppmm", "uncertainty_ppmm")
        assert src.tags()["gas"] == "ch4"
        band = src.read(1)
        rows, cols = np.nonzero(band != -9999)
        cx, cy = xy(src.transform, rows, cols)
        source = band[rows, cols].astype(int)
        distance = np.hypot(
            np.array(cx) - x[source // 1000, source % 1000], np.array(cy) - y[source // 1000, source % 1000]
        )
        assert np.median(distance) < 0.5 * PIXEL_M
        assert distance.max() <= 0.75 * PIXEL_M + 1e-6
        assert 0.9 < rows.size / code.size < 1.1
        assert 10_010 not in set(source.tolist())
        assert set(np.unique(src.read(2))) == {-9999.0, 50.0}


def test_wgs84_cog_and_stac_item_validate_offline(tmp_path):
    _, _, lon, lat, code = _rotated_scene(heading_deg=0.0)
    path = write_cog(
        tmp_path / "p_co2.tif",
        code,
        code * 0 + 1,
        lon_deg=lon,
        lat_deg=lat,
        crs="wgs84",
        tags={"gas": "co2", "method": "cmf"},
    )
    assert validate_cog(path)[0]
    acquired = datetime(2026, 6, 11, 10, 15, tzinfo=UTC)
    item = stac_item_for(path, acquired=acquired, properties={"scene": "pw20260611t101500_rdn"})
    used = validate_item(item)
    assert any("projection" in uri for uri in used)
    assert item.properties["plumewatch:gas"] == "co2"
    assert item.properties["proj:code"] == "EPSG:4326"
    west, south, east, north = item.bbox
    assert west <= lon.min() and east >= lon.max() and south <= lat.min() and north >= lat.max()
    written = write_stac_item(tmp_path / "p_co2.json", item)
    document = json.loads(written.read_text())
    assert document["assets"]["data"]["href"] == "./p_co2.tif"
    assert document["assets"]["data"]["type"] == pystac.MediaType.COG
    validate_item(document)


def test_invalid_item_is_rejected(tmp_path):
    _, _, lon, lat, code = _rotated_scene()
    item = stac_item_for(
        write_cog(tmp_path / "x.tif", code, code, lon_deg=lon, lat_deg=lat),
        acquired=datetime(2026, 1, 1, tzinfo=UTC),
    )
    document = item.to_dict(include_self_link=False)
    document["properties"]["proj:shape"] = "wide"
    with pytest.raises(pystac.errors.STACValidationError):
        validate_item(document)


def test_no_geolocation_cannot_be_orthorectified(tmp_path):
    nan = np.full((3, 3), np.nan)
    with pytest.raises(InputFileError, match="fewer than 4 geolocated pixels"):
        write_cog(tmp_path / "n.tif", nan, nan, lon_deg=nan, lat_deg=nan)
    assert not (tmp_path / "n.tif").exists()
