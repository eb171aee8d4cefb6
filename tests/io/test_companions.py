"""Geometry companions (_loc, _igm, _glt, _obs) and map-info cubes give the right ground positions."""

import numpy as np
import pyproj
import pytest

from plumewatch.errors import InputFileError
from plumewatch.geo.footprint import distance_m
from plumewatch.io.envi import open_envi, write_envi

LINES, SAMPLES, BANDS = 12, 8, 3
UTM11 = pyproj.CRS.from_epsg(32611)
MAP_INFO_UTM = "{UTM, 1, 1, 400000, 3800000, 1, 1, 11, North, WGS-84, units=Meters}"


def _radiance(tmp_path, name="x_rdn", metadata=None):
    rng = np.random.default_rng(0)
    meta = {"wavelength": [2100.0, 2200.0, 2300.0], "fwhm": [10.0] * 3, **(metadata or {})}
    return write_envi(
        tmp_path / f"{name}.hdr", rng.uniform(1, 2, (LINES, SAMPLES, BANDS)).astype("f4"), metadata=meta
    )


def _utm_grid(spacing_m=5.0):
    lines, samples = np.mgrid[0:LINES, 0:SAMPLES]
    return 400100.0 + samples * spacing_m, 3800100.0 - lines * spacing_m


def test_loc_companion_gives_lonlat_and_pixel_size(tmp_path):
    x, y = _utm_grid()
    lon, lat = pyproj.Transformer.from_crs(UTM11, 4326, always_xy=True).transform(x, y)
    loc = np.stack([lon, lat, np.full_like(lon, 120.0)], axis=-1)
    write_envi(tmp_path / "x_loc.hdr", loc, metadata={"band names": ["Longitude", "Latitude", "Elevation"]})
    scene = open_envi(_radiance(tmp_path))
    np.testing.assert_array_equal(scene.lon_deg, lon)
    np.testing.assert_array_equal(scene.lat_deg, lat)
    assert scene.pixel_size_m == pytest.approx(5.0, rel=2e-3)
    assert scene.attrs["along_track_m"] == pytest.approx(5.0, rel=2e-3)
    assert scene.attrs["geolocation_source"].startswith("loc")


def test_aviris_ng_names_find_companions(tmp_path):
    lon, lat = np.meshgrid(np.linspace(-118, -117.999, SAMPLES), np.linspace(34, 33.999, LINES))
    write_envi(tmp_path / "ang20170616t212046_rdn_v2p9_loc.hdr", np.stack([lon, lat, lon * 0], -1))
    scene = open_envi(_radiance(tmp_path, "ang20170616t212046_rdn_v2p9_img"))
    np.testing.assert_allclose(scene.lon_deg, lon)
    assert scene.sensor == "avirisng"


def test_igm_companion_in_utm_is_transformed(tmp_path):
    x, y = _utm_grid()
    igm = np.stack([x, y, np.zeros_like(x)], axis=-1)
    write_envi(tmp_path / "x_igm.hdr", igm, metadata={"map info": MAP_INFO_UTM})
    scene = open_envi(_radiance(tmp_path))
    lon, lat = pyproj.Transformer.from_crs(UTM11, 4326, always_xy=True).transform(x, y)
    assert distance_m(scene.lon_deg[3, 4], scene.lat_deg[3, 4], lon[3, 4], lat[3, 4]) < 1e-3
    assert scene.attrs["geolocation_source"].startswith("igm")


def test_igm_without_projection_is_an_error(tmp_path):
    x, y = _utm_grid()
    write_envi(tmp_path / "x_igm.hdr", np.stack([x, y, x * 0], axis=-1))
    with pytest.raises(InputFileError, match="x_igm.hdr: no 'map info'"):
        open_envi(_radiance(tmp_path))


def test_glt_companion_inverts_to_raw_grid(tmp_path):
    # A 2x-oversampled map grid: each raw pixel is seen by four 2.5 m cells whose centres average to it.
    rows, cols = np.mgrid[0 : 2 * LINES, 0 : 2 * SAMPLES]
    glt = np.stack([cols // 2 + 1, rows // 2 + 1], axis=-1).astype("i4")
    glt[0, 0] = 0
    map_info = "{UTM, 1, 1, 400000, 3800000, 2.5, 2.5, 11, North, WGS-84, units=Meters}"
    write_envi(tmp_path / "x_glt.hdr", glt, metadata={"map info": map_info})
    scene = open_envi(_radiance(tmp_path))
    lines, samples = np.mgrid[0:LINES, 0:SAMPLES]
    lon, lat = pyproj.Transformer.from_crs(UTM11, 4326, always_xy=True).transform(
        400000 + (samples + 0.5) * 5.0, 3800000 - (lines + 0.5) * 5.0
    )
    np.testing.assert_allclose(scene.lon_deg[1:], lon[1:], atol=1e-9)
    assert distance_m(scene.lon_deg[0, 0], scene.lat_deg[0, 0], lon[0, 0], lat[0, 0]) < 1.0
    assert scene.attrs["pixels_without_glt_cell"] == 0


def test_cube_with_map_info_is_placed_by_it(tmp_path):
    scene = open_envi(
        _radiance(tmp_path, metadata={"map info": MAP_INFO_UTM.replace("1, 1, 11", "5, 5, 11")})
    )
    lon, lat = pyproj.Transformer.from_crs(UTM11, 4326, always_xy=True).transform(400002.5, 3799997.5)
    assert distance_m(scene.lon_deg[0, 0], scene.lat_deg[0, 0], lon, lat) < 1e-3
    assert scene.pixel_size_m == pytest.approx(5.0, rel=1e-2)


def test_obs_companion_gives_median_angles(tmp_path):
    names = [
        "Path length (m)",
        "To-sensor azimuth",
        "To-sensor zenith",
        "To-sun azimuth",
        "To-sun zenith",
        "Solar phase",
        "Slope",
        "Aspect",
        "Cosine(i)",
        "UTC Time",
        "Earth-sun distance (AU)",
    ]
    obs = np.zeros((LINES, SAMPLES, len(names)))
    obs[:, :, 2] = np.linspace(0, 10, SAMPLES)
    obs[:, :, 4] = 35.0
    write_envi(tmp_path / "x_obs.hdr", obs, metadata={"band names": names})
    scene = open_envi(_radiance(tmp_path))
    assert scene.solar_zenith_deg == pytest.approx(35.0)
    assert scene.view_zenith_deg == pytest.approx(5.0)
    assert scene.lon_deg is None


def test_companion_of_wrong_size_is_named(tmp_path):
    write_envi(tmp_path / "x_loc.hdr", np.zeros((LINES + 1, SAMPLES, 3)))
    with pytest.raises(InputFileError, match=r"x_loc.hdr: is 13 lines x 8 samples but its radiance cube"):
        open_envi(_radiance(tmp_path))


def test_loc_holding_map_coordinates_is_refused(tmp_path):
    x, y = _utm_grid()
    write_envi(tmp_path / "x_loc.hdr", np.stack([x, y, x * 0], axis=-1))
    with pytest.raises(InputFileError, match="not degrees"):
        open_envi(_radiance(tmp_path))
