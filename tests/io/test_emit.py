"""EMIT L1B NetCDF: small granules in EMIT's own layout (root radiance, band and location groups, OBS)."""

import pickle
from datetime import UTC, datetime

import numpy as np
import pytest
import xarray as xr

from plumewatch.errors import InputFileError
from plumewatch.io.emit import open_emit
from plumewatch.io.inspect import describe
from plumewatch.io.scene_readers import open_scene

LINES, SAMPLES, BANDS = 10, 6, 8
NAME = "EMIT_L1B_RAD_001_20220827T060753_2223904_013.nc"
OBS_BANDS = [
    "Path length (m)",
    "To-sensor azimuth (0 to 360 degrees CW from N)",
    "To-sensor zenith (0 to 90 degrees from zenith)",
    "To-sun azimuth (0 to 360 degrees CW from N)",
    "To-sun zenith (0 to 90 degrees from zenith)",
    "Solar phase",
    "Slope",
    "Aspect",
    "Cosine(i)",
    "UTC Time",
    "Earth-sun distance (AU)",
]


def write_emit(folder, *, with_lonlat=True, with_obs=True, drop=None):
    rng = np.random.default_rng(7)
    radiance = rng.uniform(0, 10, (LINES, SAMPLES, BANDS)).astype("f4")
    radiance[0, 0, :] = -9999.0
    root = xr.Dataset(
        {
            "radiance": (
                ("downtrack", "crosstrack", "bands"),
                radiance,
                {"units": "uW/cm^2/SR/nm", "_FillValue": np.float32(-9999.0)},
            )
        },
        attrs={
            "time_coverage_start": "2022-08-27T06:07:53+0000",
            "time_coverage_end": "2022-08-27T06:08:05+0000",
            "geotransform": np.array([30.0, 0.0006, 0.0, -20.0, 0.0, -0.0006]),
            "spatial_ref": 'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],'
            'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4326"]]',
        },
    )
    bands = xr.Dataset(
        {
            "wavelengths": (("bands",), np.linspace(2100, 2450, BANDS)),
            "fwhm": (("bands",), np.r_[np.full(BANDS - 1, 8.5), 0.0]),
        }
    )
    rows, cols = np.mgrid[0:LINES, 0:SAMPLES]
    location = xr.Dataset(
        {
            "glt_x": (("ortho_y", "ortho_x"), (cols + 1).astype("i4")),
            "glt_y": (("ortho_y", "ortho_x"), (rows + 1).astype("i4")),
            "elev": (("downtrack", "crosstrack"), np.full((LINES, SAMPLES), 100.0)),
        }
    )
    if with_lonlat:
        location["lon"] = (("downtrack", "crosstrack"), 30.0 + (cols + 0.5) * 0.0006)
        location["lat"] = (("downtrack", "crosstrack"), -20.0 - (rows + 0.5) * 0.0006)
    if drop:
        root = root.drop_vars(drop, errors="ignore")
        bands = bands.drop_vars(drop, errors="ignore")
    path = folder / NAME
    root.to_netcdf(path, engine="h5netcdf")
    bands.to_netcdf(path, engine="h5netcdf", group="sensor_band_parameters", mode="a")
    location.to_netcdf(path, engine="h5netcdf", group="location", mode="a")
    if with_obs:
        obs = np.zeros((LINES, SAMPLES, len(OBS_BANDS)))
        obs[..., 2] = 8.0
        obs[..., 4] = 40.0
        obs_path = folder / NAME.replace("_RAD_", "_OBS_")
        xr.Dataset({"obs": (("downtrack", "crosstrack", "bands"), obs)}).to_netcdf(
            obs_path, engine="h5netcdf"
        )
        xr.Dataset({"observation_bands": (("bands",), np.array(OBS_BANDS))}).to_netcdf(
            obs_path, engine="h5netcdf", group="sensor_band_parameters", mode="a"
        )
    return path, radiance


def test_emit_granule_reads_lazily_with_geometry(tmp_path):
    path, radiance = write_emit(tmp_path)
    scene = open_scene(path)
    assert scene.sensor == "emit" and scene.shape == (LINES, SAMPLES, BANDS)
    out = scene.radiance.compute()
    assert np.isnan(out[0, 0]).all()
    np.testing.assert_array_equal(out[1:], radiance[1:])
    assert scene.radiance_units == "uW nm-1 cm-2 sr-1"
    assert scene.acquired == datetime(2022, 8, 27, 6, 7, 53, tzinfo=UTC)
    np.testing.assert_array_equal(scene.good_bands, np.r_[np.ones(BANDS - 1, bool), False])
    assert scene.lon_deg[2, 3] == pytest.approx(30.0 + 3.5 * 0.0006)
    assert scene.solar_zenith_deg == pytest.approx(40.0) and scene.view_zenith_deg == pytest.approx(8.0)
    assert scene.pixel_size_m == pytest.approx(0.0006 * 111_000, rel=0.05)
    assert len(pickle.dumps(scene.radiance)) < 50_000
    description = describe(path)
    assert description["sensor"] == "emit" and description["format"] == "emit_l1b_netcdf"
    assert description["companions"] == ["obs"] and description["good_bands"] == BANDS - 1


def test_emit_glt_used_when_lonlat_absent(tmp_path):
    path, _ = write_emit(tmp_path, with_lonlat=False, with_obs=False)
    scene = open_emit(path)
    assert scene.attrs["geolocation_source"].startswith("location group GLT")
    assert scene.lat_deg[4, 1] == pytest.approx(-20.0 - 4.5 * 0.0006)
    assert scene.solar_zenith_deg is None


@pytest.mark.parametrize("missing", ["radiance", "wavelengths", "fwhm"])
def test_emit_missing_variable_is_named(tmp_path, missing):
    path, _ = write_emit(tmp_path, drop=[missing], with_obs=False)
    with pytest.raises(InputFileError, match=f"{NAME}: EMIT granule lacks variable '{missing}'"):
        open_emit(path)


def test_emit_not_netcdf(tmp_path):
    path = tmp_path / NAME
    path.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 64)
    with pytest.raises(InputFileError, match="not a readable NetCDF4 file"):
        open_emit(path)
