"""Small catalog answers for the share tests: three sites at different markings, with plumes."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from plumewatch.sites.records import Observation, PlumeRecord, SiteDetail, SiteSummary

T0 = datetime(2026, 6, 11, 10, 15, tzinfo=UTC)


def make_site(site_id, lon, lat, *, tlp="green", release_to=(), gases=("ch4",), status="confirmed"):
    return SiteSummary(
        site_id=site_id,
        lon_deg=lon,
        lat_deg=lat,
        position_sigma_m=12.5,
        gases=gases,
        n_detections=3,
        n_overflights=4,
        first_seen=T0,
        last_seen=T0 + timedelta(days=9),
        status=status,
        status_reason="seen in 3 of 4 overflights",
        mean_emission_kg_h=310.0,
        emission_sigma_kg_h=45.0,
        tlp=tlp,
        release_to=release_to,
    )


def make_plumes(site, rng, n=3):
    plumes = []
    for i in range(n):
        lon, lat = site.lon_deg + rng.normal(0, 1e-4), site.lat_deg + rng.normal(0, 1e-4)
        outline = (
            f"POLYGON(({lon} {lat}, {lon + 0.002} {lat + 0.0005}, {lon + 0.002} {lat - 0.0005}, {lon} {lat}))"
        )
        plumes.append(
            PlumeRecord(
                plume_id=f"{site.site_id}-P{i}",
                site_id=site.site_id,
                scene_name=f"pw2026061{i}t101500",
                time=T0 + timedelta(days=3 * i),
                gas=site.gases[0],
                outline_wkt=outline,
                source_lon_deg=lon,
                source_lat_deg=lat,
                max_ppmm=float(rng.uniform(800, 3000)),
                mean_ppmm=float(rng.uniform(200, 700)),
                area_m2=float(rng.uniform(500, 5000)),
                ime_kg=float(rng.uniform(5, 50)),
                emission_kg_h=float(rng.uniform(100, 600)),
                emission_sigma_kg_h=float(rng.uniform(20, 90)),
                tlp=site.tlp,
                release_to=site.release_to,
            )
        )
    return plumes


@pytest.fixture
def records():
    """Sites S-0001 (green), S-0002 (amber, release to DE), S-0003 (red, co2) and their plumes."""
    rng = np.random.default_rng(7)
    sites = [
        make_site("S-0001", -118.25, 34.05, tlp="green"),
        make_site("S-0002", -118.20, 34.10, tlp="amber", release_to=("DE",)),
        make_site("S-0003", -118.30, 34.00, tlp="red", gases=("co2",), status="candidate"),
    ]
    plumes = [p for s in sites for p in make_plumes(s, rng)]
    return sites, plumes


@pytest.fixture
def detail(records):
    """A SiteDetail for S-0001 with a clean overflight between detections."""
    sites, plumes = records
    site = sites[0]
    mine = [p for p in plumes if p.site_id == site.site_id]
    observations = [
        Observation(
            time=p.time,
            scene_name=p.scene_name,
            gas=p.gas,
            detected=True,
            plume_id=p.plume_id,
            max_ppmm=p.max_ppmm,
            emission_kg_h=p.emission_kg_h,
            emission_sigma_kg_h=p.emission_sigma_kg_h,
        )
        for p in mine
    ]
    observations.insert(
        1, Observation(time=T0 + timedelta(days=1), scene_name="pw20260612t101500", gas="ch4", detected=False)
    )
    return SiteDetail(summary=site, observations=observations, plumes=mine)
