"""A small, realistic world for the dashboard tests and screenshots, made from a seed.

Six sites in a 6 x 4 km patch of the Permian Basin, seen over six daily overflights, with
retrieval GeoTIFFs for every scene and gas (so plume images and overlays exist), a flown track,
a planned revisit, a permitted airspace, three partners and (optionally) thousands of extra sites.
Imported by tests/dashboard/conftest.py, docs/figures/make_dashboard_screenshots.py and
benchmarks/dashboard_filter.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from shapely.geometry import Polygon, box
from sqlalchemy.orm import Session

from plumewatch.io.geotiff import write_retrieval_geotiff
from plumewatch.io.telemetry import write_track_csv
from plumewatch.io.track import Track
from plumewatch.plumes.plume import Overflight, Plume
from plumewatch.share.policy import Partner
from plumewatch.share.store import ShareStore
from plumewatch.sites.catalog import Catalog
from plumewatch.sites.models import SiteRow
from plumewatch.sites.storage import open_engine

LON0, LAT0 = -103.62, 31.92
M_PER_DEG_LAT = 111_195.0
M_PER_DEG_LON = M_PER_DEG_LAT * np.cos(np.deg2rad(LAT0))
T0 = datetime(2026, 6, 11, 17, 0, tzinfo=UTC)
N_DAYS = 6
PIXEL_M = 10.0
LINES, SAMPLES = 400, 600  # 4 km north-south by 6 km east-west
WIND_TO_DEG = 70.0  # plumes drift east-north-east
NOISE_PPMM = {"ch4": 60.0, "co2": 900.0}

# name: (gas, east_m, north_m, rate_kg_h, days emitting, marking, release_to)
SITES = {
    "wellpad": ("ch4", -1800.0, 600.0, 420.0, range(N_DAYS), "green", ()),
    "compressor": ("ch4", 900.0, -700.0, 260.0, (0, 2, 3, 5), "amber", ("DE",)),
    "stack": ("co2", 1900.0, 900.0, 9000.0, range(N_DAYS), "amber", ()),
    "tank": ("ch4", -600.0, -1100.0, 150.0, (0, 1), "clear", ()),
    "flare": ("ch4", 300.0, 1300.0, 310.0, (1, 2, 4), "red", ()),
    "plant": ("ch4", -2400.0, -1300.0, 200.0, (3, 4, 5), "amber+strict", ()),
}
PARTNERS = {
    "analyst": Partner("analyst", "red", country="US", organisation="plumewatch ops", named_individual=True),
    "ally_de": Partner("ally_de", "amber", country="DE", organisation="BfS"),
    "ally_fr": Partner("ally_fr", "green", country="FR", organisation="INERIS"),
}


@dataclass
class World:
    """What the builder made: catalog URL, folders, site ids by name, API keys by partner."""

    url: str
    products_dir: Path
    layers_dir: Path
    site_ids: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)


def lonlat(east_m, north_m):
    """Lon/lat (degrees) of points east_m, north_m metres from the patch centre."""
    return LON0 + np.asarray(east_m) / M_PER_DEG_LON, LAT0 + np.asarray(north_m) / M_PER_DEG_LAT


def _plume_field(east_m, north_m, source, rate_kg_h, gas):
    """Enhancement (ppm·m) of a plume from ``source`` (east, north m) on a grid of east/north metres."""
    along_x, along_y = np.sin(np.deg2rad(WIND_TO_DEG)), np.cos(np.deg2rad(WIND_TO_DEG))
    dx, dy = east_m - source[0], north_m - source[1]
    along = dx * along_x + dy * along_y
    across = -dx * along_y + dy * along_x
    sigma_m = 12.0 + 0.22 * np.clip(along, 0, None)
    peak = (3.0 if gas == "ch4" else 0.25) * rate_kg_h
    upwind_fade = np.exp(-0.5 * (np.clip(-along, 0, None) / 8) ** 2)
    downwind = np.exp(-np.clip(along, 0, None) / 450.0) * np.exp(-0.5 * (across / sigma_m) ** 2)
    return np.where(along > -10, peak * downwind * upwind_fade, 0.0)


def _outline(source, rate_kg_h, gas, threshold_ppmm) -> Polygon:
    """The plume's outline where its enhancement exceeds the threshold, as a lon/lat polygon."""
    peak = (3.0 if gas == "ch4" else 0.25) * rate_kg_h
    along = np.linspace(0.0, 450.0 * np.log(peak / threshold_ppmm), 40)
    sigma_m = 12.0 + 0.22 * along
    half = sigma_m * np.sqrt(2 * np.log(np.clip(peak * np.exp(-along / 450.0) / threshold_ppmm, 1.0, None)))
    ax, ay = np.sin(np.deg2rad(WIND_TO_DEG)), np.cos(np.deg2rad(WIND_TO_DEG))
    side = np.concatenate([along, along[::-1]]), np.concatenate([half, -half[::-1]])
    east = source[0] + side[0] * ax + side[1] * ay
    north = source[1] + side[0] * ay - side[1] * ax
    lon, lat = lonlat(east, north)
    return Polygon(np.column_stack([lon, lat])).buffer(0)


