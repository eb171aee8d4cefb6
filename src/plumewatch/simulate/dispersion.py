"""Plume dispersion: emission rate + wind + stability -> vertical column field on a ground grid.

Two models, both vertically integrated (a column sensor sees the whole depth
of the plume, so the vertical spread and ground reflection drop out) and both
conserving mass:

* ``gaussian_plume_column_kg_m2``: the steady Gaussian plume. Integrated over
  height, the column at downwind distance x and crosswind offset y is
  ``Q / (sqrt(2 pi) sigma_y(x) u) * exp(-y^2 / (2 sigma_y(x)^2))``, whose
  crosswind integral times u is Q at every x.
* ``release_puffs`` + ``render_puffs``: Gaussian puffs released at the source
  every ``dt`` (mass Q dt each) and carried by a wind whose direction and speed
  meander as Ornstein-Uhlenbeck processes: an instantaneous, turbulent-looking
  plume. Each puff is integrated exactly over the grid cells (error functions),
  so the grid holds exactly the released mass that falls inside it.

sigma_y(x) is Briggs' open-country curve for the Pasquill-Gifford stability
class (Briggs 1973, as tabulated by Hanna, Briggs & Hosker 1982, "Handbook on
Atmospheric Diffusion", table 4.5), added in quadrature to the source size.
Horizontal positions are metres east (x) and north (y) of the source.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter
from scipy.special import ndtr

from plumewatch.units import kg_m2_per_ppmm

log = logging.getLogger(__name__)

# Briggs (1973) open country: sigma_y = a x (1 + 1e-4 x)^-1/2, x in metres.
BRIGGS_SIGMA_Y_COEFF = {"A": 0.22, "B": 0.16, "C": 0.11, "D": 0.08, "E": 0.06, "F": 0.04}

# Standard deviation of the horizontal wind direction per class: the mid-points of the ranges in
# US EPA (2000) "Meteorological Monitoring Guidance for Regulatory Modeling Applications",
# EPA-454/R-99-005, table 6-8 (sigma_A method).
WIND_DIRECTION_SIGMA_DEG = {"A": 25.0, "B": 20.0, "C": 15.0, "D": 10.0, "E": 5.6, "F": 2.5}

# A puff's own (relative) spread is smaller than the time-averaged plume width, which also holds the
# meander that the puff model draws explicitly; half of Briggs' sigma_y keeps the two from double counting.
PUFF_RELATIVE_SPREAD = 0.5

SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True)
class Grid:
    """A regular ground grid in metres east/north of a reference point; arrays are (ny, nx), row 0 south."""

    x0_m: float
    y0_m: float
    spacing_m: float
    nx: int
    ny: int

    @classmethod
    def centred(cls, half_width_m: float, spacing_m: float, *, x_m: float = 0.0, y_m: float = 0.0) -> Grid:
        """A square grid of half-width ``half_width_m`` centred on (x_m, y_m)."""
        n = int(np.ceil(2 * half_width_m / spacing_m))
        return cls(x_m - n * spacing_m / 2, y_m - n * spacing_m / 2, spacing_m, n, n)

    @property
    def cell_area_m2(self) -> float:
        """Area of one cell in m²."""
        return self.spacing_m**2

    def x_edges_m(self) -> np.ndarray:
        """Cell edges along x (nx + 1), metres."""
        return self.x0_m + self.spacing_m * np.arange(self.nx + 1)

    def y_edges_m(self) -> np.ndarray:
        """Cell edges along y (ny + 1), metres."""
        return self.y0_m + self.spacing_m * np.arange(self.ny + 1)

    def centres_m(self) -> tuple[np.ndarray, np.ndarray]:
        """Cell-centre coordinates (x, y), each (ny, nx), metres."""
        x = self.x0_m + self.spacing_m * (np.arange(self.nx) + 0.5)
        y = self.y0_m + self.spacing_m * (np.arange(self.ny) + 0.5)
        return np.meshgrid(x, y)

    def fractional_index(self, x_m: np.ndarray, y_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, col) fractional array indices of ground points, for interpolation between cell centres."""
        return (np.asarray(y_m) - self.y0_m) / self.spacing_m - 0.5, (
            np.asarray(x_m) - self.x0_m
        ) / self.spacing_m - 0.5


@dataclass(frozen=True)
class Puffs:
    """Puffs at the snapshot time: centres (m east/north of the source), spreads (m) and masses (kg)."""

    x_m: np.ndarray
    y_m: np.ndarray
    sigma_m: np.ndarray
    mass_kg: np.ndarray

    @property
    def total_mass_kg(self) -> float:
        """Mass released, kg."""
        return float(self.mass_kg.sum())


