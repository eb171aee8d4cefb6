"""What detection reads for each gas: bands, absorption, target model, masks and noise.

Everything here is computed once per scene, before the streaming passes.
"""

from __future__ import annotations

import logging

import numpy as np

from plumewatch.detect.masks import MaskPlan, reflectance_factor
from plumewatch.detect.targets import (
    EXACT_GRID_PPMM,
    GasModel,
    prior_column_ppmm,
    radiance_ratio_table,
    thermal_grid_ppmm,
    transmittance_table,
)
from plumewatch.detect.windows import default_window_nm
from plumewatch.errors import InputFileError, SensorCoverageError
from plumewatch.scene import Scene

log = logging.getLogger(__name__)

MIN_BANDS = 3
# Mask bands: the blue band (clouds) and a few bands spread over the gas windows.
BLUE_NM = (440.0, 500.0)
# Bands of the hot (flare) test: the two ends of the 2.1-2.5 um window, whatever the gas window.
HOT_NM = ((2115.0, 2135.0), (2475.0, 2495.0))
# Clear atmospheric windows where apparent reflectance (clouds, dark surfaces) is read.
WINDOW_NM = ((1600.0, 1700.0), (2150.0, 2250.0))
CHECK_BANDS = 8
# A thermal plume is at the air temperature near the ground: the scene's ``plume_temperature_k``
# (``detect --plume-temperature-k``), else its ``air_temperature_k`` (header ``air temperature k``),
# else this 20 C guess, which is logged: each kelvin of error moves the retrieved column by about
# 1 / (surface - air temperature difference), some 7 % over ground 14 K warmer than the air.
DEFAULT_PLUME_TEMPERATURE_K = 293.15


def scene_regime(scene: Scene) -> str:
    """'lwir' for thermal-infrared scenes (band centres past 5 um), else 'swir'."""
    return "lwir" if np.nanmedian(scene.wavelength_nm) > 5000 else "swir"


def select_bands(
    scene: Scene, gas: str, window_nm: tuple[float, float] | None = None
) -> tuple[np.ndarray, np.ndarray, tuple[float, float]]:
    """(band indices, unit absorption per ppm·m, window) for ``gas``; SensorCoverageError if uncovered."""
    from plumewatch.spectra import unit_absorption

    wavelength_nm = np.asarray(scene.wavelength_nm, dtype=float)
    if wavelength_nm.size == 0 or not np.isfinite(wavelength_nm).any():
        raise InputFileError(scene.path, "no wavelength list; detection needs band centres")
    window = tuple(float(w) for w in (window_nm or default_window_nm(gas, scene_regime(scene))))
    k = unit_absorption(gas, wavelength_nm, _fwhm(scene))
    inside = (wavelength_nm >= window[0]) & (wavelength_nm <= window[1]) & scene.band_mask
    covered = inside & np.isfinite(k)
    absorbs = covered & (k > 1e-3 * np.nanmax(np.where(covered, k, 0.0), initial=0.0))
    if absorbs.sum() < MIN_BANDS:
        raise SensorCoverageError(
            f"{scene.path}: the sensor's bands in {window[0]:.0f}-{window[1]:.0f} nm do not cover {gas} "
            f"({int(absorbs.sum())} absorbing bands, need {MIN_BANDS})"
        )
    # Window bands the gas's data do not reach stay in as background-only bands (no target there):
    # they let the filter predict the clutter in the absorbing bands.
    band_index = np.flatnonzero(inside)
    return band_index, np.nan_to_num(k[band_index], nan=0.0), window


def covered_gases(scene: Scene) -> list[str]:
    """Library gases of the scene's regime whose absorption the scene's bands cover (for ``--gas auto``)."""
    from plumewatch.spectra import library_gases

    covered = []
    for gas in library_gases(scene_regime(scene)):
        try:
            select_bands(scene, gas)
        except SensorCoverageError:
            continue
        covered.append(gas)
    if not covered:
        raise SensorCoverageError(f"{scene.path}: the sensor's bands cover no gas of the spectral library")
    return covered


