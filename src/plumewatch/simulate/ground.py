"""The simulated ground: a real reflectance texture with placed surfaces, sampled at any pixel positions.

The texture is the Jasper Ridge AVIRIS cube (its PCA scores), laid over the area
rotated and shifted by the seed and mirrored at its edges so it never ends;
placed surfaces (pads, roofs, decoys) mix in by the fraction of each pixel they
cover. Positions are metres east/north of the area's centre, so every overflight
samples the same ground whatever its heading.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
from scipy.ndimage import map_coordinates

from plumewatch.simulate.library import Texture, lab_reflectance

log = logging.getLogger(__name__)

SHAPES = ("disk", "square")
CLOUD_WOBBLE_HARMONICS = (2, 3, 5, 7)
SOIL_SHARE_OF_VEGETATION = 0.6


@dataclass(frozen=True)
class Patch:
    """A surface placed on the ground: material, centre (m east/north), radius or half-side (m), shape."""

    patch_id: str
    material: str
    east_m: float
    north_m: float
    radius_m: float
    shape: str = "disk"
    angle_deg: float = 0.0


@dataclass(frozen=True)
class Cloud:
    """A low cloud over part of one overflight: centre, mean radius, wavy soft edge, height (m)."""

    east_m: float
    north_m: float
    radius_m: float
    edge_m: float
    height_m: float
    wobble_phase: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Ground:
    """The area's surface: texture placement, the placed patches and a fine brightness grain.

    ``grain`` is a (n, n) field of relative brightness (mean 1) on cells of
    ``grain_cell_m`` centred on the area: the sub-texture variation (shrubs,
    stones, tracks) that bilinear interpolation of the coarser texture smooths away.
    """

    texture_cell_m: float
    texture_angle_deg: float
    texture_offset_px: tuple[float, float]
    patches: tuple[Patch, ...] = field(default_factory=tuple)
    grain: np.ndarray | None = None
    grain_cell_m: float = 1.0


def cover_fraction(patch: Patch, east_m: np.ndarray, north_m: np.ndarray, pixel_size_m: float) -> np.ndarray:
    """Fraction (0-1) of each pixel centred at (east, north) that the patch covers (linear edge ramp)."""
    dx, dy = np.asarray(east_m) - patch.east_m, np.asarray(north_m) - patch.north_m
    if patch.shape == "disk":
        distance = np.hypot(dx, dy)
    elif patch.shape == "square":
        angle = np.deg2rad(patch.angle_deg)
        u = dx * np.cos(angle) - dy * np.sin(angle)
        v = dx * np.sin(angle) + dy * np.cos(angle)
        distance = np.maximum(np.abs(u), np.abs(v))
    else:
        raise ValueError(f"unknown patch shape {patch.shape!r}; use one of {SHAPES}")
    return np.clip(0.5 + (patch.radius_m - distance) / pixel_size_m, 0.0, 1.0)


def cloud_fraction(cloud: Cloud, east_m: np.ndarray, north_m: np.ndarray) -> np.ndarray:
    """Cloud cover fraction (0-1) at ground points: a wavy disk whose optical depth ramps over ``edge_m``."""
    dx, dy = np.asarray(east_m) - cloud.east_m, np.asarray(north_m) - cloud.north_m
    theta = np.arctan2(dy, dx)
    wobble = sum(
        np.sin(k * theta + p) / k for k, p in zip(CLOUD_WOBBLE_HARMONICS, cloud.wobble_phase, strict=True)
    )
    radius = cloud.radius_m * (1.0 + 0.25 * wobble)
    return np.clip(0.5 + (radius - np.hypot(dx, dy)) / cloud.edge_m, 0.0, 1.0)


def shadow_fraction(
    cloud: Cloud,
    east_m: np.ndarray,
    north_m: np.ndarray,
    *,
    solar_zenith_deg: float,
    solar_azimuth_deg: float,
) -> np.ndarray:
    """Fraction (0-1) of the direct sun a cloud blocks at ground points (its shadow, cast down-sun)."""
    reach = cloud.height_m * np.tan(np.deg2rad(solar_zenith_deg))
    az = np.deg2rad(solar_azimuth_deg)
    return cloud_fraction(
        cloud, np.asarray(east_m) + reach * np.sin(az), np.asarray(north_m) + reach * np.cos(az)
    )


def texture_scores(ground: Ground, texture: Texture, east_m: np.ndarray, north_m: np.ndarray) -> np.ndarray:
    """Texture PCA scores (..., k) at ground points: bilinear between texture pixels, mirrored at edges."""
    angle = np.deg2rad(ground.texture_angle_deg)
    u = (np.cos(angle) * east_m - np.sin(angle) * north_m) / ground.texture_cell_m + ground.texture_offset_px[
        0
    ]
    v = (np.sin(angle) * east_m + np.cos(angle) * north_m) / ground.texture_cell_m + ground.texture_offset_px[
        1
    ]
    rows, cols = texture.scores.shape[:2]
    coords = [_mirror(v, rows).ravel(), _mirror(u, cols).ravel()]
    planes = [
        map_coordinates(texture.scores[..., i], coords, order=1, mode="nearest", output=np.float32)
        for i in range(texture.scores.shape[2])
    ]
    return np.stack(planes, axis=-1).reshape(*np.shape(east_m), -1)


def grain_at(ground: Ground, east_m: np.ndarray, north_m: np.ndarray) -> np.ndarray:
    """Relative brightness grain (mean 1) at ground points; ones if the ground has none."""
    if ground.grain is None:
        return np.ones(np.shape(east_m))
    n = ground.grain.shape[0]
    rows = np.asarray(north_m) / ground.grain_cell_m + (n - 1) / 2
    cols = np.asarray(east_m) / ground.grain_cell_m + (n - 1) / 2
    grain = map_coordinates(ground.grain, [rows.ravel(), cols.ravel()], order=1, mode="mirror")
    return grain.reshape(np.shape(east_m))


def ground_reflectance(
    ground: Ground,
    texture: Texture,
    spectra: dict[str, np.ndarray],
    east_m: np.ndarray,
    north_m: np.ndarray,
    pixel_size_m: float,
) -> np.ndarray:
    """Surface reflectance (..., bands) at pixel centres: texture, then each patch mixed in by its cover.

    ``spectra`` maps each patch material to its reflectance on the same bands as
    ``texture``; patches without a spectrum there (a flare is a light source, not a
    surface) are left to the radiance model.
    """
    reflectance = _dry(texture.reflectance(texture_scores(ground, texture, east_m, north_m)), texture)
    if ground.grain is not None:
        reflectance *= grain_at(ground, east_m, north_m)[..., None].astype(np.float32)
    for patch in ground.patches:
        if patch.material not in spectra:
            continue
        cover = cover_fraction(patch, east_m, north_m, pixel_size_m)
        hit = cover > 0
        if hit.any():
            f = cover[hit][:, None].astype(np.float32)
            reflectance[hit] = (1.0 - f) * reflectance[hit] + f * spectra[patch.material]
    # The texture's PCA reconstruction can dip below zero over water; no surface reflects less than nothing.
    return np.clip(reflectance, 0.002, None).astype(np.float32, copy=False)


def land_cover(
    reflectance: np.ndarray, wavelength_nm: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(water, vegetation, soil shade) per pixel of a VNIR reflectance texture, each (...).

    Water has near-infrared reflectance < 0.12 (at 800-900 nm plants and soil reflect
    0.2-0.5); vegetation is told by NDVI above 0.2; the soil shade (0.8-1.2) follows
    the visible brightness, so soil put where water was keeps the texture's structure.
    """
    red = reflectance[..., (wavelength_nm > 620) & (wavelength_nm < 680)].mean(axis=-1)
    nir = reflectance[..., (wavelength_nm > 800) & (wavelength_nm < 900)].mean(axis=-1)
    visible = reflectance[..., (wavelength_nm > 450) & (wavelength_nm < 650)].mean(axis=-1)
    water = np.clip((0.12 - nir) / 0.08, 0.0, 1.0)
    ndvi = (nir - red) / np.maximum(nir + red, 1e-6)
    vegetation = (1.0 - water) * np.clip((ndvi - 0.2) / 0.5, 0.0, 1.0)
    shade = 0.8 + 0.4 * np.clip(visible / 0.08, 0.0, 1.0)
    return water, vegetation, shade


