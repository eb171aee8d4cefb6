"""The Plume and Overflight records: what plumes hands to sites."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from shapely.geometry import Polygon


@dataclass
class Plume:
    """One plume seen in one scene: where, which gas, how much.

    ``outline`` is a lon/lat polygon; the source point is the upwind end, with a 1-sigma
    position uncertainty ``source_sigma_m`` (geolocation and source-finding together).
    Emission fields are None when no wind was known, with ``emission_note`` saying why:
    ``emission_kg_h`` is the IME estimate, ``flux_kg_h`` the cross-sectional flux estimate.
    ``identification_confidence`` (0-1) says how sure the gas attribution is;
    ``co_gases`` lists other gases whose plumes overlap this one in the same scene;
    ``within_plume`` is the id of another gas's plume of the same scene that holds most of this one.
    """

    scene_name: str
    gas: str
    label: int
    pixels: np.ndarray  # (N, 2) int: line, sample
    outline: Polygon
    source_lon_deg: float
    source_lat_deg: float
    max_ppmm: float
    mean_ppmm: float
    area_m2: float
    ime_kg: float
    acquired: datetime | None = None
    emission_kg_h: float | None = None
    emission_sigma_kg_h: float | None = None
    emission_note: str = ""
    source_sigma_m: float = 10.0
    identification_confidence: float = 1.0
    ime_sigma_kg: float | None = None
    flux_kg_h: float | None = None
    flux_sigma_kg_h: float | None = None
    wind_speed_m_s: float | None = None
    wind_from_deg: float | None = None
    co_gases: tuple[str, ...] = ()
    within_plume: str | None = None

    @property
    def plume_id(self) -> str:
        """Identifier unique within a catalog: scene, gas and label."""
        return f"{self.scene_name}:{self.gas}:{self.label}"

    @property
    def n_pixels(self) -> int:
        """Number of pixels in the plume mask."""
        return int(len(self.pixels))


@dataclass
class Overflight:
    """One look at the ground: its footprint, the gases searched for, and the plumes found.

    The footprint matters as much as the plumes: a site inside it with no plume
    was looked at and seen clean.
    """

    scene_name: str
    acquired: datetime
    footprint: Polygon
    gases: tuple[str, ...]
    plumes: list[Plume] = field(default_factory=list)
