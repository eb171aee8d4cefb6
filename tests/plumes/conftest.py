"""Hand-made Retrievals: Gaussian plumes from known sources on a north-up grid, plus white noise."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from plumewatch.detect.retrieval import Retrieval
from plumewatch.plumes.segment import segment_plumes
from plumewatch.units import kg_m2_per_ppmm

LON0, LAT0 = -103.0, 32.0
M_PER_DEG_LAT = 110_900.0


@dataclass
class Scenario:
    """A synthetic retrieval with the truth it was made from."""

    retrieval: Retrieval
    lon_deg: np.ndarray
    lat_deg: np.ndarray
    pixel_size_m: float
    sources: list  # (line, sample, emission_kg_h)
    wind_speed_m_s: float
    wind_from_deg: float
    truth_ppmm: np.ndarray


def gaussian_plume_ppmm(shape, sources, pixel_size_m, wind_speed_m_s, wind_from_deg, gas="ch4"):
    """Vertical column enhancement (ppm·m) of steady Gaussian plumes (Pasquill class C spread)."""
    rows, cols = np.indices(shape, dtype=np.float64)
    east = cols * pixel_size_m
    north = -rows * pixel_size_m
    to = np.deg2rad(wind_from_deg + 180.0)
    d = np.array([np.sin(to), np.cos(to)])
    total = np.zeros(shape)
    for r, c, q_kg_h in sources:
        dx, dy = east - c * pixel_size_m, north + r * pixel_size_m
        along = dx * d[0] + dy * d[1]
        across = -dx * d[1] + dy * d[0]
        x = np.maximum(along, 0.5 * pixel_size_m)
        sigma_y = 0.22 * x * (1 + 0.0001 * x) ** -0.5 + pixel_size_m
        column_kg_m2 = q_kg_h / 3600.0 / (np.sqrt(2 * np.pi) * sigma_y * wind_speed_m_s)
        column_kg_m2 *= np.exp(-0.5 * (across / sigma_y) ** 2)
        total += np.where(along > -pixel_size_m, column_kg_m2, 0.0)
    return total / kg_m2_per_ppmm(gas)


def make_scenario(
    seed=0,
    *,
    shape=(120, 100),
    sources=((30, 50, 400.0),),
    pixel_size_m=5.0,
    noise_ppmm=60.0,
    wind_speed_m_s=4.0,
    wind_from_deg=0.0,
    gas="ch4",
    albedo=None,
    extra_ppmm=None,
) -> Scenario:
    """A Retrieval with Gaussian plumes plus white noise of ``noise_ppmm``."""
    rng = np.random.default_rng(seed)
    truth = gaussian_plume_ppmm(shape, sources, pixel_size_m, wind_speed_m_s, wind_from_deg, gas)
    enhancement = truth + rng.normal(0.0, noise_ppmm, shape)
    if extra_ppmm is not None:
        enhancement = enhancement + extra_ppmm
    rows, cols = np.indices(shape, dtype=np.float64)
    lat = LAT0 - rows * pixel_size_m / M_PER_DEG_LAT
    lon = LON0 + cols * pixel_size_m / (M_PER_DEG_LAT * np.cos(np.deg2rad(LAT0)))
    retrieval = Retrieval(
        scene_name="pw_test_rdn",
        gas=gas,
        method="synthetic",
        enhancement_ppmm=enhancement.astype(np.float32),
        uncertainty_ppmm=np.full(shape, noise_ppmm, dtype=np.float32),
        valid=np.ones(shape, dtype=bool),
        albedo=albedo,
    )
    return Scenario(retrieval, lon, lat, pixel_size_m, list(sources), wind_speed_m_s, wind_from_deg, truth)


@pytest.fixture
def scenario_factory():
    """make_scenario, for tests that vary the synthetic scene."""
    return make_scenario


def segment_scenario(s, **kwargs):
    """``segment_plumes`` over a scenario with its pixel size and wind; ``kwargs`` override any option."""
    options = dict(
        pixel_size_m=s.pixel_size_m,
        acquired=None,
        wind_speed_m_s=s.wind_speed_m_s,
        wind_from_deg=s.wind_from_deg,
    )
    options.update(kwargs)
    return segment_plumes(s.retrieval, s.lon_deg, s.lat_deg, **options)


def assert_rejected_by_the_albedo_tests(s):
    """The scenario's one candidate is a (false) plume without its albedo map, and rejected with it."""
    albedo = s.retrieval.albedo
    s.retrieval.albedo = None
    assert len(segment_scenario(s)) == 1, "without the albedo map the candidate is a (false) plume"
    s.retrieval.albedo = albedo
    assert segment_scenario(s) == []