def build_world(root: Path, *, seed: int = 0, n_extra_sites: int = 0) -> World:
    """Make the catalog, products, layers and partners under ``root``; returns what was made."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    world = World(f"sqlite:///{root / 'catalog.sqlite'}", root / "products", root / "layers")
    world.products_dir.mkdir(parents=True, exist_ok=True)
    north_m = (LINES / 2 - 0.5 - np.arange(LINES))[:, None] * PIXEL_M * np.ones((1, SAMPLES))
    east_m = (np.arange(SAMPLES) - SAMPLES / 2 + 0.5)[None, :] * PIXEL_M * np.ones((LINES, 1))
    lon_grid, lat_grid = lonlat(east_m, north_m)
    footprint = box(lon_grid.min(), lat_grid.min(), lon_grid.max(), lat_grid.max())
    with Catalog(world.url) as catalog:
        for day in range(N_DAYS):
            time = T0 + timedelta(days=day, minutes=7 * day)
            scene = f"pw{time:%Y%m%dt%H%M%S}_rdn"
            plumes = []
            fields = {gas: rng.normal(0.0, noise, (LINES, SAMPLES)) for gas, noise in NOISE_PPMM.items()}
            for label, (gas, east, north, rate, days, _, _) in enumerate(SITES.values(), start=1):
                if day not in days:
                    continue
                rate_today = rate * rng.uniform(0.7, 1.3)
                source = (east + rng.normal(0, 6), north + rng.normal(0, 6))
                enhancement = _plume_field(east_m, north_m, source, rate_today, gas)
                fields[gas] += enhancement
                threshold = 250.0 if gas == "ch4" else 400.0
                outline = _outline(source, rate_today, gas, threshold)
                inside = enhancement > threshold
                lon, lat = lonlat(*source)
                plumes.append(Plume(
                    scene_name=scene, gas=gas, label=label, pixels=np.argwhere(inside), outline=outline,
                    source_lon_deg=float(lon), source_lat_deg=float(lat), max_ppmm=float(enhancement.max()),
                    mean_ppmm=float(enhancement[inside].mean()), area_m2=float(inside.sum() * PIXEL_M**2),
                    ime_kg=rate_today / 3000.0, acquired=time, emission_kg_h=rate_today,
                    emission_sigma_kg_h=0.2 * rate_today, source_sigma_m=15.0))
            for gas, values in fields.items():
                write_retrieval_geotiff(world.products_dir / f"{scene}_{gas}.tif", values.astype(np.float32),
                                        np.full(values.shape, 60.0, np.float32), lon_deg=lon_grid,
                                        lat_deg=lat_grid, tags={"gas": gas, "scene": scene})
            catalog.ingest(Overflight(scene, time, footprint, ("ch4", "co2"), plumes))
        sites = catalog.sites()
    for name, (_, east, north, *_rest) in SITES.items():
        lon, lat = lonlat(east, north)
        nearest = min(sites, key=lambda s: (s.lon_deg - lon) ** 2 + (s.lat_deg - lat) ** 2)
        world.site_ids[name] = nearest.site_id
    if n_extra_sites:
        add_extra_sites(world.url, n_extra_sites, seed=seed)
    with ShareStore(world.url) as store:
        for name, (*_, tlp, release_to) in SITES.items():
            store.mark_site(world.site_ids[name], tlp, release_to, actor="test")
        world.keys = {name: store.add_partner(p, actor="test") for name, p in PARTNERS.items()}
    _write_layers(world.layers_dir, footprint)
    return world


def add_extra_sites(url: str, n: int, *, seed: int = 0) -> None:
    """Insert ``n`` synthetic site rows straight into the catalog (for load tests: no plumes, no history)."""
    rng = np.random.default_rng(seed + 1)
    lon = rng.uniform(-125.0, -66.0, n)
    lat = rng.uniform(25.0, 49.0, n)
    statuses = rng.choice(["candidate", "confirmed", "dormant"], n, p=[0.3, 0.5, 0.2])
    gases = rng.choice(["ch4", "co2", "ch4,co2", "nh3"], n, p=[0.6, 0.25, 0.1, 0.05])
    tlps = rng.choice(["clear", "green", "amber"], n, p=[0.3, 0.4, 0.3])
    first = T0 - timedelta(days=400)
    engine = open_engine(url)
    with Session(engine) as session, session.begin():
        session.add_all(SiteRow(
            site_id=f"PWX{i:06d}", lon_deg=float(lon[i]), lat_deg=float(lat[i]), position_sigma_m=20.0,
            gases=str(gases[i]), status=str(statuses[i]), status_reason="synthetic load-test site",
            n_detections=int(d), n_overflights=int(d + rng.integers(0, 4)),
            first_seen=first + timedelta(days=int(rng.integers(0, 200))),
            last_seen=first + timedelta(days=int(rng.integers(200, 400))),
            mean_emission_kg_h=float(rng.lognormal(5, 1)), emission_sigma_kg_h=30.0, tlp=str(tlps[i]))
            for i, d in enumerate(rng.integers(1, 12, n)))
    engine.dispose()


def _write_layers(layers_dir: Path, footprint) -> None:
    for kind in ("tracks", "plans", "airspace"):
        (layers_dir / kind).mkdir(parents=True, exist_ok=True)
    west, south, east, north = footprint.bounds
    legs = []
    for i, lat in enumerate(np.linspace(south + 0.004, north - 0.004, 5)):
        legs.append([(west - 0.01, lat), (east + 0.01, lat)][:: 1 if i % 2 == 0 else -1])
    points = np.array([p for leg in legs for p in leg])
    n = 400
    t = np.linspace(0, 1, n)
    seg = np.linspace(0, len(points) - 1, n)
    lon = np.interp(seg, np.arange(len(points)), points[:, 0])
    lat = np.interp(seg, np.arange(len(points)), points[:, 1]) + 0.0004 * np.sin(t * 60)
    times = np.datetime64(T0.replace(tzinfo=None), "us") - np.timedelta64(20, "m") + (t * 2400e6).astype(
        "timedelta64[us]")
    nan = np.full(n, np.nan)
    write_track_csv(layers_dir / "tracks" / "flight-20260611.csv",
                    Track(Path("flight-20260611.csv"), times, lon, lat, np.full(n, 3000.0), nan, nan, nan))
    plan = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"line_number": k + 1, "kind": "revisit"},
         "geometry": {"type": "LineString", "coordinates": [[west - 0.005, lat], [east + 0.005, lat]]}}
        for k, lat in enumerate(np.linspace(south + 0.006, north - 0.006, 3).tolist())]}
    (layers_dir / "plans" / "revisit-2026-07.geojson").write_text(json.dumps(plan))
    ring = [[west - 0.03, south - 0.02], [east + 0.03, south - 0.02], [east + 0.03, north + 0.02],
            [west - 0.03, north + 0.02], [west - 0.03, south - 0.02]]
    airspace = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"name": "Survey block P-1", "floor_m": 0, "ceiling_m": 4500},
        "geometry": {"type": "Polygon", "coordinates": [ring]}}]}
    (layers_dir / "airspace" / "permitted.geojson").write_text(json.dumps(airspace))