def briggs_sigma_y_m(distance_m: np.ndarray | float, stability: str = "D") -> np.ndarray:
    """Briggs open-country crosswind spread sigma_y (m) at downwind distances (m); 0 upwind."""
    a = BRIGGS_SIGMA_Y_COEFF[_check_stability(stability)]
    x = np.clip(np.asarray(distance_m, dtype=float), 0.0, None)
    return a * x / np.sqrt(1.0 + 1e-4 * x)


def wind_unit_vector(wind_from_deg: float) -> tuple[float, float]:
    """(east, north) unit vector of the direction the wind blows TO, for a meteorological 'from' angle."""
    to_rad = np.deg2rad(wind_from_deg + 180.0)
    return float(np.sin(to_rad)), float(np.cos(to_rad))


def gaussian_plume_column_kg_m2(
    x_m: np.ndarray,
    y_m: np.ndarray,
    *,
    emission_kg_h: float,
    wind_speed_m_s: float,
    wind_from_deg: float,
    stability: str = "D",
    source_sigma_m: float = 2.0,
    length_m: float | None = None,
) -> np.ndarray:
    """Vertical column (kg/m²) of a steady Gaussian plume at ground points (m east/north of the source).

    ``length_m`` cuts the plume off that far downwind (a plume of age length/u);
    None lets it run on.
    """
    _check_wind(wind_speed_m_s)
    east, north = wind_unit_vector(wind_from_deg)
    x_m, y_m = np.asarray(x_m, dtype=float), np.asarray(y_m, dtype=float)
    downwind = x_m * east + y_m * north
    crosswind = -x_m * north + y_m * east
    sigma = np.sqrt(source_sigma_m**2 + briggs_sigma_y_m(downwind, stability) ** 2)
    rate_kg_s = emission_kg_h / SECONDS_PER_HOUR
    column = (
        rate_kg_s / (np.sqrt(2 * np.pi) * sigma * wind_speed_m_s) * np.exp(-0.5 * (crosswind / sigma) ** 2)
    )
    inside = downwind >= 0 if length_m is None else (downwind >= 0) & (downwind <= length_m)
    return np.where(inside, column, 0.0)


def render_gaussian_plume(grid: Grid, *, oversample: int = 4, **plume) -> np.ndarray:
    """Cell-mean column (kg/m²) of a steady Gaussian plume on ``grid`` (``oversample``² points per cell)."""
    offsets = (np.arange(oversample) + 0.5) / oversample - 0.5
    x, y = grid.centres_m()
    total = np.zeros((grid.ny, grid.nx))
    for dy in offsets:
        for dx in offsets:
            total += gaussian_plume_column_kg_m2(x + dx * grid.spacing_m, y + dy * grid.spacing_m, **plume)
    return total / oversample**2


def release_puffs(
    emission_kg_h: float,
    wind_speed_m_s: float,
    wind_from_deg: float,
    *,
    duration_s: float,
    rng: np.random.Generator,
    stability: str = "D",
    source_sigma_m: float = 2.0,
    direction_sigma_deg: float | None = None,
    speed_sigma_fraction: float = 0.15,
    integral_time_s: float = 60.0,
) -> Puffs:
    """Puffs released for ``duration_s`` along a meandering wind, as they lie at the end of that time.

    Wind direction and speed deviations are Ornstein-Uhlenbeck processes with
    standard deviations ``direction_sigma_deg`` (default: the class's EPA sigma_A)
    and ``speed_sigma_fraction`` * mean speed, and Lagrangian integral time
    ``integral_time_s``. Each puff stands for the gas released over its own
    interval (mass Q * interval); intervals grow with age so that neighbouring
    puffs stay within half a puff width of each other, which keeps the plume
    smooth with few puffs.
    """
    _check_wind(wind_speed_m_s)
    stability = _check_stability(stability)
    if duration_s <= 0:
        raise ValueError(f"duration_s must be positive, got {duration_s}")
    dt = min(1.0, 0.5 * source_sigma_m / wind_speed_m_s)
    n = max(1, int(np.ceil(duration_s / dt)))
    sigma_theta = np.deg2rad(
        WIND_DIRECTION_SIGMA_DEG[stability] if direction_sigma_deg is None else direction_sigma_deg
    )
    theta = ornstein_uhlenbeck(n, dt, integral_time_s, sigma_theta, rng)
    speed = wind_speed_m_s * np.clip(
        1.0 + ornstein_uhlenbeck(n, dt, integral_time_s, speed_sigma_fraction, rng), 0.2, None
    )
    to_rad = np.deg2rad(wind_from_deg + 180.0) + theta
    # Step k runs from age k*dt to (k+1)*dt before the snapshot; gas released at age a has been carried
    # by every step younger than a: cumulative sums from the snapshot backwards.
    age_edges = dt * np.arange(n + 1)
    x_edges = np.r_[0.0, np.cumsum(speed * np.sin(to_rad) * dt)]
    y_edges = np.r_[0.0, np.cumsum(speed * np.cos(to_rad) * dt)]
    travel_edges = np.r_[0.0, np.cumsum(speed * dt)]
    bounds = _puff_intervals(n, dt, wind_speed_m_s, source_sigma_m, stability)
    mid_age = 0.5 * (age_edges[bounds[:-1]] + age_edges[bounds[1:]])
    x = np.interp(mid_age, age_edges, x_edges)
    y = np.interp(mid_age, age_edges, y_edges)
    travelled = np.interp(mid_age, age_edges, travel_edges)
    sigma = _puff_sigma_m(travelled, source_sigma_m, stability)
    mass = emission_kg_h / SECONDS_PER_HOUR * dt * np.diff(bounds)
    return Puffs(x_m=x, y_m=y, sigma_m=sigma, mass_kg=mass)


