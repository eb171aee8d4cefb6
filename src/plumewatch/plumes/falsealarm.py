"""False-alarm tests for candidate plumes: surface brightness, known surface materials, mask edges.

A matched filter can mistake a surface for a gas: a bright roof, a dark pond or a
material whose spectrum resembles the gas's absorption. Real plumes do not follow the
ground's brightness, and a candidate that sits on such a surface and follows it is rejected.
The rim of a large masked area (a cloud: its thin edge and its shadow escape the cloud mask)
is such a surface too: a candidate lying mostly along that rim is rejected, and one reaching into
the zone around a cloud must still be a candidate without its pixels there. Dark ground is the
third: where the ground is darker than the scene, a matched filter reads the missing light as
absorption, so a candidate there whose enhancement rises as the ground darkens is rejected. Thin dark
ground features (tracks, field margins, ditches: a few pixels wide, darker than the ground beside them)
are the fourth: a marginal candidate (peak barely above the seed threshold) whose enhancement follows
the ground's local darkness is rejected. Large dark areas (a cloud's shadow, water) are the fifth: a
push-broom filter learns its background down each detector column, and shadow pixels (lit by skylight
only, their spectra unlike any sunlit ground) bias the background of the columns they cross, where
ground features then leak into the gas estimate well above the seed threshold; a candidate peaking in
such a column must be stronger than that leak.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

# |Pearson r| between enhancement and albedo over a candidate and its surroundings above which the
# enhancement is explained by the surface.
ALBEDO_MAX_CORRELATION = 0.6
# Mean per-pixel spectral match (0-1) to a known confusing surface material above which a candidate
# is taken for that surface.
SURFACE_MATCH_MAX = 0.8
RING_PX = 3
MIN_PIXELS_FOR_CORRELATION = 12
# A masked area at least this large (pixels, after closing gaps of 2 pixels) and holding a solid block
# of CLOUD_CORE_PX x CLOUD_CORE_PX pixels is a cloud, not a masked surface patch or a bad detector
# column; a candidate with at least MASK_EDGE_MAX_FRACTION of its pixels within MASK_EDGE_PX of one
# lies along its rim.
LARGE_MASK_PX = 400
CLOUD_CORE_PX = 7
MASK_EDGE_PX = 3
MASK_EDGE_MAX_FRACTION = 0.5
# Pixels this close to a cloud mask (40 m at 5 m pixels) are unreliable: the mask grows the bright core
# by 2 pixels only, while the cloud's soft edge (optical depth ramping over ~0.15 of its radius) and the
# light it scatters sideways reach further. Set on simulated surveys (seeds 1-3, 101-155).
CLOUD_ZONE_PX = 8
# On ground darker than the scene median (albedo ratio below 1), enhancement-albedo r at or below this
# marks a dark-ground false alarm: real plumes of the tuning surveys reached r = -0.26 at most.
DARK_GROUND_MAX_ANTICORRELATION = -0.35
# Local darkness: log albedo averaged over a Gaussian of LOCAL_FINE_PX (pixels, sigma) less its average
# over LOCAL_BROAD_PX, which keeps features a few pixels wide and drops the contrast between large
# ground patches that the dark-ground test sees. A candidate whose peak significance is below
# MARGINAL_PEAK_FACTOR times the seed threshold, and whose smoothed enhancement over it and a ring of
# LOCAL_RING_PX has r at or below LOCAL_DARK_MAX_ANTICORRELATION with that local albedo, is taken for a
# thin dark feature. Set on simulated surveys (seeds 1-3, 101-268): the 9 false candidates the other
# tests kept (all CO2, peaks 8.7-12.7 sigma, r -0.21 to -0.54) fail it, 1 of 1698 real ones does.
LOCAL_FINE_PX = 1.5
LOCAL_BROAD_PX = 5.0
LOCAL_RING_PX = 4
LOCAL_DARK_MAX_ANTICORRELATION = -0.2
MARGINAL_PEAK_FACTOR = 1.6
# Large dark areas: pixels darker than SHADOW_ALBEDO_FRACTION of the scene's median albedo (a cloud
# shadow keeps the skylight, ~0.1 of the sun) forming a connected area of at least LARGE_MASK_PX pixels
# once gaps of 2 pixels (the detector's dark-masked speckle) are closed. A column holding them in at
# least SHADOW_COLUMN_MIN_SHARE of its lines has a biased background, and a candidate whose peak lies in
# one needs a peak of SHADOW_PEAK_FACTOR times the seed threshold. Set on simulated surveys (seeds 1-3,
# 101-268 and the 7 false-site seeds of 269-484): ground-feature leaks peaking in such columns reached
# 8.8-18.5 sigma (11 of the 15 false candidates of cloudy passes, among them the false sites of seeds
# 296, 394, 400, 414); 1 of 1768 real candidates peaked in one, at 73 sigma (the simulator keeps
# emitters away from the shadow).
SHADOW_ALBEDO_FRACTION = 0.3
SHADOW_COLUMN_MIN_SHARE = 0.05
SHADOW_PEAK_FACTOR = 2.5


def albedo_correlation(
    enhancement_ppmm: np.ndarray, albedo: np.ndarray, mask: np.ndarray, valid: np.ndarray
) -> float:
    """Pearson r between enhancement and albedo over a mask and a ring around it (0 when undefined)."""
    region = ndimage.binary_dilation(mask, iterations=RING_PX) & valid & np.isfinite(albedo)
    region &= np.isfinite(enhancement_ppmm)
    if region.sum() < MIN_PIXELS_FOR_CORRELATION:
        return 0.0
    e = enhancement_ppmm[region].astype(np.float64)
    a = albedo[region].astype(np.float64)
    if e.std() == 0 or a.std() == 0:
        return 0.0
    return float(np.corrcoef(e, a)[0, 1])


def on_darker_ground(albedo: np.ndarray, mask: np.ndarray, valid: np.ndarray) -> bool:
    """Whether a candidate's median albedo is below the scene's (valid pixels)."""
    scene = albedo[valid & np.isfinite(albedo)]
    inside = albedo[mask & np.isfinite(albedo)]
    return bool(scene.size and inside.size and np.median(inside) < np.median(scene))


def large_masked_areas(valid: np.ndarray) -> np.ndarray:
    """Pixels of the masked areas that are clouds: large and solid (see LARGE_MASK_PX), gaps closed."""
    labels, large = _large_areas(~valid)
    core = ndimage.binary_erosion(~valid, structure=np.ones((CLOUD_CORE_PX, CLOUD_CORE_PX), dtype=bool))
    large &= np.bincount(labels[core], minlength=len(large)) > 0  # solid: holding a core block
    return large[labels]


def _large_areas(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(labels of ``pixels``' areas once gaps of 2 pixels are closed, per label: at least LARGE_MASK_PX).

    Label 0 (outside every area) is never large.
    """
    closed = ndimage.binary_closing(pixels, iterations=2) | pixels
    labels, n = ndimage.label(closed)
    large = np.bincount(labels.ravel(), minlength=n + 1) >= LARGE_MASK_PX
    large[0] = False
    return labels, large


