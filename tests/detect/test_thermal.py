"""Thermal-infrared (HyTES) detection: unbiased columns, identification, the --gas auto products."""

import argparse
import json
import logging
from pathlib import Path

import dask.array as da
import numpy as np
import pytest
import rasterio
from scipy import ndimage

from plumewatch.cli import detect as detect_cli
from plumewatch.detect.plan import DEFAULT_PLUME_TEMPERATURE_K, plume_temperature
from plumewatch.detect.run import detect_scene
from plumewatch.io.envi import open_envi, write_envi
from plumewatch.io.geotiff import read_retrieval_geotiff
from plumewatch.scene import Scene
from plumewatch.simulate.ground import soil_spectrum
from plumewatch.spectra import get_sensor
from plumewatch.spectra.forward import lwir_radiance

# the products carry no geolocation here (no lon/lat): rasterio says so when reading them back
pytestmark = pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")

AIR_K = 301.0
# (gas, line, sample, peak ppm·m): both about optical depth 0.6 in their strongest band
PLUMES = (("nh3", 16, 12, 550.0), ("acetone", 44, 28, 750.0))
SHAPE = (60, 39)  # three whole column groups of 13


def thermal_cube(seed: int = 0, *, warming_k: float = 12.0, blackbody: bool = False, plumes=PLUMES):
    """(radiance (lines, samples, 256) float32, {gas: true column}) of a small HyTES scene.

    Soil and plants, ground ``warming_k`` above the air with 30 % smooth spread, grey air
    (transmittance 0.9) at the air temperature, plumes at the air temperature, sensor noise.
    """
    spec = get_sensor("hytes")
    wl, fwhm = spec.wavelength_nm, spec.fwhm_nm
    rng = np.random.default_rng(seed)
    lines, samples = SHAPE
    plants = np.clip(0.3 + 3 * ndimage.gaussian_filter(rng.standard_normal(SHAPE), 3), 0, 1)[..., None]
    emissivity = plants * 0.985 + (1 - plants) * (1 - soil_spectrum(wl))
    spread = 1 + 0.3 * 3 * ndimage.gaussian_filter(rng.standard_normal(SHAPE), 2)
    surface_k = AIR_K + warming_k * spread
    if blackbody:
        emissivity, surface_k = np.ones_like(emissivity), np.full(SHAPE, AIR_K)
    yy, xx = np.mgrid[0:lines, 0:samples]
    truths = {}
    for gas, line, sample, peak in plumes:
        truths[gas] = np.round(peak * np.exp(-0.5 * ((yy - line) ** 2 + (xx - sample) ** 2) / 3.0**2))
    clean = lwir_radiance(
        surface_k,
        emissivity,
        wl,
        fwhm,
        plume_temperature_k=AIR_K,
        columns_ppmm=truths,
        atmosphere_transmittance=0.9,
        air_temperature_k=AIR_K,
    )
    radiance = clean + spec.noise_sigma(clean) * rng.standard_normal(clean.shape)
    return radiance.astype(np.float32), truths


def as_scene(radiance: np.ndarray, **attrs) -> Scene:
    """An in-memory HyTES Scene of ``radiance``."""
    spec = get_sensor("hytes")
    return Scene(
        name="pw_thermal_rdn",
        path=Path("pw_thermal_rdn.img"),
        radiance=da.from_array(radiance, chunks=(30, -1, -1)),
        wavelength_nm=spec.wavelength_nm,
        fwhm_nm=spec.fwhm_nm,
        radiance_units=spec.radiance_units,
        sensor="hytes",
        view_zenith_deg=0.0,
        attrs=attrs,
    )


@pytest.fixture(scope="module")
def auto_run(tmp_path_factory):
    """`plumewatch detect CUBE --gas auto --out D` on an ENVI copy of the cube: (out dir, truths)."""
    radiance, truths = thermal_cube()
    spec = get_sensor("hytes")
    folder = tmp_path_factory.mktemp("thermal")
    hdr = write_envi(
        folder / "pw_thermal_rdn.hdr",
        radiance,
        metadata={
            "wavelength": list(spec.wavelength_nm),
            "fwhm": list(spec.fwhm_nm),
            "radiance units": spec.radiance_units,
            "air temperature k": AIR_K,
        },
    )
    parser = argparse.ArgumentParser()
    detect_cli.register(parser.add_subparsers())
    args = parser.parse_args(["detect", str(hdr), "--gas", "auto", "--out", str(folder / "out")])
    assert args.func(args) == 0
    return folder / "out", truths


def test_header_air_temperature_sets_the_plume_temperature(auto_run):
    out, _ = auto_run
    sidecar = json.loads((out / "pw_thermal_rdn_nh3.json").read_text())
    assert sidecar["target"] == f"thermal contrast, plume at {AIR_K:.2f} K (air temperature)"


@pytest.mark.parametrize("gas", ["nh3", "acetone"])
def test_thermal_columns_are_unbiased(auto_run, gas):
    out, truths = auto_run
    column, sigma, _ = read_retrieval_geotiff(out / f"pw_thermal_rdn_{gas}.tif")
    truth = truths[gas]
    plume = truth > 100
    assert np.nansum(column[plume]) / truth[plume].sum() == pytest.approx(1.0, abs=0.12)
    clean = sum(truths.values()) < 1
    # the uncertainty is honest away from the plumes: z is about unit normal there
    z = column[clean] / sigma[clean]
    assert 0.6 < np.nanstd(z) < 1.3 and abs(np.nanmedian(z)) < 0.3


