"""Pushbroom georeferencing against independent geometry: flat nadir cases, attitude, DEM, error model."""

from pathlib import Path

import numpy as np
import pyproj
import pytest
import rasterio
from rasterio.transform import Affine

from plumewatch.geo.accuracy import TelemetryAccuracy, geolocation_sigma_m, summarize_geolocation_error
from plumewatch.geo.pushbroom import PushbroomGeometry, georeference_from_track, project_pushbroom
from plumewatch.geo.terrain import Terrain
from plumewatch.io.telemetry import interpolate_track
from plumewatch.io.track import Track

GEOD = pyproj.Geod(ellps="WGS84")
LON0, LAT0 = -118.0, 34.0
START = np.datetime64("2026-06-11T10:15:00", "us")


def _track(n=1, *, alt=1000.0, heading=0.0, pitch=0.0, roll=0.0, lon=LON0, lat=LAT0):
    full = lambda v: np.full(n, v, dtype=np.float64)  # noqa: E731
    return Track(
        source=Path("synthetic"),
        time=START + np.arange(n).astype("timedelta64[s]"),
        lon_deg=full(lon),
        lat_deg=full(lat),
        alt_m=full(alt),
        heading_deg=full(heading),
        pitch_deg=full(pitch),
        roll_deg=full(roll),
    )


def _offset(lon, lat, azimuth_deg, distance_m):
    out_lon, out_lat, _ = GEOD.fwd(
        np.full_like(distance_m, lon),
        np.full_like(distance_m, lat),
        np.full_like(distance_m, azimuth_deg),
        distance_m,
    )
    return out_lon, out_lat


def _error_m(lon_a, lat_a, lon_b, lat_b):
    return GEOD.inv(lon_a, lat_a, lon_b, lat_b)[2]


@pytest.mark.parametrize(("heading", "right_of_track"), [(0.0, 90.0), (90.0, 180.0), (225.0, 315.0)])
def test_level_flight_over_flat_ground_matches_trigonometry(heading, right_of_track):
    geometry = PushbroomGeometry(samples=101, fov_deg=30.0)
    lon, lat, h = project_pushbroom(_track(heading=heading), geometry, 0.0)
    alpha = np.deg2rad(geometry.look_angles_deg())
    # The nadir point is directly below; off-nadir points lie H tan(alpha) to the side (flat-Earth truth,
    # so allow the ~curvature term H tan^3 / (2 R) ... well under a millimetre-per-metre here).
    truth_lon, truth_lat = _offset(LON0, LAT0, right_of_track, 1000.0 * np.tan(alpha))
    error = _error_m(lon[0], lat[0], truth_lon, truth_lat)
    pixel_m = 1000.0 * np.deg2rad(30.0 / 101)
    assert np.median(error) < 0.01 * pixel_m
    assert np.max(error) < 0.05 * pixel_m
    np.testing.assert_allclose(h, 0.0, atol=1e-3)


def test_roll_pitch_move_the_footprint_the_right_way():
    geometry = PushbroomGeometry(samples=3, fov_deg=2.0)
    _, _, _ = project_pushbroom(_track(), geometry)
    lon, lat, _ = project_pushbroom(_track(roll=5.0), geometry)
    truth = _offset(LON0, LAT0, 270.0, np.array([1000.0 * np.tan(np.deg2rad(5.0))]))
    assert _error_m(lon[0, 1], lat[0, 1], truth[0][0], truth[1][0]) < 0.01
    lon, lat, _ = project_pushbroom(_track(pitch=3.0), geometry)
    truth = _offset(LON0, LAT0, 0.0, np.array([1000.0 * np.tan(np.deg2rad(3.0))]))
    assert _error_m(lon[0, 1], lat[0, 1], truth[0][0], truth[1][0]) < 0.01


def test_high_oblique_rays_land_on_the_ellipsoid_along_the_ray():
    geometry = PushbroomGeometry(samples=5, fov_deg=80.0)
    lon, lat, h = project_pushbroom(_track(alt=10_000.0, heading=30.0, roll=2.0), geometry, 150.0)
    np.testing.assert_allclose(h, 150.0, atol=1e-3)
    to_ecef = pyproj.Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)
    origin = np.array(to_ecef.transform(LON0, LAT0, 10_000.0))
    hits = np.stack(to_ecef.transform(lon[0], lat[0], h[0]), axis=-1)
    rays = hits - origin
    rays /= np.linalg.norm(rays, axis=-1, keepdims=True)
    alpha = np.deg2rad(geometry.look_angles_deg() - 2.0)
    # The angle between the outermost rays equals the field of view: the projection keeps the geometry.
    assert np.rad2deg(np.arccos(rays[0] @ rays[-1])) == pytest.approx(80.0 * 4 / 5, abs=1e-6)
    assert np.all(np.diff(alpha) > 0)


def test_missing_attitude_gives_nan_not_a_guess():
    track = _track(n=2)
    track.roll_deg[1] = np.nan
    lon, _, _ = project_pushbroom(track, PushbroomGeometry(samples=4, fov_deg=10.0))
    assert np.isfinite(lon[0]).all() and np.isnan(lon[1]).all()


