"""Enhancement maps into plume objects: hysteresis thresholding, components, fragments, sources.

The significance map (enhancement / 1-sigma) is smoothed over 3x3 pixels and rescaled by its
robust spread over the scene, so thresholds are in units of the scene's own noise even when
the noise is striped or correlated. Pixels above ``low_sigma`` that connect to at least
``min_seed_pixels`` pixels above ``high_sigma`` form candidates (hysteresis); candidates
within ``merge_px`` pixels of each other are one plume (fragments of a patchy plume), and so
are, given a wind, a plume and the pieces of it found far downwind (``plumewatch.plumes.fragments``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy import ndimage

from plumewatch.detect.retrieval import Retrieval
from plumewatch.io.survey import SiteWind
from plumewatch.plumes.emission import (
    CSF_WIND,
    IME_WIND,
    EffectiveWind,
    cross_sectional_flux,
    ime_emission,
)
from plumewatch.plumes.falsealarm import (
    CloudZones,
    LocalDarkness,
    ShadowColumns,
    large_masked_areas,
    rejection_reason,
)
from plumewatch.plumes.fragments import fragment_parents, plausible_length_m
from plumewatch.plumes.outline import downwind_unit, local_metres, outline_polygon, principal_axis
from plumewatch.plumes.plume import Plume
from plumewatch.plumes.wind import LineWind, wind_at

log = logging.getLogger(__name__)

EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)


@dataclass(frozen=True)
class SegmentConfig:
    """Thresholds for plume segmentation (significances in robust-sigma units of the smoothed map)."""

    high_sigma: float = 8.0
    low_sigma: float = 3.5
    smooth_px: int = 3
    min_pixels: int = 15
    min_seed_pixels: int = 4
    min_raw_pixels: int = 4
    raw_sigma: float = 2.0
    merge_px: int = 2
    core_fraction: float = 0.3
    source_sigma_px: float = 2.0
    region_px: int = 2


def segment_plumes(
    retrieval: Retrieval,
    lon_deg: np.ndarray,
    lat_deg: np.ndarray,
    *,
    pixel_size_m: float,
    acquired: datetime | None,
    wind_speed_m_s: float | None,
    wind_from_deg: float | None,
    wind_speed_sigma_m_s: float | None = None,
    site_winds: Sequence[SiteWind] = (),
    geolocation_sigma_m: float | None = None,
    surface_match: np.ndarray | None = None,
    config: SegmentConfig = SegmentConfig(),
    ime_wind: EffectiveWind = IME_WIND,
    csf_wind: EffectiveWind = CSF_WIND,
) -> list[Plume]:
    """Plumes found in one Retrieval, strongest first, with outlines, sources and emission rates (kg/h).

    The wind is the line's, except for plumes whose source lies within a ``site_winds`` radius:
    those use the nearest such site's measured wind, and their emission note says so.
    """
    line = LineWind(wind_speed_m_s, wind_from_deg, wind_speed_sigma_m_s, "flight line")
    enhancement = np.asarray(retrieval.enhancement_ppmm, dtype=np.float64)
    valid = np.asarray(retrieval.valid, dtype=bool) & np.isfinite(enhancement)
    uncertainty = np.asarray(retrieval.uncertainty_ppmm, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = np.where(valid & (uncertainty > 0), enhancement / uncertainty, 0.0)
    score = smoothed_significance(raw, valid, config.smooth_px)
    large_masked = large_masked_areas(valid)
    # Small masked patches (a saturated roof, a flare) may cut a plume; clouds are not bridged.
    groups = candidate_groups(score, raw, enhancement, valid, config, bridge=~valid & ~large_masked)
    smoothed_enhancement = _smooth(np.where(valid, enhancement, 0.0), valid, config.smooth_px)
    pixel_area_m2 = pixel_size_m**2
    geolocation_sigma_m = pixel_size_m if geolocation_sigma_m is None else geolocation_sigma_m
    albedo = None if retrieval.albedo is None else np.asarray(retrieval.albedo, dtype=np.float64)
    clouds = CloudZones.around(large_masked)
    seed_pixels = score >= config.high_sigma
    darkness = (
        None
        if albedo is None
        else LocalDarkness.of(albedo, valid, smoothed_enhancement, score, seed_sigma=config.high_sigma)
    )
    shadows = None if albedo is None else ShadowColumns.of(albedo, valid, score, seed_sigma=config.high_sigma)

    kept = []
    for mask in groups:
        reason, albedo_r = rejection_reason(
            enhancement,
            mask,
            valid,
            albedo=albedo,
            surface_match=surface_match,
            clouds=clouds,
            seed_pixels=seed_pixels,
            min_pixels=config.min_pixels,
            min_seed_pixels=config.min_seed_pixels,
            darkness=darkness,
            shadows=shadows,
        )
        if reason:
            log.info(
                "%s %s: candidate of %d pixels rejected: %s",
                retrieval.scene_name,
                retrieval.gas,
                int(mask.sum()),
                reason,
            )
            continue
        kept.append((mask, albedo_r))

    def locate(mask: np.ndarray) -> tuple[tuple[int, int], tuple[np.ndarray, ...], LineWind]:
        return _locate(
            mask, valid, smoothed_enhancement, lon_deg, lat_deg, line, site_winds, pixel_size_m, config
        )

    located = [locate(mask) for mask, _ in kept]
    merged = _merge_fragments(
        kept, located, smoothed_enhancement, lon_deg, lat_deg, pixel_size_m, geolocation_sigma_m
    )
    if len(merged) < len(kept):
        # A plume with fragments folded in gets its source point and wind from its whole mask.
        kept, located = merged, [locate(mask) for mask, _ in merged]

    plumes: list[Plume] = []
    for (mask, albedo_r), (source_rc, along_region, wind) in zip(kept, located, strict=True):
        ime, ime_noise, ime_rate = ime_emission(
            enhancement,
            uncertainty,
            mask,
            valid,
            retrieval.gas,
            pixel_area_m2=pixel_area_m2,
            wind_speed_m_s=wind.speed_m_s,
            wind_sigma_m_s=wind.speed_sigma_m_s,
            wind=ime_wind,
        )
        region, along_m, ring_px = along_region
        flux = (
            cross_sectional_flux(
                enhancement[region],
                along_m,
                retrieval.gas,
                pixel_area_m2=pixel_area_m2,
                transect_width_m=2.0 * pixel_size_m,
                wind_speed_m_s=wind.speed_m_s,
                wind_sigma_m_s=wind.speed_sigma_m_s,
                wind=csf_wind,
                ring_px=ring_px,
                region_px=config.region_px,
            )
            if wind.from_deg is not None
            else None
        )
        note = ime_rate.note or (flux.note if flux is not None else "no wind direction: no flux")
        values = enhancement[mask]
        plumes.append(
            Plume(
                scene_name=retrieval.scene_name,
                gas=retrieval.gas,
                label=0,
                pixels=np.argwhere(mask),
                outline=outline_polygon(mask, lon_deg, lat_deg),
                source_lon_deg=float(lon_deg[source_rc]),
                source_lat_deg=float(lat_deg[source_rc]),
                max_ppmm=float(values.max()),
                mean_ppmm=float(values.mean()),
                area_m2=float(mask.sum() * pixel_area_m2),
                ime_kg=ime,
                acquired=acquired,
                emission_kg_h=ime_rate.emission_kg_h,
                emission_sigma_kg_h=ime_rate.sigma_kg_h,
                emission_note=note
                if wind is line
                else "; ".join(filter(None, [f"wind: {wind.source}", note])),
                source_sigma_m=float(np.hypot(geolocation_sigma_m, config.source_sigma_px * pixel_size_m)),
                identification_confidence=identification_confidence(ime, ime_noise, albedo_r),
                ime_sigma_kg=ime_noise,
                flux_kg_h=None if flux is None else flux.emission_kg_h,
                flux_sigma_kg_h=None if flux is None else flux.sigma_kg_h,
                wind_speed_m_s=wind.speed_m_s,
                wind_from_deg=wind.from_deg,
            )
        )
    plumes.sort(key=lambda p: p.ime_kg, reverse=True)
    for label, plume in enumerate(plumes, 1):
        plume.label = label
    log.info("%s %s: %d plumes", retrieval.scene_name, retrieval.gas, len(plumes))
    return plumes


def _merge_fragments(
    kept, located, smoothed_enhancement, lon_deg, lat_deg, pixel_size_m, geolocation_sigma_m
):
    """(mask, albedo r) candidates with the downwind fragments of stronger ones folded into them."""
    if len(kept) < 2 or any(wind.from_deg is None for _, _, wind in located):
        return kept
    rows = np.array([rc[0] for rc, _, _ in located])
    cols = np.array([rc[1] for rc, _, _ in located])
    origin = (float(lon_deg[rows[0], cols[0]]), float(lat_deg[rows[0], cols[0]]))
    east, north = local_metres(lon_deg[rows, cols], lat_deg[rows, cols], origin)
    parents = fragment_parents(
        np.column_stack([east, north]),
        # A source shows its highest columns near itself: a fragment's peak is lower than its parent's.
        np.array([smoothed_enhancement[mask].max() for mask, _ in kept]),
        np.array([downwind_unit(wind.from_deg) for _, _, wind in located]),
        np.array([plausible_length_m(wind.speed_m_s) for _, _, wind in located]),
        # Two source points' errors, each geolocation plus a pixel of source finding.
        margin_m=2.0 * float(np.hypot(geolocation_sigma_m, pixel_size_m)),
    )
    merged = []
    for i in np.flatnonzero(parents < 0):
        members = [i, *np.flatnonzero(parents == i)]
        if len(members) > 1:
            log.info(
                "%d downwind fragment(s) folded into the plume from pixel %s", len(members) - 1, located[i][0]
            )
        mask = np.logical_or.reduce([kept[j][0] for j in members])
        merged.append((mask, max(kept[j][1] for j in members)))
    return merged


def _locate(mask, valid, smoothed_enhancement, lon_deg, lat_deg, line, site_winds, pixel_size_m, config):
    """Source pixel, (region, downwind distances) and the wind there of one candidate mask."""
    source_rc, along_region = _source_and_along(
        mask, valid, smoothed_enhancement, lon_deg, lat_deg, line.from_deg, pixel_size_m, config
    )
    wind = wind_at(line, site_winds, float(lon_deg[source_rc]), float(lat_deg[source_rc]))
    if wind is not line and wind.from_deg != line.from_deg:
        source_rc, along_region = _source_and_along(
            mask, valid, smoothed_enhancement, lon_deg, lat_deg, wind.from_deg, pixel_size_m, config
        )
    return source_rc, along_region, wind


def smoothed_significance(significance: np.ndarray, valid: np.ndarray, smooth_px: int) -> np.ndarray:
    """Significance averaged over smooth_px² pixels, in robust-sigma units of the scene (0 if masked).

    Beside a masked patch or the image's edge fewer pixels are averaged, and their mean is noisier: it
    is scaled by sqrt(valid pixels / smooth_px²), so that noise scores alike everywhere (without it a
    pixel with 5 of 9 neighbours scored 1.34x higher on noise alone, and seeded false candidates there).
    """
    smoothed = _smooth(significance, valid, smooth_px)
    if smooth_px > 1:
        share = ndimage.uniform_filter(valid.astype(np.float64), size=smooth_px, mode="constant")
        smoothed = smoothed * np.sqrt(np.clip(share, 0.0, 1.0))
    values = smoothed[valid]
    if values.size == 0:
        return np.zeros_like(smoothed)
    centre = float(np.median(values))
    spread = 1.4826 * float(np.median(np.abs(values - centre)))
    if not spread > 0:
        spread = float(values.std()) or 1.0
    return np.where(valid, (smoothed - centre) / spread, 0.0)


def candidate_groups(
    score: np.ndarray,
    significance: np.ndarray,
    enhancement_ppmm: np.ndarray,
    valid: np.ndarray,
    config: SegmentConfig,
    bridge: np.ndarray | None = None,
) -> list[np.ndarray]:
    """Boolean masks of candidate plumes: hysteresis components merged across small gaps, large enough.

    A component must also hold ``min_raw_pixels`` pixels significant on their own: smoothing
    spreads one hot pixel over its neighbours, and this keeps such isolated pixels out.
    Components that both reach a ``bridge`` patch (masked pixels: a plume crossing a saturated
    roof or flare is cut in two by its mask) are one candidate.
    """
    low = valid & (score >= config.low_sigma) & (enhancement_ppmm > 0)
    high = low & (score >= config.high_sigma)
    labels, n = ndimage.label(low, structure=EIGHT_CONNECTED)
    if n == 0:
        return []
    seeds = np.bincount(labels[high], minlength=n + 1)
    keep = seeds >= config.min_seed_pixels
    keep[0] = False
    mask = keep[labels]
    if config.merge_px > 0:
        joined = ndimage.binary_dilation(mask, structure=EIGHT_CONNECTED, iterations=config.merge_px)
        if bridge is not None:
            joined |= bridge
        groups, n = ndimage.label(joined, structure=EIGHT_CONNECTED)
        groups = np.where(mask, groups, 0)
    else:
        groups, n = ndimage.label(mask, structure=EIGHT_CONNECTED)
    sizes = np.bincount(groups.ravel(), minlength=n + 1)
    raw_support = np.bincount(groups[significance >= config.raw_sigma], minlength=n + 1)
    chosen = (sizes >= config.min_pixels) & (raw_support >= config.min_raw_pixels)
    chosen[0] = False
    return [groups == index for index in np.flatnonzero(chosen)]


def identification_confidence(ime_kg: float, ime_noise_kg: float, albedo_r: float) -> float:
    """A 0-1 score for the gas attribution: integrated signal-to-noise, discounted by albedo likeness."""
    snr = ime_kg / ime_noise_kg if ime_noise_kg > 0 else 0.0
    return float(np.clip(1.0 - np.exp(-max(snr, 0.0) / 10.0), 0.0, 1.0) * (1.0 - albedo_r))


def _source_and_along(
    mask, valid, smoothed_enhancement, lon_deg, lat_deg, wind_from_deg, pixel_size_m, config
):
    """Source pixel (line, sample) at the upwind end, and the plume region's downwind distances (m).

    The region reaches one pixel beyond ``config.region_px`` around the mask; each of its pixels
    comes with its distance in pixels from the mask (0 inside) so that the flux can vary its reach.
    """
    region = ndimage.binary_dilation(mask, structure=EIGHT_CONNECTED, iterations=config.region_px + 1) & valid
    origin = (float(np.mean(lon_deg[mask])), float(np.mean(lat_deg[mask])))
    east, north = local_metres(lon_deg[region], lat_deg[region], origin)
    in_mask = mask[region]
    weights = smoothed_enhancement[region]
    if wind_from_deg is not None:
        downwind = downwind_unit(wind_from_deg)
    else:
        # No wind: the plume's long axis, pointing away from its strongest end.
        downwind = principal_axis(east[in_mask], north[in_mask], weights[in_mask])
        along = east * downwind[0] + north * downwind[1]
        strongest = np.argmax(np.where(in_mask, weights, -np.inf))
        if along[strongest] > np.average(along[in_mask], weights=np.clip(weights[in_mask], 0, None) + 1e-12):
            downwind = -downwind
    along = east * downwind[0] + north * downwind[1]
    # The source is the upwind tip of the plume's core (pixels above core_fraction of its peak): the
    # peak itself lies downwind where puffs pile up, and the mask's own tip can be noise.
    core = in_mask & (weights >= config.core_fraction * weights[in_mask].max())
    start = along[core].min()
    tip = core & (along <= start + pixel_size_m)
    source_index = np.argmax(np.where(tip, weights, -np.inf))
    rows, cols = np.nonzero(region)
    source_rc = (rows[source_index], cols[source_index])
    box = ndimage.find_objects(region.astype(np.int8))[0]
    ring_px = ndimage.distance_transform_cdt(~mask[box], metric="chessboard")[region[box]]
    return source_rc, (region, along - along[source_index], ring_px)


def _smooth(values: np.ndarray, valid: np.ndarray, size: int) -> np.ndarray:
    """Mean of the valid neighbours in a size x size window (0 where none is valid)."""
    if size <= 1:
        return np.where(valid, values, 0.0)
    weight = ndimage.uniform_filter(valid.astype(np.float64), size=size, mode="constant")
    total = ndimage.uniform_filter(np.where(valid, values, 0.0), size=size, mode="constant")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(weight > 0, total / weight, 0.0)
