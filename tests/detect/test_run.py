"""detect_scene end to end on small Scenes: methods, masks, bad input, chunking and a dask cluster."""

import logging

import dask
import dask.array as da
import numpy as np
import pytest

from plumewatch.detect import passes, robust, run
from plumewatch.detect.run import METHODS, detect_scene
from plumewatch.errors import InputFileError, SensorCoverageError


@pytest.mark.parametrize("method", METHODS)
def test_every_method_finds_the_plume(scene_factory, method):
    scene, truth = scene_factory()
    retrieval = detect_scene(scene, ["ch4"], method=method)["ch4"]
    enhancement = retrieval.enhancement_ppmm
    assert enhancement.shape == truth.shape and enhancement.dtype == np.float32
    plume, background = truth > 3000, truth < 1
    assert np.nanmedian(enhancement[plume]) > 5 * np.nanstd(enhancement[background])
    assert retrieval.info["method"] == method
    assert retrieval.albedo is not None and np.nanmedian(retrieval.albedo) == pytest.approx(1.0, abs=0.2)
    assert set(retrieval.info["masks"]) >= {"nodata", "saturated", "hot", "cloud", "dark", "bright_outlier"}


def test_default_method_is_within_ten_percent_at_the_plume_core(scene_factory):
    scene, truth = scene_factory(plumes=((60, 6, 2000.0), (140, 6, 12000.0)))
    enhancement = detect_scene(scene, ["ch4"])["ch4"].enhancement_ppmm
    for peak in (2000.0, 12000.0):
        core = truth > 0.9 * peak
        assert np.nanmedian(enhancement[core] / truth[core]) == pytest.approx(1.0, abs=0.1)


def test_chunking_does_not_change_the_result(scene_factory):
    scene, _ = scene_factory()
    a = detect_scene(scene, ["ch4"], method="cmf")["ch4"]
    b = detect_scene(scene, ["ch4"], method="cmf", chunk_bytes=2**16)["ch4"]
    # float32 GEMMs round differently per chunk; 2% of the 1-sigma noise is far below anything that matters
    tolerance = 0.02 * float(np.nanmedian(a.uncertainty_ppmm))
    np.testing.assert_allclose(a.enhancement_ppmm, b.enhancement_ppmm, atol=tolerance)


def test_blocks_kept_in_memory_or_on_disk_give_the_same_result(scene_factory, monkeypatch):
    scene, _ = scene_factory()
    cube = scene.radiance.compute()
    cube[10, 3, :] = np.nan  # no data, and radiance at or below zero: the blocks' slow path
    cube[12, 5, :] = 0.0
    scene = type(scene)(**{**scene.__dict__, "radiance": da.from_array(cube, chunks=(50, -1, -1))})
    in_memory = detect_scene(scene, ["ch4"], chunk_bytes=2**16)["ch4"]
    saved = []
    monkeypatch.setattr(run, "KEEP_IN_MEMORY_BYTES", 0)
    monkeypatch.setattr(passes, "save", lambda *a: saved.append(a[1]) or original_save(*a))
    on_disk = detect_scene(scene, ["ch4"], chunk_bytes=2**16)["ch4"]
    assert len(saved) > 1  # every block went through the scratch folder
    assert in_memory.info["masks"]["nodata"] == 1 and in_memory.info["masks"]["nonpositive"] == 1
    np.testing.assert_array_equal(in_memory.valid, on_disk.valid)
    np.testing.assert_array_equal(in_memory.enhancement_ppmm, on_disk.enhancement_ppmm)
    np.testing.assert_array_equal(in_memory.uncertainty_ppmm, on_disk.uncertainty_ppmm)


original_save = passes.save


@pytest.mark.parametrize("shrinkage", ["loo", "oas"])
def test_refits_of_the_changed_columns_alone_equal_refits_of_all(scene_factory, monkeypatch, shrinkage):
    # partial refits splice the changed columns' filters into the first fit's and reuse the shape
    # terms of the unchanged columns; refitting every column and recomputing every term must agree
    scene, _ = scene_factory()
    spliced, residuals = [], []
    original, flags = run._with_columns, run.plume_flags
    monkeypatch.setattr(run, "_with_columns", lambda *args: spliced.append(1) or original(*args))

    def plume_flags(*args, **kw):  # keeps the terms the flags read
        (z, mean_z), core = kw["z_and_mean"], kw["core"]
        needed = robust.core_test_pixels(z) | robust.body_test_pixels(core, mean_z)
        residuals.append([np.where(needed, terms, np.nan) for terms in args[1:3]])
        return flags(*args, **kw)

    monkeypatch.setattr(run, "plume_flags", plume_flags)
    partial = detect_scene(scene, ["ch4"], shrinkage=shrinkage)["ch4"]
    assert spliced and partial.info["plume_pixels_removed_from_background"] > 0
    monkeypatch.setattr(run, "_partial_refits", lambda filters: False)
    monkeypatch.setattr(run, "_ShapeTerms", _ShapeTermsComputedAfresh)
    full = detect_scene(scene, ["ch4"], shrinkage=shrinkage)["ch4"]
    assert len(residuals) == 4  # the shape test's terms of both refits, each way
    for kept, computed in zip(residuals[:2], residuals[2:], strict=True):
        # float32 whitening rounds the terms by ~1e-3 (on a noise scale of sqrt(2 p) ~ 12), differently
        # as the pixels are batched: kept terms come from batches of their own
        np.testing.assert_allclose(kept, computed, rtol=1e-5, atol=1e-2)
    np.testing.assert_array_equal(partial.valid, full.valid)
    assert (
        partial.info["plume_pixels_removed_from_background"]
        == full.info["plume_pixels_removed_from_background"]
    )
    tolerance = 1e-4 * float(np.nanmedian(full.uncertainty_ppmm))
    np.testing.assert_allclose(partial.enhancement_ppmm, full.enhancement_ppmm, rtol=0, atol=tolerance)
    np.testing.assert_allclose(partial.uncertainty_ppmm, full.uncertainty_ppmm, rtol=0, atol=tolerance)