def test_identity_picks_the_gas_of_each_strong_plume(auto_run):
    out, truths = auto_run
    with rasterio.open(out / "pw_thermal_rdn_identity.tif") as src:
        index, confidence = src.read(1), src.read(2)
    names = json.loads((out / "pw_thermal_rdn_identity.json").read_text())["gases"]
    for gas, line, sample, _ in PLUMES:
        core = index[line - 1 : line + 2, sample - 1 : sample + 2]
        assert {names[str(int(i))] for i in core.ravel()} == {gas}
        # calibrated (right ~3 times in 4 at 0.75): acetone's runner-up chloroform shares its 8.2 um band
        assert confidence[line, sample] > 0.75
    clean = sum(truths.values()) < 1
    assert (index[clean] == 0).mean() > 0.99
    assert np.all(confidence[index == 0] == 0) and np.all((confidence >= 0) & (confidence <= 1))


def test_auto_writes_every_gas_and_the_identity_products(auto_run):
    out, _ = auto_run
    names = json.loads((out / "pw_thermal_rdn_identity.json").read_text())
    gases = list(names["gases"].values())
    assert {"nh3", "acetone", "sf6", "dichloromethane"} <= set(gases)
    assert list(names["gases"]) == [str(i) for i in range(1, len(gases) + 1)]
    assert names["no_gas_index"] == 0 and gases == [g.lower() for g in gases]
    for gas in gases:
        assert (out / f"pw_thermal_rdn_{gas}.tif").is_file() and (
            out / f"pw_thermal_rdn_{gas}.json"
        ).is_file()
    with rasterio.open(out / "pw_thermal_rdn_identity.tif") as src:
        assert src.count == 2 and (src.height, src.width) == SHAPE
        assert src.descriptions == ("gas_index", "confidence")
        assert src.tags(1)["units"] == "1" and "ppm" not in json.dumps(src.tags())
        assert src.nodata == -9999
        index = src.read(1)
    assert np.all(index == np.round(index)) and index.min() >= 0 and index.max() <= len(gases)


def test_optically_thick_plumes_are_not_underestimated():
    # NH3 at 3000 ppm·m peak: optical depth ~3 in its strongest band, well past the linear regime
    radiance, truths = thermal_cube(1, plumes=(("nh3", 16, 12, 3000.0), ("acetone", 44, 28, 750.0)))
    column = detect_scene(as_scene(radiance, plume_temperature_k=AIR_K), ["nh3"])["nh3"].enhancement_ppmm
    truth = truths["nh3"]
    for lo, hi in ((300.0, 1000.0), (1000.0, 3001.0)):
        pick = (truth >= lo) & (truth < hi)
        assert np.median(column[pick] / truth[pick]) == pytest.approx(1.0, abs=0.12)


def test_no_thermal_contrast_gives_a_bounded_estimate_and_a_wide_uncertainty():
    # ground a blackbody at the air temperature: a plume there neither absorbs nor emits
    radiance, truths = thermal_cube(blackbody=True)
    retrieval = detect_scene(as_scene(radiance, plume_temperature_k=AIR_K), ["nh3"])["nh3"]
    with_contrast = detect_scene(as_scene(thermal_cube()[0], plume_temperature_k=AIR_K), ["nh3"])["nh3"]
    core = truths["nh3"] > 300
    sigma, typical = np.nanmedian(retrieval.uncertainty_ppmm), np.nanmedian(with_contrast.uncertainty_ppmm)
    assert sigma > 10 * typical
    # the estimate shrinks to the prior instead of dividing by the vanishing contrast
    assert np.nanmax(np.abs(retrieval.enhancement_ppmm)) < 5 * sigma
    assert np.nanmedian(np.abs(retrieval.enhancement_ppmm[core] / retrieval.uncertainty_ppmm[core])) < 2


def test_plume_temperature_comes_from_option_header_or_default(caplog):
    radiance = np.zeros((2, 2, 256), np.float32)
    assert plume_temperature(as_scene(radiance, air_temperature_k=300.0)) == (300.0, "air temperature")
    given = as_scene(radiance, air_temperature_k=300.0, plume_temperature_k=290.0)
    assert plume_temperature(given) == (290.0, "given")
    with caplog.at_level(logging.WARNING, logger="plumewatch.detect.plan"):
        assert plume_temperature(as_scene(radiance)) == (DEFAULT_PLUME_TEMPERATURE_K, "default")
    assert "no air temperature" in caplog.text


def test_envi_header_air_temperature_is_read(tmp_path):
    hdr = write_envi(
        tmp_path / "x_rdn.hdr",
        np.ones((2, 2, 3), np.float32),
        metadata={"wavelength": [8000.0, 9000.0, 10000.0], "air temperature k": 299.5},
    )
    assert open_envi(hdr).attrs["air_temperature_k"] == 299.5
