"""Catalog fixtures: a database URL per backend, and hand-made overflights with plumes.

The PostgreSQL + PostGIS variants run when PLUMEWATCH_TEST_PG_URL names a database with the
postgis extension (.ci/run starts one); each test gets its own schema there. When the variable
is set but the server cannot be reached the tests fail rather than skip.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from shapely.geometry import box
from sqlalchemy import create_engine, text

from plumewatch.plumes.plume import Overflight, Plume

# Read at import: the autouse fixture in tests/conftest.py clears PLUMEWATCH_* variables per test.
PG_URL = os.environ.get("PLUMEWATCH_TEST_PG_URL", "")
LON0, LAT0 = -103.0, 32.0
M_PER_DEG_LAT = 111_195.0
T0 = datetime(2026, 6, 11, 10, 0, tzinfo=UTC)


def offset(east_m: float, north_m: float) -> tuple[float, float]:
    """Lon/lat of a point east_m, north_m from (LON0, LAT0)."""
    return LON0 + east_m / (M_PER_DEG_LAT * np.cos(np.deg2rad(LAT0))), LAT0 + north_m / M_PER_DEG_LAT


def make_plume(
    scene: str,
    gas: str,
    east_m: float,
    north_m: float,
    *,
    label: int = 1,
    rate_kg_h: float | None = 100.0,
    sigma_m: float = 7.0,
    time: datetime | None = None,
) -> Plume:
    """A plume whose source is at (east_m, north_m) with a 60 m long outline running east."""
    lon, lat = offset(east_m, north_m)
    lon_end, lat_end = offset(east_m + 60.0, north_m + 10.0)
    return Plume(
        scene_name=scene,
        gas=gas,
        label=label,
        pixels=np.zeros((12, 2), dtype=int),
        outline=box(lon, lat - 10.0 / M_PER_DEG_LAT, lon_end, lat_end),
        source_lon_deg=lon,
        source_lat_deg=lat,
        max_ppmm=900.0,
        mean_ppmm=400.0,
        area_m2=300.0,
        ime_kg=float(rate_kg_h or 50.0) / 1000.0,
        acquired=time,
        emission_kg_h=rate_kg_h,
        emission_sigma_kg_h=None if rate_kg_h is None else 0.2 * rate_kg_h,
        emission_note=""
        if rate_kg_h is not None
        else "no wind for this flight line: emission rate not estimated",
        source_sigma_m=sigma_m,
    )


def make_overflight(
    index: int,
    plumes_at=(),
    *,
    gases=("ch4", "co2"),
    hours: float | None = None,
    half_width_m: float = 800.0,
    scene: str | None = None,
) -> Overflight:
    """Overflight number ``index`` (one day apart) covering a square around the origin, with plumes.

    ``plumes_at`` holds (gas, east_m, north_m) or (gas, east_m, north_m, rate_kg_h) tuples.
    """
    name = scene or f"pw_line{index:02d}_rdn"
    time = T0 + timedelta(days=index if hours is None else 0, hours=hours or 0)
    west, south = offset(-half_width_m, -half_width_m)
    east, north = offset(half_width_m, half_width_m)
    plumes = []
    for label, spec in enumerate(plumes_at, 1):
        gas, e, n, *rate = spec
        plumes.append(
            make_plume(name, gas, e, n, label=label, rate_kg_h=rate[0] if rate else 100.0, time=time)
        )
    return Overflight(name, time, box(west, south, east, north), tuple(gases), plumes)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    """The database backend a test runs against."""
    if request.param == "postgresql" and not PG_URL:
        pytest.skip(
            "PLUMEWATCH_TEST_PG_URL is not set: PostgreSQL + PostGIS variant not run (.ci/run sets it)"
        )
    return request.param


@pytest.fixture
def db_factory(backend, tmp_path):
    """Make fresh, empty catalog URLs on the test's backend (SQLite files or PostgreSQL schemas)."""
    schemas: list[str] = []
    admin = None
    if backend == "postgresql":
        admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
        try:
            with admin.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as err:  # noqa: BLE001 - any failure to reach the test server must fail the test
            pytest.fail(f"PLUMEWATCH_TEST_PG_URL is set but the server cannot be used: {err}")

    def make() -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path / f'catalog-{uuid.uuid4().hex[:8]}.sqlite'}"
        schema = f"pwtest_{uuid.uuid4().hex[:12]}"
        with admin.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        schemas.append(schema)
        separator = "&" if "?" in PG_URL else "?"
        return f"{PG_URL}{separator}options=-csearch_path%3D{schema},public"

    yield make
    if admin is not None:
        with admin.begin() as connection:
            for schema in schemas:
                connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def db_url(db_factory):
    """One fresh catalog URL on the test's backend."""
    return db_factory()