def test_reapplying_the_refitted_columns_alone_equals_reapplying_all(scene_factory, monkeypatch):
    # after a partial refit only the columns whose filters may have changed since the last apply
    # are computed again
    scene, _ = scene_factory(lines=400, samples=40, plumes=((60, 8, 8000.0), (250, 30, 12000.0)))
    fits, original = [], run._columns_refitted
    monkeypatch.setattr(run, "_columns_refitted", lambda *a: fits.append(a) or original(*a))
    partial = detect_scene(scene, ["ch4"])["ch4"]
    assert len(fits) == 2 and all(0 < original(*a).sum() < len(a[1]) for a in fits)
    monkeypatch.setattr(run, "_columns_refitted", lambda before, now: np.ones(len(now), dtype=bool))
    full = detect_scene(scene, ["ch4"])["ch4"]
    for name in ("enhancement_ppmm", "uncertainty_ppmm", "albedo", "valid"):
        np.testing.assert_array_equal(getattr(partial, name), getattr(full, name))


def test_columns_refitted_include_those_that_go_back_to_the_first_fit():
    # column_fit: 0 = the first fit's filters; a column refitted before but not now changes too
    before, now = np.array([0, 1, 1, 0]), np.array([0, 0, 2, 2])
    np.testing.assert_array_equal(run._columns_refitted(before, now), [False, True, True, True])


class _ShapeTermsComputedAfresh(run._ShapeTerms):
    """Every needed pixel's shape-test terms computed at every refit: none kept."""

    def of(self, *args):
        self.fit_of[:] = -1
        return super().of(*args)


def test_masks_are_applied_and_counted(scene_factory):
    scene, _ = scene_factory()
    cube = scene.radiance.compute()
    cube[10, 3, :] = np.nan  # no data
    cube[20, 4, :] *= 40.0  # brighter than any reflecting surface
    cube[30, 5, -20:] *= 60.0  # emission rising to the long end: a flare
    scene = type(scene)(**{**scene.__dict__, "radiance": da.from_array(cube, chunks=(50, -1, -1))})
    retrieval = detect_scene(scene, ["ch4"], method="cmf")["ch4"]
    masks = retrieval.info["masks"]
    assert masks["nodata"] == 1 and masks["saturated"] >= 1 and masks["hot"] >= 1
    for line, sample in ((10, 3), (20, 4), (30, 5)):
        assert not retrieval.valid[line, sample] and np.isnan(retrieval.enhancement_ppmm[line, sample])


def test_constant_and_empty_columns_are_masked_with_a_warning(scene_factory, caplog):
    scene, _ = scene_factory()
    cube = scene.radiance.compute()
    cube[:, 2, :] = cube[:, 2, :].mean(axis=0)  # a stuck detector column
    cube[:, 7, :] = np.nan
    scene = type(scene)(**{**scene.__dict__, "radiance": da.from_array(cube, chunks=(50, -1, -1))})
    with caplog.at_level(logging.WARNING, logger="plumewatch.detect.run"):
        retrieval = detect_scene(scene, ["ch4"], method="cmf")["ch4"]
    assert "constant radiance" in caplog.text and "no usable pixel" in caplog.text
    assert not retrieval.valid[:, 2].any() and not retrieval.valid[:, 7].any()
    assert retrieval.valid[:, 0].all()


@pytest.mark.parametrize("method", ["cmf", "exact"])
def test_a_stuck_column_in_a_block_of_finite_values_is_masked(scene_factory, caplog, method):
    # without a NaN column beside it: the column sums alone must find its variance to be 0
    scene, _ = scene_factory()
    cube = scene.radiance.compute()
    cube[:, 2, :] = cube[:, 2, :].mean(axis=0)
    scene = type(scene)(**{**scene.__dict__, "radiance": da.from_array(cube, chunks=(50, -1, -1))})
    with caplog.at_level(logging.WARNING, logger="plumewatch.detect.run"):
        retrieval = detect_scene(scene, ["ch4"], method=method)["ch4"]
    assert "constant radiance are masked: 2" in caplog.text
    assert not retrieval.valid[:, 2].any() and retrieval.valid[:, 3].any()


