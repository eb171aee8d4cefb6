"""The Retrieval record: what detect hands to plumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Retrieval:
    """Per-pixel column enhancement of one gas over one scene.

    Arrays are (line, sample) float32; NaN where masked (``valid`` False).
    ``enhancement_ppmm`` is the vertical column enhancement in ppm·m,
    ``uncertainty_ppmm`` its 1-sigma uncertainty. ``albedo`` (optional, same shape) is a
    per-pixel surface brightness that plume segmentation uses to reject albedo-driven false alarms.
    """

    scene_name: str
    gas: str
    method: str
    enhancement_ppmm: np.ndarray
    uncertainty_ppmm: np.ndarray
    valid: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)
    albedo: np.ndarray | None = None

    @property
    def significance(self) -> np.ndarray:
        """Enhancement divided by its uncertainty (NaN where masked)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.enhancement_ppmm / self.uncertainty_ppmm
