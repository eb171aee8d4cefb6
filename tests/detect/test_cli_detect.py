"""The `plumewatch detect` command contract: file names, bands, sidecar, errors without partial output."""

import argparse
import json

import numpy as np
import pytest

from plumewatch.cli import detect as detect_cli
from plumewatch.errors import SensorCoverageError
from plumewatch.io.envi import write_envi
from plumewatch.io.geotiff import read_retrieval_geotiff


def _run(argv):
    parser = argparse.ArgumentParser()
    detect_cli.register(parser.add_subparsers())
    args = parser.parse_args(["detect", *argv])
    return args.func(args)


@pytest.fixture
def cube(tmp_path, scene_factory):
    scene, truth = scene_factory(name="pw20260611t101500_rdn")
    radiance = scene.radiance.compute()
    hdr = write_envi(
        tmp_path / "pw20260611t101500_rdn.hdr",
        (radiance * 1000).astype(np.int16),
        interleave="bil",
        metadata={
            "wavelength": list(scene.wavelength_nm),
            "fwhm": list(scene.fwhm_nm),
            "data gain values": [1e-3] * len(scene.wavelength_nm),
        },
    )
    return hdr, truth


def test_detect_writes_the_contracted_products(cube, tmp_path):
    hdr, truth = cube
    out = tmp_path / "out"
    assert _run([str(hdr), "--gas", "ch4", "--out", str(out), "--method", "cmf"]) == 0
    enhancement, uncertainty, _ = read_retrieval_geotiff(out / "pw20260611t101500_rdn_ch4.tif")
    assert enhancement.shape == truth.shape and np.isfinite(uncertainty).mean() > 0.9
    assert np.nanmedian(enhancement[truth > 3000]) > 5 * np.nanstd(enhancement[truth < 1])
    sidecar = json.loads((out / "pw20260611t101500_rdn_ch4.json").read_text())
    assert sidecar["method"] == "cmf" and sidecar["bands_used_nm"] and "masks" in sidecar
    assert "elapsed_s" in sidecar and sidecar["summary_ppmm"]["valid_pixels"] > 0


def test_uncovered_gas_fails_before_writing_anything(cube, tmp_path):
    hdr, _ = cube
    out = tmp_path / "out"
    with pytest.raises(SensorCoverageError):
        _run([str(hdr), "--gas", "ch4,ch4", "--out", str(out), "--window", "400", "900"])
    assert not out.exists() or not any(out.iterdir())
