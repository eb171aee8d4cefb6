"""Plumes of different gases that overlap in one scene: the same release seen in several gases."""

from __future__ import annotations

from collections.abc import Sequence

from plumewatch.plumes.plume import Plume


def link_co_gases(plumes: Sequence[Plume]) -> None:
    """Set each plume's ``co_gases`` to the other gases whose plumes overlap it in the same scene."""
    for plume in plumes:
        others = {
            other.gas
            for other in plumes
            if other.gas != plume.gas
            and other.scene_name == plume.scene_name
            and other.outline.intersects(plume.outline)
        }
        plume.co_gases = tuple(sorted(others))