def test_all_nan_cube_is_an_error(scene_factory):
    scene, _ = scene_factory()
    nan = da.full(scene.radiance.shape, np.nan, dtype=np.float32, chunks=(50, -1, -1))
    with pytest.raises(InputFileError, match="no usable pixel"):
        detect_scene(type(scene)(**{**scene.__dict__, "radiance": nan}), ["ch4"])


def test_gas_outside_the_bands_is_a_coverage_error(scene_factory):
    scene, _ = scene_factory()
    with pytest.raises(SensorCoverageError, match="do not cover"):
        detect_scene(scene, ["ch4"], window_nm=(400.0, 900.0))


def test_unknown_method_is_an_error(scene_factory):
    scene, _ = scene_factory()
    with pytest.raises(InputFileError, match="unknown detection method"):
        detect_scene(scene, ["ch4"], method="magic")


def test_same_result_on_a_dask_distributed_cluster(scene_factory):
    from dask.distributed import Client, LocalCluster

    scene, _ = scene_factory()
    with dask.config.set(scheduler="synchronous"):
        local = detect_scene(scene, ["ch4"], method="exact")["ch4"]
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster,
        Client(cluster),
    ):
        remote = detect_scene(scene, ["ch4"], method="exact")["ch4"]
    np.testing.assert_array_equal(local.valid, remote.valid)
    np.testing.assert_allclose(local.enhancement_ppmm, remote.enhancement_ppmm, rtol=1e-5, atol=1e-3)


def test_gathered_pixels_come_back_in_groups_of_any_size(scene_factory, monkeypatch):
    # the flagged pixels and the shape test's pixels of many blocks are summed and tested together;
    # a group per block must give the same flags and, to rounding, the same estimates
    scene, _ = scene_factory()
    groups = {}
    original = run._Runs._groups

    def recorded(*args, **kwargs):
        made = original(*args, **kwargs)
        groups.setdefault(run.GATHERED_BYTES, []).extend(made)
        return made

    monkeypatch.setattr(run._Runs, "_groups", recorded)
    together = detect_scene(scene, ["ch4"], chunk_bytes=2**16)["ch4"]
    monkeypatch.setattr(run, "GATHERED_BYTES", 1)
    apart = detect_scene(scene, ["ch4"], chunk_bytes=2**16)["ch4"]
    together_groups, apart_groups = groups.values()
    assert max(len(g) for g in together_groups) > 1 and len(apart_groups) > len(together_groups)
    assert together.info["plume_pixels_removed_from_background"] > 0
    assert (
        together.info["plume_pixels_removed_from_background"]
        == apart.info["plume_pixels_removed_from_background"]
    )
    # the flagged pixels' products are float32 (like the blocks' scatters): grouped otherwise, they
    # round otherwise, by about 1e-3 of the 1-sigma through the background's small eigenvalues
    tolerance = 3e-3 * float(np.nanmedian(together.uncertainty_ppmm))
    np.testing.assert_allclose(apart.enhancement_ppmm, together.enhancement_ppmm, rtol=0, atol=tolerance)


@pytest.mark.parametrize("interleave", ["bil", "bsq"])
def test_a_file_read_by_band_subsets_gives_what_its_whole_radiance_gives(tmp_path, scene_factory, interleave):
    import dataclasses

    from plumewatch.io.envi import open_envi, write_envi

    scene, _ = scene_factory(seed=4, lines=120)
    hdr = write_envi(
        tmp_path / "pw_subset_rdn.hdr",
        (scene.radiance.compute() * 1000).astype(np.int16),
        interleave=interleave,
        metadata={
            "wavelength": list(scene.wavelength_nm),
            "fwhm": list(scene.fwhm_nm),
            "data gain values": [1e-3] * len(scene.wavelength_nm),
        },
    )
    from_file = open_envi(hdr)
    # CH4 reads its window and mask bands alone: the 1950-2120 nm bands are never read
    needed = from_file.wavelength_nm >= 2100
    assert 0 < needed.sum() < len(needed) - 10
    whole = from_file.radiance.compute()
    in_memory = dataclasses.replace(from_file, radiance=da.from_array(whole, chunks=(40, -1, -1)))
    for method in ("exact", "cmf"):
        a = detect_scene(from_file, ["ch4"], method=method)["ch4"]
        b = detect_scene(in_memory, ["ch4"], method=method)["ch4"]
        np.testing.assert_array_equal(a.enhancement_ppmm, b.enhancement_ppmm)
        np.testing.assert_array_equal(a.uncertainty_ppmm, b.uncertainty_ppmm)
