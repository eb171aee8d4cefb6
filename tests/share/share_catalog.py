"""A small populated catalog for the sharing and API tests (imported by both test folders).

Three sites a few km apart, seen over four overflights one day apart, then marked:
- ``green_site``: CH4, TLP:GREEN, no release list;
- ``amber_de_site``: CH4, TLP:AMBER, release to DE only;
- ``red_site``: CO2, TLP:RED.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from shapely.geometry import box

from plumewatch.plumes.plume import Overflight, Plume
from plumewatch.share.store import ShareStore
from plumewatch.sites.catalog import Catalog

LON0, LAT0 = -103.0, 32.0
M_PER_DEG_LAT = 111_195.0
T0 = datetime(2026, 6, 11, 10, 0, tzinfo=UTC)
SOURCES = {
    "green_site": ("ch4", 0.0, 0.0),
    "amber_de_site": ("ch4", 3000.0, 0.0),
    "red_site": ("co2", -3000.0, 0.0),
}


def lonlat(east_m: float, north_m: float) -> tuple[float, float]:
    """Lon/lat of a point east_m, north_m from (LON0, LAT0)."""
    return LON0 + east_m / (M_PER_DEG_LAT * np.cos(np.deg2rad(LAT0))), LAT0 + north_m / M_PER_DEG_LAT


def _plume(scene: str, gas: str, east_m: float, label: int, time: datetime, rate_kg_h: float) -> Plume:
    lon, lat = lonlat(east_m, 0.0)
    lon_end, lat_end = lonlat(east_m + 80.0, 15.0)
    return Plume(
        scene_name=scene,
        gas=gas,
        label=label,
        pixels=np.zeros((12, 2), dtype=int),
        outline=box(lon, lat - 15.0 / M_PER_DEG_LAT, lon_end, lat_end),
        source_lon_deg=lon,
        source_lat_deg=lat,
        max_ppmm=1500.0,
        mean_ppmm=500.0,
        area_m2=600.0,
        ime_kg=rate_kg_h / 2000.0,
        acquired=time,
        emission_kg_h=rate_kg_h,
        emission_sigma_kg_h=0.25 * rate_kg_h,
        source_sigma_m=8.0,
    )


def build_catalog(url: str) -> dict[str, str]:
    """Ingest four overflights into a new catalog at ``url``, mark the sites; returns key -> site id."""
    west, south = lonlat(-6000.0, -2000.0)
    east, north = lonlat(6000.0, 2000.0)
    with Catalog(url) as catalog:
        for day in range(4):
            scene = f"pw2026061{1 + day}t100000_rdn"
            time = T0 + timedelta(days=day)
            plumes = []
            for label, (gas, east_m, _) in enumerate(SOURCES.values(), 1):
                if day == 2 and gas == "ch4" and east_m > 0:
                    continue  # the DE site is clean on the third day
                plumes.append(_plume(scene, gas, east_m + 5.0 * day, label, time, 200.0 + 40.0 * day + label))
            catalog.ingest(Overflight(scene, time, box(west, south, east, north), ("ch4", "co2"), plumes))
        sites = catalog.sites()
    ids = {}
    for key, (_, east_m, _) in SOURCES.items():
        lon, _ = lonlat(east_m, 0.0)
        ids[key] = min(sites, key=lambda s: abs(s.lon_deg - lon)).site_id
    with ShareStore(url) as store:
        store.mark_site(ids["green_site"], "green", None, actor="test")
        store.mark_site(ids["amber_de_site"], "amber", "DE", actor="test")
        store.mark_site(ids["red_site"], "red", None, actor="test")
    return ids