def gas_model(
    scene: Scene,
    gas: str,
    band_index: np.ndarray,
    k: np.ndarray,
    window: tuple[float, float],
    local_index: np.ndarray,
    *,
    exact: bool,
) -> GasModel:
    """The GasModel of ``gas``: target, air-mass factor and (``exact``) its band radiance-ratio table.

    In reflected sunlight the target is the forward model's radiance-weighted absorption at the
    scene's sun and view zenith angles, not the flat band-mean optical depth.
    """
    regime = scene_regime(scene)
    if regime == "lwir":
        return thermal_gas_model(scene, gas, band_index, k, window, local_index)
    amf = scene.air_mass_factor()
    wl, fwhm = scene.wavelength_nm[band_index], _fwhm(scene)[band_index]
    geometry = {
        "solar_zenith_deg": scene.solar_zenith_deg or 0.0,
        "view_zenith_deg": scene.view_zenith_deg or 0.0,
    }
    log_ratio = radiance_ratio_table(gas, wl, fwhm, **geometry)
    # The slope at the first node (100 ppm·m, linear to 0.1 %) is the radiance-weighted absorption
    # (``spectra.forward.radiance_unit_absorption``), also in bands the gas's lines cover only in part.
    k_radiance = -log_ratio[1] / (EXACT_GRID_PPMM[1] * amf)
    if not exact:
        return GasModel(gas, band_index, local_index, k_radiance, amf, window)
    return GasModel(
        gas,
        band_index,
        local_index,
        k_radiance,
        amf,
        window,
        exact_grid_ppmm=EXACT_GRID_PPMM,
        exact_log_ratio=log_ratio,
    )


def thermal_gas_model(
    scene: Scene,
    gas: str,
    band_index: np.ndarray,
    k: np.ndarray,
    window: tuple[float, float],
    local_index: np.ndarray,
) -> GasModel:
    """The thermal GasModel of ``gas``: plume at the air temperature, one-way view path, exact table."""
    amf = view_air_mass(scene)
    temperature_k, source = plume_temperature(scene)
    wl, fwhm = scene.wavelength_nm[band_index], _fwhm(scene)[band_index]
    grid = thermal_grid_ppmm(k, amf)
    return GasModel(
        gas,
        band_index,
        local_index,
        k,
        amf,
        window,
        regime="lwir",
        plume_radiance=planck_in_scene_units(scene, band_index, temperature_k),
        exact_grid_ppmm=grid,
        exact_log_ratio=transmittance_table(gas, wl, fwhm, air_mass_factor=amf, grid_ppmm=grid),
        plume_temperature_k=temperature_k,
        plume_temperature_source=source,
        prior_column_ppmm=prior_column_ppmm(k, amf),
    )


def view_air_mass(scene: Scene) -> float:
    """One-way air-mass factor 1 / cos(vza) of thermal emission seen by the sensor (1 at nadir or unknown)."""
    return float(1.0 / np.cos(np.deg2rad(scene.view_zenith_deg or 0.0)))


def column_prior_ppmm(scene: Scene, gas: str) -> float:
    """1-sigma (ppm·m) of the thermal prior on ``gas``'s column over ``scene``'s bands and view."""
    _, k, _ = select_bands(scene, gas)
    return prior_column_ppmm(k, view_air_mass(scene))


def plume_temperature(scene: Scene) -> tuple[float, str]:
    """(K, where it came from) of a thermal plume: given, the air temperature, or the default (logged)."""
    if scene.attrs.get("plume_temperature_k") is not None:
        return float(scene.attrs["plume_temperature_k"]), "given"
    if scene.attrs.get("air_temperature_k") is not None:
        return float(scene.attrs["air_temperature_k"]), "air temperature"
    log.warning(
        "%s: no air temperature in the header and none given; the plume is taken to be at %.2f K",
        scene.path,
        DEFAULT_PLUME_TEMPERATURE_K,
    )
    return DEFAULT_PLUME_TEMPERATURE_K, "default"


def planck_in_scene_units(scene: Scene, band_index: np.ndarray, temperature_k: float) -> np.ndarray:
    """Blackbody radiance at the band centres in the scene's units (W m-2 sr-1 um-1 or uW nm-1 cm-2 sr-1)."""
    from plumewatch.spectra import planck_radiance

    w_m2_sr_um = planck_radiance(np.asarray(scene.wavelength_nm, dtype=float)[band_index], temperature_k)
    units = scene.radiance_units.lower().replace("µ", "u")
    return w_m2_sr_um * 0.1 if units.startswith("uw") else w_m2_sr_um


