"""Downwind fragments: pieces of one plume that were found apart from it.

A turbulent plume is patchy: far downwind, where its columns sink towards the noise, it can
break into pieces that no small merge gap joins. A piece whose own source point lies downwind
of the source of a plume with higher peak columns (or of a known site of its gas), inside a
cone about the wind and within a plausible plume length, is taken for a fragment of that plume
rather than for a source of its own.

The cone's half-angle allows for the plume's meander (the wind direction's 1-sigma is
15-25 degrees in unstable, sunny conditions: US EPA 2000, EPA-454/R-99-005, table 6-8) and
for the error of the reported wind direction. The plausible length is the distance the wind
carries gas in ``MAX_PLUME_AGE_S``: an airborne snapshot sees plumes minutes old, not hours.
"""

from __future__ import annotations

import numpy as np

FRAGMENT_HALF_ANGLE_DEG = 25.0
MAX_PLUME_AGE_S = 900.0
# Used when no wind speed is known: the reach of a 15-minute-old plume in a 3 m/s wind.
DEFAULT_PLUME_LENGTH_M = 2700.0


def plausible_length_m(wind_speed_m_s: float | None) -> float:
    """How far downwind (m) gas released by one source can still be seen, for a 10 m wind speed (m/s)."""
    if wind_speed_m_s is None or not wind_speed_m_s > 0:
        return DEFAULT_PLUME_LENGTH_M
    return float(wind_speed_m_s) * MAX_PLUME_AGE_S


def downwind_distance_m(
    offset_east_m: float,
    offset_north_m: float,
    downwind: np.ndarray,
    *,
    max_distance_m: float,
    margin_m: float,
    half_angle_deg: float = FRAGMENT_HALF_ANGLE_DEG,
) -> float | None:
    """Distance (m) downwind of a source of a point at this offset (m) from it, or None outside the cone.

    ``downwind`` is the (east, north) unit vector the wind blows towards; ``margin_m`` widens the
    cone by the position errors of the two points.
    """
    along = offset_east_m * downwind[0] + offset_north_m * downwind[1]
    across = abs(offset_east_m * downwind[1] - offset_north_m * downwind[0])
    if 0.0 < along <= max_distance_m and across <= along * np.tan(np.deg2rad(half_angle_deg)) + margin_m:
        return float(along)
    return None


def fragment_parents(
    sources_m: np.ndarray,
    strength: np.ndarray,
    downwind: np.ndarray,
    max_distance_m: np.ndarray,
    *,
    margin_m: float,
) -> np.ndarray:
    """Index of the plume each plume is a fragment of (-1 for a plume of its own).

    ``sources_m`` (n, 2) are source points in metres (east, north) of one frame; ``strength`` (n,)
    each plume's peak column (a source's highest columns lie near it, a fragment's are lower);
    ``downwind`` (n, 2) the unit vector the wind blows towards at each source; ``max_distance_m``
    (n,) each plume's plausible length. A fragment's parent is stronger and is itself no
    fragment; of several such parents, the nearest upwind one is chosen.
    """
    sources_m = np.asarray(sources_m, dtype=np.float64).reshape(-1, 2)
    order = np.argsort(-np.asarray(strength, dtype=np.float64), kind="stable")
    parents = np.full(len(sources_m), -1)
    roots: list[int] = []
    for j in order:
        best, best_along = -1, np.inf
        for i in roots:
            offset = sources_m[j] - sources_m[i]
            along = downwind_distance_m(
                offset[0], offset[1], downwind[i], max_distance_m=max_distance_m[i], margin_m=margin_m
            )
            if along is not None and along < best_along:
                best, best_along = i, along
        if best < 0:
            roots.append(int(j))
        else:
            parents[j] = best
    return parents
