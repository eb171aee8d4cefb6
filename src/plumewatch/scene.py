"""The Scene record: one flight line, as ingest hands it to detect."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import dask.array as da
import numpy as np


@dataclass(frozen=True)
class BandSubsets:
    """How a reader reads some of a file's bands alone, without the others."""

    radiance_name: str  # the dask name of the whole radiance array whose bands ``read`` gives
    read: Callable[[np.ndarray], da.Array]  # (increasing band indices,) -> (line, sample, band) array


@dataclass(frozen=True)
class Scene:
    """One flight line: lazily loaded radiance plus what places and dates it.

    ``radiance`` is a dask array (line, sample, band) in the sensor's units
    (``radiance_units``), float32 when computed, NaN where the file says no data.
    ``lon_deg``/``lat_deg`` are (line, sample) WGS84 ground positions, or None
    when the file brought no geometry.
    """

    name: str
    path: Path
    radiance: da.Array
    wavelength_nm: np.ndarray
    fwhm_nm: np.ndarray
    radiance_units: str = "uW nm-1 cm-2 sr-1"
    sensor: str = "unknown"
    good_bands: np.ndarray | None = None
    acquired: datetime | None = None
    lon_deg: np.ndarray | None = None
    lat_deg: np.ndarray | None = None
    solar_zenith_deg: float | None = None
    view_zenith_deg: float | None = None
    pixel_size_m: float | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    band_subsets: BandSubsets | None = field(default=None, repr=False, compare=False)

    @property
    def shape(self) -> tuple[int, int, int]:
        """(lines, samples, bands)."""
        return tuple(int(n) for n in self.radiance.shape)  # type: ignore[return-value]

    def bands(self, index: slice | np.ndarray) -> da.Array:
        """The (line, sample, band) radiance of the bands ``index`` (a slice, or increasing indices).

        Read alone where the file's reader can (``band_subsets``, for this scene's own radiance:
        a copy of the scene with other radiance slices it), else sliced from ``radiance``.
        """
        chosen = np.arange(self.shape[2])[index]
        subsets = self.band_subsets
        own = subsets is not None and subsets.radiance_name == self.radiance.name
        if own and len(chosen) < self.shape[2]:
            return subsets.read(chosen)
        return self.radiance[:, :, index]

    @property
    def band_mask(self) -> np.ndarray:
        """Boolean per band: True where the band is usable."""
        if self.good_bands is None:
            return np.ones(self.wavelength_nm.shape, dtype=bool)
        return np.asarray(self.good_bands, dtype=bool)

    def air_mass_factor(self) -> float:
        """Two-way air-mass factor 1/cos(sza) + 1/cos(vza); 2.0 (overhead sun, nadir view) if unknown."""
        sza = np.deg2rad(self.solar_zenith_deg or 0.0)
        vza = np.deg2rad(self.view_zenith_deg or 0.0)
        return float(1.0 / np.cos(sza) + 1.0 / np.cos(vza))