def _dem(path, heights, *, origin=(LON0 - 0.01, LAT0 + 0.01), cell_deg=1e-4):
    profile = {
        "driver": "GTiff",
        "width": heights.shape[1],
        "height": heights.shape[0],
        "count": 1,
        "dtype": "float32",
        "crs": "EPSG:4326",
        "nodata": -9999.0,
        "transform": Affine(cell_deg, 0, origin[0], 0, -cell_deg, origin[1]),
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(heights.astype("f4"), 1)
    return Terrain.from_geotiff(path)


def test_dem_plateau_matches_flat_surface_at_its_height(tmp_path):
    terrain = _dem(tmp_path / "dem.tif", np.full((200, 200), 250.0))
    geometry = PushbroomGeometry(samples=41, fov_deg=40.0)
    track = _track(heading=10.0, roll=1.0)
    on_dem = project_pushbroom(track, geometry, terrain)
    flat = project_pushbroom(track, geometry, 250.0)
    pixel_m = 750.0 * np.deg2rad(40.0 / 41)
    assert np.median(_error_m(on_dem[0], on_dem[1], flat[0], flat[1])) < 0.05 * pixel_m


def test_dem_slope_hit_lies_on_the_dem_and_on_the_ray(tmp_path):
    rows, cols = np.mgrid[0:200, 0:200]
    terrain = _dem(tmp_path / "slope.tif", 100.0 + 2.0 * cols)
    geometry = PushbroomGeometry(samples=21, fov_deg=30.0)
    lon, lat, h = project_pushbroom(_track(alt=1500.0), geometry, terrain)
    np.testing.assert_allclose(h[0], terrain.height_at(lon[0], lat[0]), atol=0.5)
    # Rising ground to the east pulls the east-looking pixels in towards nadir compared with flat ground.
    flat_lon, _, _ = project_pushbroom(_track(alt=1500.0), geometry, 100.0)
    assert lon[0, -1] < flat_lon[0, -1]


def test_track_interpolated_to_scan_lines_places_pixels_within_half_a_pixel():
    fixes = 11
    north_m = np.arange(fixes) * 50.0
    lon_fix, lat_fix = _offset(LON0, LAT0, 0.0, north_m)
    track = Track(
        source=Path("synthetic"),
        time=START + (np.arange(fixes) * 1e6).astype("timedelta64[us]"),
        lon_deg=lon_fix,
        lat_deg=lat_fix,
        alt_m=np.full(fixes, 800.0),
        heading_deg=np.zeros(fixes),
        pitch_deg=np.zeros(fixes),
        roll_deg=np.zeros(fixes),
    )
    line_times = START + (np.arange(0, 10_000_000, 100_000)).astype("timedelta64[us]")
    at_lines = interpolate_track(track, line_times)
    geometry = PushbroomGeometry(samples=64, fov_deg=20.0)
    lon, lat, _ = project_pushbroom(at_lines, geometry, 0.0)
    nadir_lon, nadir_lat = _offset(LON0, LAT0, 0.0, np.arange(100) * 5.0)
    across = 800.0 * np.tan(np.deg2rad(geometry.look_angles_deg()))
    truth = [_offset(nadir_lon[i], nadir_lat[i], 90.0, across) for i in range(100)]
    error = _error_m(lon, lat, np.array([t[0] for t in truth]), np.array([t[1] for t in truth]))
    pixel_m = 800.0 * np.deg2rad(20.0 / 64)
    assert np.median(error) < 0.5 * pixel_m
    assert np.median(error) < 0.05


def test_error_model_matches_monte_carlo():
    rng = np.random.default_rng(11)
    accuracy = TelemetryAccuracy(
        horizontal_m=0.0, vertical_m=0.0, roll_deg=0.2, pitch_deg=0.1, heading_deg=0.5
    )
    geometry = PushbroomGeometry(samples=3, fov_deg=40.0)
    n = 4000
    track = _track(n=n)
    noisy = Track(
        source=track.source,
        time=track.time,
        lon_deg=track.lon_deg,
        lat_deg=track.lat_deg,
        alt_m=track.alt_m,
        heading_deg=rng.normal(0, accuracy.heading_deg, n),
        pitch_deg=rng.normal(0, accuracy.pitch_deg, n),
        roll_deg=rng.normal(0, accuracy.roll_deg, n),
    )
    lon, lat, _ = project_pushbroom(noisy, geometry, 0.0)
    ideal_lon, ideal_lat, _ = project_pushbroom(_track(), geometry, 0.0)
    east = (lon - ideal_lon[0]) * 111_320.0 * np.cos(np.deg2rad(LAT0))
    north = (lat - ideal_lat[0]) * 110_950.0
    predicted = geolocation_sigma_m(1000.0, geometry.look_angles_deg(), accuracy)
    np.testing.assert_allclose(east.std(axis=0), predicted["across_track_m"], rtol=0.1)
    np.testing.assert_allclose(north.std(axis=0), predicted["along_track_m"], rtol=0.1)
    summary = summarize_geolocation_error(1000.0, geometry.look_angles_deg(), accuracy)
    assert summary["max_radial_m"] >= summary["median_radial_m"] > 0


def test_lines_in_a_telemetry_gap_get_no_position():
    track = _track(n=10)
    keep = np.r_[0:4, 8:10]
    gappy = Track(source=track.source, time=track.time[keep], lon_deg=track.lon_deg[keep],
                  lat_deg=track.lat_deg[keep], alt_m=track.alt_m[keep], heading_deg=track.heading_deg[keep],
                  pitch_deg=track.pitch_deg[keep], roll_deg=track.roll_deg[keep])
    line_times = START + (np.arange(0, 9_500_000, 500_000)).astype("timedelta64[us]")
    lon, _, _, info = georeference_from_track(gappy, line_times, PushbroomGeometry(samples=5, fov_deg=10.0))
    in_gap = (line_times > track.time[3]) & (line_times < track.time[8])
    assert np.isnan(lon[in_gap]).all() and np.isfinite(lon[~in_gap]).all()
    assert info["lines_without_position"] == in_gap.sum() == info["times_in_gaps"]
    assert info["gaps"][0]["seconds"] == 5.0
