"""Plumes of different gases that overlap in one scene: the same release seen in several gases.

A plume that lies almost wholly inside a larger plume of another gas and starts where that
plume starts is either the same release seen in both gases or an echo of the other gas in its
own retrieval (spectral cross-talk along a strong plume); either way it belongs to that plume's
site, and ``Plume.within_plume`` says which plume that is. A plume that starts further down
the other one is a source of its own under it (a facility downwind of a power plant).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from plumewatch.geo.footprint import distance_m
from plumewatch.plumes.plume import Plume

# Fraction of a plume's outline inside the other gas's plume for it to count as lying within it.
WITHIN_FRACTION = 0.8
# Largest distance between the two source points, in their combined 1-sigma.
SAME_START_SIGMAS = 3.0


def link_co_gases(plumes: Sequence[Plume]) -> None:
    """Set each plume's ``co_gases`` (other gases overlapping it) and ``within_plume`` (see the module)."""
    for plume in plumes:
        others = [
            other
            for other in plumes
            if other.gas != plume.gas
            and other.scene_name == plume.scene_name
            and other.outline.intersects(plume.outline)
        ]
        plume.co_gases = tuple(sorted({other.gas for other in others}))
        best, best_fraction = None, WITHIN_FRACTION
        for other in others:
            apart_m = distance_m(
                plume.source_lon_deg, plume.source_lat_deg, other.source_lon_deg, other.source_lat_deg
            )
            same_start = apart_m <= SAME_START_SIGMAS * np.hypot(plume.source_sigma_m, other.source_sigma_m)
            if other.area_m2 < plume.area_m2 or plume.outline.area <= 0 or not same_start:
                continue
            fraction = other.outline.intersection(plume.outline).area / plume.outline.area
            if fraction >= best_fraction:
                best, best_fraction = other, fraction
        plume.within_plume = None if best is None else best.plume_id