def soil_spectrum(wavelength_nm: np.ndarray) -> np.ndarray:
    """Reflectance of the simulator's bare soil: an even mix of the two lab soils."""
    return 0.5 * (lab_reflectance("loamy_sand", wavelength_nm) + lab_reflectance("black_loam", wavelength_nm))


def _dry(reflectance: np.ndarray, texture: Texture) -> np.ndarray:
    """The texture made semi-arid, as the oil and gas fields the simulator stands for are.

    Jasper Ridge is a wet, wooded place: a lake covers a third of the cube and dense
    trees much of the rest. Water becomes bare soil and vegetation gives
    ``SOIL_SHARE_OF_VEGETATION`` of its cover to soil, so the real spatial structure
    stays while the surface reflects like scrubland.
    """
    water, vegetation, shade = land_cover(reflectance, texture.wavelength_nm)
    to_soil = (water + SOIL_SHARE_OF_VEGETATION * vegetation)[..., None].astype(np.float32)
    soil = soil_spectrum(texture.wavelength_nm).astype(np.float32) * shade[..., None].astype(np.float32)
    return (1.0 - to_soil) * reflectance + to_soil * soil


def _mirror(index: np.ndarray, size: int) -> np.ndarray:
    """Fold fractional indices onto [0, size-1] by mirroring: a finite texture tiles the plane seamlessly."""
    period = 2 * (size - 1)
    folded = np.mod(index, period)
    return np.where(folded > size - 1, period - folded, folded)