def mask_plan(scene: Scene, union: np.ndarray, extra: np.ndarray) -> MaskPlan:
    """Where in the block (``union`` bands, then ``extra`` mask-only bands) each mask looks."""
    gas_positions = np.arange(len(union))
    check = gas_positions[np.linspace(0, len(union) - 1, min(CHECK_BANDS, len(union))).round().astype(int)]
    saturation = scene.attrs.get("saturation_radiance")
    saturation = None if saturation is None else float(saturation)
    if scene_regime(scene) == "lwir":
        return MaskPlan(check, None, saturation_radiance=saturation)
    all_bands = np.concatenate([union, extra])
    factor = reflectance_factor(scene.wavelength_nm[all_bands], scene.radiance_units, scene.solar_zenith_deg)
    if factor is None:
        log.info(
            "%s: radiance units %r unknown; reflectance-based masks skipped", scene.path, scene.radiance_units
        )
        return MaskPlan(check, None, saturation_radiance=saturation)
    block_nm = np.asarray(scene.wavelength_nm, dtype=float)[all_bands]
    short, long, blue = (_nearest(block_nm, lo, hi) for lo, hi in (*HOT_NM, BLUE_NM))
    hot = short is not None and long is not None
    windows = [w for w in (_nearest(block_nm, lo, hi) for lo, hi in WINDOW_NM) if w is not None]
    window_index = np.array(windows, dtype=int) if windows else None
    return MaskPlan(
        check,
        factor[check],
        short_index=short if hot else None,
        long_index=long if hot else None,
        blue_index=blue,
        short_factor=float(factor[short]) if hot else 1.0,
        long_factor=float(factor[long]) if hot else 1.0,
        blue_factor=float(factor[blue]) if blue is not None else 1.0,
        saturation_radiance=saturation,
        window_index=window_index,
        window_factor=None if window_index is None else factor[window_index],
    )


def extra_mask_bands(scene: Scene, union: np.ndarray) -> np.ndarray:
    """Scene bands read only for masks (blue, the hot test's two, the clear windows), where not in ``union``.

    The hot (flare) test compares fixed bands near 2125 and 2485 nm whatever the gas window,
    so that it does not mistake the depth of another window's absorption for thermal emission.
    """
    if scene_regime(scene) == "lwir":
        return np.array([], dtype=int)
    wl = np.where(scene.band_mask, np.asarray(scene.wavelength_nm, dtype=float), np.nan)
    picks = [_nearest(wl, lo, hi) for lo, hi in (BLUE_NM, *HOT_NM, *WINDOW_NM)]
    return np.array(sorted({p for p in picks if p is not None} - set(np.asarray(union).tolist())), dtype=int)


def _nearest(wavelength_nm: np.ndarray, lo: float, hi: float) -> int | None:
    """Index of the band nearest the middle of [lo, hi] nm among those inside it, or None."""
    inside = np.flatnonzero((wavelength_nm >= lo) & (wavelength_nm <= hi))
    if inside.size == 0:
        return None
    return int(inside[np.argmin(np.abs(wavelength_nm[inside] - 0.5 * (lo + hi)))])


def noise_slope(scene: Scene, union: np.ndarray, mean_radiance: np.ndarray) -> np.ndarray | None:
    """d(noise variance)/d(radiance) per union band from the sensor's noise model, or None if unknown."""
    terms = noise_terms(scene, union, mean_radiance)
    return None if terms is None else terms[1]


def noise_terms(
    scene: Scene, union: np.ndarray, mean_radiance: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """(c, s) per union band with noise variance ~ c + s * radiance near the mean, or None if unknown."""
    try:
        from plumewatch.spectra import get_sensor

        sensor = get_sensor(scene.sensor)
    except Exception:  # noqa: BLE001 - an unknown sensor only means no per-pixel noise term
        return None
    if len(sensor.wavelength_nm) != len(scene.wavelength_nm):
        return None
    full = np.zeros(len(scene.wavelength_nm))
    full[union] = mean_radiance
    low, high = sensor.noise_sigma(full) ** 2, sensor.noise_sigma(1.5 * full) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = (high - low)[union] / (0.5 * mean_radiance)
    slope = np.where(np.isfinite(slope), np.maximum(slope, 0.0), 0.0)
    constant = np.maximum(low[union] - slope * mean_radiance, 0.0)
    return np.where(np.isfinite(constant), constant, 0.0), slope


def _fwhm(scene: Scene) -> np.ndarray:
    fwhm = np.asarray(scene.fwhm_nm, dtype=float)
    if fwhm.shape == scene.wavelength_nm.shape and np.isfinite(fwhm).all() and (fwhm > 0).all():
        return fwhm
    spacing = np.abs(np.gradient(np.asarray(scene.wavelength_nm, dtype=float)))
    return np.where(np.isfinite(fwhm) & (fwhm > 0), fwhm, spacing) if fwhm.shape == spacing.shape else spacing
