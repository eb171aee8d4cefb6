"""End to end on the simulator's radiance: the default method's columns match the truth maps."""

import numpy as np
import pytest

from plumewatch.detect.run import detect_scene
from plumewatch.io.envi import open_envi
from plumewatch.io.geotiff import read_retrieval_geotiff
from plumewatch.io.survey import read_survey
from plumewatch.simulate.survey import simulate_survey


@pytest.fixture(scope="module")
def survey(tmp_path_factory):
    """A tiny 2-pass AVIRIS-NG survey with CH4 and CO2 plumes, decoys and a cloud."""
    folder = tmp_path_factory.mktemp("survey")
    simulate_survey(folder, seed=3, n_passes=2, lines=160, samples=80)
    return folder


@pytest.mark.slow
def test_default_method_retrieves_simulated_ch4_within_ten_percent(survey):
    ratios, plain = [], []
    for line in read_survey(survey).flight_lines:
        scene = open_envi(line.radiance)
        truth, _, _ = read_retrieval_geotiff(survey / "truth" / f"{line.name}_ch4.tif")
        strong = np.nan_to_num(truth) >= 1000.0
        assert strong.sum() > 20
        default = detect_scene(scene, ["ch4"])["ch4"].enhancement_ppmm
        cmf = detect_scene(scene, ["ch4"], method="cmf")["ch4"].enhancement_ppmm
        ratios.append(np.nanmedian(default[strong] / truth[strong]))
        plain.append(np.nanmedian(cmf[strong] / truth[strong]))
    assert np.allclose(ratios, 1.0, atol=0.1)
    assert np.mean(plain) < 0.85  # the plain filter, fitted on its own plume pixels, falls short


@pytest.mark.slow
def test_default_method_retrieves_strong_simulated_co2(survey):
    retrieved, true = [], []
    for line in read_survey(survey).flight_lines:
        truth, _, _ = read_retrieval_geotiff(survey / "truth" / f"{line.name}_co2.tif")
        strong = np.nan_to_num(truth) >= 50_000.0
        retrieved.append(detect_scene(open_envi(line.radiance), ["co2"])["co2"].enhancement_ppmm[strong])
        true.append(truth[strong])
    ratio = np.concatenate(retrieved) / np.concatenate(true)
    assert ratio.size > 100
    # pooled over both passes: on the first, a power-plant plume blown along the 160-line strip fills
    # its columns and is under-estimated by ~40 % (see docs/benchmarks.md)
    assert np.nanmedian(ratio) == pytest.approx(1.0, abs=0.1)
