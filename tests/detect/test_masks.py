"""Masks that work whatever the gas window: flares, cloud edges, radiance without a logarithm."""

import dask.array as da
import numpy as np
import pytest
from scipy import ndimage

from plumewatch.detect.masks import grow
from plumewatch.detect.run import detect_scene


def test_flare_test_reads_its_own_bands_in_a_co2_window(scene_factory):
    scene, _ = scene_factory()
    cube = scene.radiance.compute()
    cube[30, 5, -20:] *= 60.0  # thermal emission rising towards 2.5 um, outside the CO2 window
    scene = type(scene)(**{**scene.__dict__, "radiance": da.from_array(cube, chunks=(50, -1, -1))})
    retrieval = detect_scene(scene, ["co2"], method="cmf")["co2"]
    assert retrieval.info["window_nm"] == [1955.0, 2100.0]
    # only the flare: the deep CO2 and water bands of the window are not mistaken for emission
    assert retrieval.info["masks"]["hot"] == 1 and not retrieval.valid[30, 5]


def test_cloud_mask_grows_over_the_soft_edge(scene_factory):
    scene, _ = scene_factory()
    cube = scene.radiance.compute()
    cloud = np.zeros(cube.shape[:2], dtype=bool)
    cloud[100:110, 3:9] = True
    cube[cloud] = 6.0 * np.median(cube, axis=(0, 1))  # white, bright in the blue and the SWIR
    scene = type(scene)(**{**scene.__dict__, "radiance": da.from_array(cube, chunks=(50, -1, -1))})
    retrieval = detect_scene(scene, ["ch4"], method="cmf")["ch4"]
    assert not retrieval.valid[98:112, 1:11].any()  # the cloud and a 2-pixel ring
    assert retrieval.valid[95, 6] and retrieval.info["masks"]["cloud"] >= 14 * 10


def test_nonpositive_radiance_is_masked_in_log_space(scene_factory):
    scene, _ = scene_factory()
    cube = scene.radiance.compute()
    cube[40, 2, -5] = 0.0  # a dead detector element: no logarithm
    cube[41, 2, -5] = -0.01
    scene = type(scene)(**{**scene.__dict__, "radiance": da.from_array(cube, chunks=(50, -1, -1))})
    retrieval = detect_scene(scene, ["ch4"])["ch4"]
    assert retrieval.info["masks"]["nonpositive"] == 2
    assert not retrieval.valid[40, 2] and not retrieval.valid[41, 2] and retrieval.valid[42, 2]
    assert np.isfinite(retrieval.enhancement_ppmm[retrieval.valid]).all()


def test_nonpositive_radiance_is_found_in_pixels_another_mask_excludes(scene_factory):
    # excluded pixels are left out of the block's statistics, which cannot show their logarithms
    scene, _ = scene_factory()
    cube = scene.radiance.compute()
    cube[60, 3, :] *= 40.0  # saturated (brighter than any reflecting surface)
    cube[60, 3, -5] = 0.0
    scene = type(scene)(**{**scene.__dict__, "radiance": da.from_array(cube, chunks=(50, -1, -1))})
    retrieval = detect_scene(scene, ["ch4"])["ch4"]
    assert retrieval.info["masks"]["nonpositive"] == 1 and retrieval.info["masks"]["saturated"] >= 1
    assert not retrieval.valid[60, 3] and np.isfinite(retrieval.enhancement_ppmm[retrieval.valid]).all()


@pytest.mark.parametrize("fraction", [1e-4, 1e-3, 0.3])
@pytest.mark.parametrize("pixels", [0, 1, 2])
def test_grow_is_the_square_dilation_for_sparse_and_dense_masks(fraction, pixels):
    mask = np.random.default_rng(3).random((240, 130)) < fraction
    mask[0, 0] = mask[-1, -1] = mask[0, -1] = True  # at the corners, neighbours fall off the map
    expected = ndimage.binary_dilation(mask, np.ones((2 * pixels + 1,) * 2, dtype=bool))
    np.testing.assert_array_equal(grow(mask, pixels), expected)