def local_albedo_anomaly(albedo: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Log albedo of each pixel's LOCAL_FINE_PX surroundings less its LOCAL_BROAD_PX ones (NaN if masked)."""
    usable = valid & np.isfinite(albedo)
    log_albedo = np.log(np.clip(np.where(usable, albedo, 1.0), 1e-3, None))
    fine = _masked_gaussian(log_albedo, usable, LOCAL_FINE_PX)
    broad = _masked_gaussian(log_albedo, usable, LOCAL_BROAD_PX)
    return np.where(usable, fine - broad, np.nan)


def _masked_gaussian(values: np.ndarray, usable: np.ndarray, sigma_px: float) -> np.ndarray:
    """Gaussian mean of the usable pixels around each pixel (normalised convolution)."""
    weight = ndimage.gaussian_filter(usable.astype(np.float64), sigma_px)
    total = ndimage.gaussian_filter(np.where(usable, values, 0.0), sigma_px)
    return total / np.maximum(weight, 1e-6)


@dataclass(frozen=True)
class LocalDarkness:
    """A scene's local albedo anomaly, smoothed enhancement and significance, made once for all its
    candidates to test against thin dark ground features (see LOCAL_DARK_MAX_ANTICORRELATION)."""

    anomaly: np.ndarray
    smoothed_enhancement_ppmm: np.ndarray
    score: np.ndarray
    marginal_sigma: float

    @classmethod
    def of(
        cls,
        albedo: np.ndarray,
        valid: np.ndarray,
        smoothed_enhancement_ppmm: np.ndarray,
        score: np.ndarray,
        *,
        seed_sigma: float,
    ) -> LocalDarkness:
        """The test for a scene whose candidates are seeded at ``seed_sigma`` (score units)."""
        return cls(
            local_albedo_anomaly(albedo, valid),
            smoothed_enhancement_ppmm,
            score,
            MARGINAL_PEAK_FACTOR * seed_sigma,
        )

    def correlation(self, mask: np.ndarray) -> float:
        """Pearson r between smoothed enhancement and local albedo anomaly over a mask and its ring."""
        region = ndimage.binary_dilation(mask, iterations=LOCAL_RING_PX) & np.isfinite(self.anomaly)
        if region.sum() < MIN_PIXELS_FOR_CORRELATION:
            return 0.0
        e = self.smoothed_enhancement_ppmm[region]
        a = self.anomaly[region]
        if e.std() == 0 or a.std() == 0:
            return 0.0
        return float(np.corrcoef(e, a)[0, 1])

    def follows_dark_feature(self, mask: np.ndarray) -> tuple[bool, float, float]:
        """Whether a marginal candidate follows local darkness, with its peak (score units) and r."""
        peak = float(self.score[mask].max())
        if peak >= self.marginal_sigma:
            return False, peak, 0.0
        r = self.correlation(mask)
        return r <= LOCAL_DARK_MAX_ANTICORRELATION, peak, r


def large_dark_areas(albedo: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Pixels of the large dark areas (shadows, water; see SHADOW_ALBEDO_FRACTION), gaps closed."""
    usable = valid & np.isfinite(albedo)
    if not usable.any():
        return np.zeros_like(valid)
    labels, large = _large_areas(usable & (albedo < SHADOW_ALBEDO_FRACTION * np.median(albedo[usable])))
    return large[labels]


@dataclass(frozen=True)
class ShadowColumns:
    """A scene's columns whose background holds a large dark area, and the peak (score units) a candidate
    peaking in one needs (see SHADOW_PEAK_FACTOR), made once for all its candidates."""

    columns: np.ndarray
    score: np.ndarray
    min_peak_sigma: float

    @classmethod
    def of(
        cls, albedo: np.ndarray, valid: np.ndarray, score: np.ndarray, *, seed_sigma: float
    ) -> ShadowColumns | None:
        """The test for a scene seeded at ``seed_sigma`` (score units); None when no column is affected."""
        columns = large_dark_areas(albedo, valid).mean(axis=0) >= SHADOW_COLUMN_MIN_SHARE
        if not columns.any():
            return None
        return cls(columns, score, SHADOW_PEAK_FACTOR * seed_sigma)

    def weak_in_shadow_column(self, mask: np.ndarray) -> tuple[bool, float]:
        """Whether a candidate peaks in an affected column below the peak needed there, and its peak."""
        scores = np.where(mask, self.score, -np.inf)
        row, column = np.unravel_index(np.argmax(scores), scores.shape)
        peak = float(scores[row, column])
        return bool(self.columns[column]) and peak < self.min_peak_sigma, peak


@dataclass(frozen=True)
class CloudZones:
    """A scene's clouds as candidates meet them: the rim within MASK_EDGE_PX pixels of a cloud and the
    zone within CLOUD_ZONE_PX, (lines, samples) bool, made once per scene for all its candidates."""

    rim: np.ndarray
    zone: np.ndarray

    @classmethod
    def around(cls, large_masked: np.ndarray) -> CloudZones | None:
        """The zones around ``large_masked`` (from ``large_masked_areas``); None when there is no cloud."""
        if not large_masked.any():
            return None
        rim = ndimage.binary_dilation(large_masked, iterations=MASK_EDGE_PX)
        return cls(rim, ndimage.distance_transform_edt(~large_masked) <= CLOUD_ZONE_PX)

    def edge_fraction(self, mask: np.ndarray) -> float:
        """Fraction (0-1) of a candidate's pixels within MASK_EDGE_PX pixels of a cloud."""
        return float(self.rim[mask].mean())

    def stands_clear(
        self, mask: np.ndarray, seed_pixels: np.ndarray, *, min_pixels: int, min_seed_pixels: int
    ) -> bool:
        """Whether a candidate's pixels beyond CLOUD_ZONE_PX of clouds alone reach its minimum size, seeds."""
        if not (mask & self.zone).any():
            return True
        clear = mask & ~self.zone
        return int(clear.sum()) >= min_pixels and int((clear & seed_pixels).sum()) >= min_seed_pixels


def rejection_reason(
    enhancement_ppmm: np.ndarray,
    mask: np.ndarray,
    valid: np.ndarray,
    *,
    albedo: np.ndarray | None = None,
    surface_match: np.ndarray | None = None,
    clouds: CloudZones | None = None,
    seed_pixels: np.ndarray | None = None,
    min_pixels: int = 1,
    min_seed_pixels: int = 1,
    darkness: LocalDarkness | None = None,
    shadows: ShadowColumns | None = None,
) -> tuple[str, float]:
    """Why a candidate plume is a false alarm ('' when it is not), and its |albedo correlation|.

    ``clouds`` (``CloudZones.around`` the scene's ``large_masked_areas``) enables the mask-rim test and,
    with ``seed_pixels`` (the hysteresis seeds) and the candidate minimums, the cloud-zone test;
    ``darkness`` (``LocalDarkness.of`` the scene) the thin-dark-feature test; ``shadows``
    (``ShadowColumns.of`` the scene) the shadow-column test.
    """
    r = 0.0
    if clouds is not None:
        fraction = clouds.edge_fraction(mask)
        if fraction >= MASK_EDGE_MAX_FRACTION:
            return f"lies along the rim of a large masked area, a cloud's edge ({fraction:.0%} of it)", r
        if seed_pixels is not None and not clouds.stands_clear(
            mask, seed_pixels, min_pixels=min_pixels, min_seed_pixels=min_seed_pixels
        ):
            return f"is no candidate without its pixels within {CLOUD_ZONE_PX} pixels of a cloud", r
    if albedo is not None:
        signed_r = albedo_correlation(enhancement_ppmm, albedo, mask, valid)
        r = abs(signed_r)
        if r >= ALBEDO_MAX_CORRELATION:
            return f"enhancement follows surface albedo (|r| = {r:.2f})", r
        if signed_r <= DARK_GROUND_MAX_ANTICORRELATION and on_darker_ground(albedo, mask, valid):
            return f"enhancement rises as dark ground darkens (r = {signed_r:.2f})", r
    if darkness is not None:
        dark, peak, local_r = darkness.follows_dark_feature(mask)
        if dark:
            return f"marginal ({peak:.1f} sigma) and follows thin dark ground (r = {local_r:.2f})", r
    if shadows is not None:
        weak, peak = shadows.weak_in_shadow_column(mask)
        if weak:
            return f"peaks ({peak:.1f} sigma) in a column whose background holds a large dark area", r
    if surface_match is not None:
        match = float(np.nanmean(surface_match[mask]))
        if match >= SURFACE_MATCH_MAX:
            return f"spectrum matches a known surface material ({match:.2f})", r
    return "", r