def render_puffs(puffs: Puffs, grid: Grid, *, reach_sigma: float = 5.0) -> np.ndarray:
    """Cell-mean column (kg/m²) of the puffs on ``grid``: each puff's mass integrated exactly over cells."""
    column = np.zeros((grid.ny, grid.nx))
    x_edges, y_edges = grid.x_edges_m(), grid.y_edges_m()
    for x, y, sigma, mass in zip(puffs.x_m, puffs.y_m, puffs.sigma_m, puffs.mass_kg, strict=True):
        i0, i1 = _edge_range(x_edges, x, reach_sigma * sigma)
        j0, j1 = _edge_range(y_edges, y, reach_sigma * sigma)
        if i1 <= i0 or j1 <= j0:
            continue
        fx = np.diff(ndtr((x_edges[i0 : i1 + 1] - x) / sigma))
        fy = np.diff(ndtr((y_edges[j0 : j1 + 1] - y) / sigma))
        column[j0:j1, i0:i1] += mass * np.outer(fy, fx)
    return column / grid.cell_area_m2


def column_ppmm(column_kg_m2: np.ndarray, gas: str) -> np.ndarray:
    """Column enhancement in ppm·m of ``gas`` for a column mass density in kg/m²."""
    return np.asarray(column_kg_m2) / kg_m2_per_ppmm(gas)


def _puff_sigma_m(travelled_m: np.ndarray, source_sigma_m: float, stability: str) -> np.ndarray:
    """A puff's own spread (m) after travelling ``travelled_m``."""
    return np.sqrt(source_sigma_m**2 + (PUFF_RELATIVE_SPREAD * briggs_sigma_y_m(travelled_m, stability)) ** 2)


def _puff_intervals(n: int, dt: float, speed_m_s: float, source_sigma_m: float, stability: str) -> np.ndarray:
    """Step indices bounding each puff's release interval: each about half the puff's width long in travel."""
    bounds = [0]
    while bounds[-1] < n:
        width_m = _puff_sigma_m(np.array(bounds[-1] * dt * speed_m_s), source_sigma_m, stability)
        steps = max(1, int(0.5 * float(width_m) / (speed_m_s * dt)))
        bounds.append(min(n, bounds[-1] + steps))
    return np.array(bounds)


def _edge_range(edges: np.ndarray, centre: float, reach: float) -> tuple[int, int]:
    """Cells [i0, i1) whose extent overlaps centre ± reach."""
    i0 = int(np.clip(np.searchsorted(edges, centre - reach) - 1, 0, len(edges) - 1))
    i1 = int(np.clip(np.searchsorted(edges, centre + reach), 0, len(edges) - 1))
    return i0, i1


def ornstein_uhlenbeck(n: int, dt: float, tau: float, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """A stationary Ornstein-Uhlenbeck series: n steps of dt, std sigma, correlation time tau."""
    if sigma == 0:
        return np.zeros(n)
    decay = np.exp(-dt / tau)
    kicks = rng.standard_normal(n) * sigma * np.sqrt(1.0 - decay**2)
    kicks[0] = rng.standard_normal() * sigma
    return lfilter([1.0], [1.0, -decay], kicks)


def _check_stability(stability: str) -> str:
    key = str(stability).upper()
    if key not in BRIGGS_SIGMA_Y_COEFF:
        raise ValueError(f"unknown Pasquill-Gifford stability class {stability!r}; use one of A-F")
    return key


def _check_wind(wind_speed_m_s: float) -> None:
    if not wind_speed_m_s > 0:
        raise ValueError(f"wind speed must be positive, got {wind_speed_m_s} m/s")
