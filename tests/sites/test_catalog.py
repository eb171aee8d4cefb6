"""The site catalog on SQLite and PostgreSQL + PostGIS: association, history, status, alerts, idempotence."""

from datetime import timedelta

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, select, text
from tests.sites.conftest import T0, make_overflight, offset

from plumewatch.errors import CatalogError
from plumewatch.sites import models
from plumewatch.sites.catalog import Catalog
from plumewatch.sites.storage import MIGRATIONS_DIR


def ingest_all(url, overflights):
    alerts = []
    with Catalog(url) as catalog:
        for overflight in overflights:
            alerts += catalog.ingest(overflight)
        return alerts, catalog.sites()


def row_counts(url):
    with Catalog(url) as catalog:
        engine = catalog._engine
        with engine.connect() as connection:
            return {
                table.__tablename__: connection.execute(select(func.count()).select_from(table)).scalar_one()
                for table in (
                    models.SiteRow,
                    models.OverflightRow,
                    models.PlumeRow,
                    models.ObservationRow,
                    models.AlertRow,
                )
            }


def test_new_site_raises_alert_and_records_the_overflight(db_url):
    alerts, sites = ingest_all(db_url, [make_overflight(0, [("ch4", 0, 0, 120.0)])])
    assert [a.kind for a in alerts] == ["new_site"]
    assert len(sites) == 1
    site = sites[0]
    assert alerts[0].site_id == site.site_id
    assert site.gases == ("ch4",)
    assert (site.n_detections, site.n_overflights, site.status) == (1, 1, "candidate")
    assert site.first_seen == site.last_seen == T0
    assert site.mean_emission_kg_h == pytest.approx(120.0)
    assert site.tlp == "amber"


def test_repeat_detections_make_one_confirmed_site_with_better_position(db_url):
    alerts, sites = ingest_all(
        db_url,
        [
            make_overflight(0, [("ch4", 0, 0)]),
            make_overflight(1, [("ch4", 8, -6)]),
            make_overflight(2, [("ch4", -5, 4)]),
        ],
    )
    assert len(sites) == 1
    site = sites[0]
    assert (site.n_detections, site.n_overflights, site.status) == (3, 3, "confirmed")
    lon, lat = offset(1.0, -0.67)
    assert site.lon_deg == pytest.approx(lon, abs=2e-5) and site.lat_deg == pytest.approx(lat, abs=2e-5)
    assert site.position_sigma_m < 7.0
    assert [a.kind for a in alerts] == ["new_site"]


def test_clean_overflights_count_and_are_backfilled_for_new_sites(db_url):
    _, sites = ingest_all(
        db_url,
        [
            make_overflight(0, []),
            make_overflight(1, [("ch4", 0, 0)]),
            make_overflight(2, [], gases=("co2",)),
            make_overflight(3, []),
        ],
    )
    site = sites[0]
    assert (site.n_detections, site.n_overflights) == (1, 3), "the co2-only overflight did not look for ch4"
    assert site.persistence == pytest.approx(1 / 3)
    with Catalog(db_url) as catalog:
        detail = catalog.site(site.site_id)
    assert [(o.scene_name, o.detected) for o in detail.observations] == [
        ("pw_line00_rdn", False),
        ("pw_line01_rdn", True),
        ("pw_line03_rdn", False),
    ]
    assert detail.observations[1].emission_kg_h == pytest.approx(100.0)
    assert detail.plumes[0].plume_id == "pw_line01_rdn:ch4:1"


def test_far_apart_sources_are_separate_sites(db_url):
    _, sites = ingest_all(db_url, [make_overflight(0, [("ch4", 0, 0), ("ch4", 300, 0), ("ch4", 0, 250)])])
    assert len(sites) == 3
    assert len({s.site_id for s in sites}) == 3


def test_other_gas_joins_only_a_colocated_site(db_url):
    _, sites = ingest_all(
        db_url,
        [
            make_overflight(0, [("ch4", 0, 0), ("co2", 5, 3), ("co2", 70, 0)]),
        ],
    )
    by_gases = sorted(s.gases for s in sites)
    assert by_gases == [("ch4", "co2"), ("co2",)]


def test_reingesting_an_overflight_changes_nothing(db_url):
    flights = [make_overflight(0, [("ch4", 0, 0)]), make_overflight(1, [("ch4", 3, 0), ("co2", 400, 0)])]
    ingest_all(db_url, flights)
    before = row_counts(db_url)
    alerts, sites = ingest_all(db_url, flights)
    assert alerts == []
    assert row_counts(db_url) == before
    assert len(sites) == 2


def test_same_scene_with_another_time_is_refused(db_url):
    ingest_all(db_url, [make_overflight(0, [("ch4", 0, 0)])])
    with pytest.raises(CatalogError, match="pw_line00_rdn.*stored as acquired"):
        ingest_all(db_url, [make_overflight(5, [("ch4", 0, 0)], scene="pw_line00_rdn")])


def test_run_killed_half_way_then_restarted_leaves_clean_run_rows(db_factory, monkeypatch):
    flights = [
        make_overflight(0, [("ch4", 0, 0, 100.0)]),
        make_overflight(1, [("ch4", 4, 2, 110.0), ("co2", 300, 0, 900.0)]),
        make_overflight(2, []),
        make_overflight(3, [("ch4", -2, 3, 105.0)]),
    ]
    clean = db_factory()
    _, clean_sites = ingest_all(clean, flights)

    crashed = db_factory()
    real_refresh = Catalog._refresh_site
    calls = {"n": 0}

    def dies_on_second_overflight(self, session, row, current, *, is_new):
        if current.scene_name == "pw_line01_rdn":
            calls["n"] += 1
            raise RuntimeError("killed")
        return real_refresh(self, session, row, current, is_new=is_new)

    monkeypatch.setattr(Catalog, "_refresh_site", dies_on_second_overflight)
    with pytest.raises(RuntimeError, match="killed"):
        ingest_all(crashed, flights)
    assert calls["n"] == 1
    assert row_counts(crashed)["overflights"] == 1, "the failed overflight left no rows"
    monkeypatch.setattr(Catalog, "_refresh_site", real_refresh)
    _, restarted_sites = ingest_all(crashed, flights)
    assert row_counts(crashed) == row_counts(clean)
    assert restarted_sites == clean_sites


def test_status_goes_dormant_and_reactivation_alerts(db_url):
    alerts, sites = ingest_all(
        db_url,
        [
            make_overflight(0, [("ch4", 0, 0)]),
            make_overflight(1, [("ch4", 0, 0)]),
            make_overflight(2, []),
            make_overflight(3, []),
        ],
    )
    assert sites[0].status == "dormant" and "2 clean overflights" in sites[0].status_reason
    alerts, sites = ingest_all(db_url, [make_overflight(4, [("ch4", 2, 0)])])
    assert [a.kind for a in alerts] == ["reactivated"]
    assert sites[0].status == "confirmed"
    with Catalog(db_url) as catalog:
        assert [a.kind for a in catalog.alerts()] == ["new_site", "reactivated"]


def test_emission_spike_alert(db_url):
    history = [make_overflight(i, [("ch4", 0, 0, rate)]) for i, rate in enumerate([100.0, 110.0, 95.0])]
    alerts, _ = ingest_all(db_url, [*history, make_overflight(3, [("ch4", 0, 0, 180.0)])])
    assert [a.kind for a in alerts] == ["new_site"], "180 kg/h is less than twice the mean"
    alerts, _ = ingest_all(db_url, [make_overflight(4, [("ch4", 0, 0, 600.0)])])
    assert [a.kind for a in alerts] == ["emission_spike"]
    assert "600 kg/h" in alerts[0].message


def test_missing_wind_leaves_rates_empty(db_url):
    _, sites = ingest_all(db_url, [make_overflight(0, [("ch4", 0, 0, None)])])
    assert sites[0].mean_emission_kg_h is None
    with Catalog(db_url) as catalog:
        observation = catalog.site(sites[0].site_id).observations[0]
    assert observation.detected and observation.emission_kg_h is None
    assert "no wind" in observation.emission_note


def test_solvents_seen_together_flag_chemical_processing(db_url):
    gases = ("acetone", "toluene", "nh3")
    _, sites = ingest_all(
        db_url,
        [
            make_overflight(0, [("acetone", 0, 0), ("toluene", 3, 2), ("nh3", 500, 0)], gases=gases),
        ],
    )
    flagged = [s for s in sites if "chemical-processing" in s.flags]
    assert len(flagged) == 1 and set(flagged[0].gases) == {"acetone", "toluene"}


def test_filters(db_url):
    ingest_all(
        db_url,
        [
            make_overflight(0, [("ch4", 0, 0), ("co2", 400, 0)]),
            make_overflight(1, [("ch4", 0, 0)]),
        ],
    )
    with Catalog(db_url) as catalog:
        assert [s.gases for s in catalog.sites(gas="co2")] == [("co2",)]
        assert [s.gases for s in catalog.sites(status="confirmed")] == [("ch4",)]
        west, south = offset(-50, -50)
        east, north = offset(50, 50)
        assert [s.gases for s in catalog.sites(bbox=(west, south, east, north))] == [("ch4",)]
        assert [s.gases for s in catalog.sites(since=T0 + timedelta(hours=12))] == [("ch4",)]
        assert len(catalog.sites(until=T0 + timedelta(hours=12))) == 2
        assert catalog.sites(gas="nh3") == []


def test_out_of_order_ingest_gives_the_same_history(db_factory):
    flights = [make_overflight(i, [("ch4", 0, 0)] if i in (0, 2) else []) for i in range(4)]
    _, in_order = ingest_all(db_factory(), flights)
    _, shuffled = ingest_all(db_factory(), [flights[2], flights[0], flights[3], flights[1]])
    strip = [(s.n_detections, s.n_overflights, s.status, s.first_seen, s.last_seen) for s in in_order]
    assert strip == [(s.n_detections, s.n_overflights, s.status, s.first_seen, s.last_seen) for s in shuffled]


def test_unknown_site_is_a_catalog_error(db_url):
    with Catalog(db_url) as catalog, pytest.raises(CatalogError, match="no site 'PW99999'"):
        catalog.site("PW99999")


def test_naive_time_is_refused(db_url):
    flight = make_overflight(0, [])
    flight.acquired = flight.acquired.replace(tzinfo=None)
    with Catalog(db_url) as catalog, pytest.raises(CatalogError, match="time zone"):
        catalog.ingest(flight)


def test_schema_is_migrated_to_head_with_spatial_indexes(db_url, backend):
    with Catalog(db_url) as catalog:
        engine = catalog._engine
        with engine.connect() as connection:
            version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            assert version == ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
            assert connection.execute(text("SELECT count(*) FROM sites")).scalar_one() == 0
            if backend == "postgresql":
                indexes = (
                    connection.execute(
                        text("SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%USING gist%'")
                    )
                    .scalars()
                    .all()
                )
                assert {"ix_sites_geom", "ix_overflights_geom", "ix_plumes_geom"} <= set(indexes)


def test_stored_geometry_follows_site_position(db_url, backend):
    ingest_all(db_url, [make_overflight(0, [("ch4", 0, 0)])])
    columns = "ST_X(geom), ST_Y(geom)" if backend == "postgresql" else "lon_deg, lat_deg"
    with Catalog(db_url) as catalog, catalog._engine.connect() as connection:
        x, y = connection.execute(text(f"SELECT {columns} FROM sites")).one()
    lon, lat = offset(0, 0)
    assert (x, y) == pytest.approx((lon, lat))


def test_bad_urls_are_one_line_catalog_errors(tmp_path):
    for url, expected in [
        ("nonsense", "not a database URL"),
        (f"sqlite:///{tmp_path}/missing/catalog.sqlite", "does not exist"),
        ("mysql://localhost/x", "unsupported database"),
        ("postgresql://nobody:secret@127.0.0.1:1/none", "127.0.0.1"),
    ]:
        with pytest.raises(CatalogError, match=expected) as info:
            Catalog(url, timeout_s=1)
        assert "\n" not in str(info.value)
        assert "secret" not in str(info.value)


def test_locked_sqlite_is_a_catalog_error_and_writes_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'catalog.sqlite'}"
    ingest_all(url, [make_overflight(0, [("ch4", 0, 0)])])
    before = row_counts(url)
    blocker = create_engine(url)
    with blocker.connect() as connection:
        connection.exec_driver_sql("BEGIN EXCLUSIVE")
        with pytest.raises(CatalogError, match="locked"), Catalog(url, timeout_s=0.2) as catalog:
            catalog.ingest(make_overflight(1, [("ch4", 0, 0)]))
        connection.exec_driver_sql("ROLLBACK")
    blocker.dispose()
    assert row_counts(url) == before


def _windy(overflight, wind_from_deg=270.0, speed_m_s=4.0):
    for plume in overflight.plumes:
        plume.wind_from_deg, plume.wind_speed_m_s = wind_from_deg, speed_m_s
    return overflight


def test_downwind_fragment_joins_the_site_without_moving_it(db_url):
    # Wind from the west: a weak piece 400 m east (and 40 m off the axis) of a known source.
    first = _windy(make_overflight(0, [("ch4", 0, 0)]))
    second = _windy(make_overflight(1, [("ch4", 2, 1), ("ch4", 400, 40, 20.0)]))
    alerts, sites = ingest_all(db_url, [first, second])
    assert len(sites) == 1 and [a.kind for a in alerts] == ["new_site"]
    site = sites[0]
    assert (site.n_detections, site.n_overflights) == (2, 2)
    lon, lat = offset(1.0, 0.5)
    assert site.lon_deg == pytest.approx(lon, abs=5e-5) and site.lat_deg == pytest.approx(lat, abs=5e-5)
    # The fragment's mass is part of a release seen whole: it adds nothing to the rate.
    assert site.mean_emission_kg_h == pytest.approx(100.0)


def test_fragment_alone_joins_the_known_site_but_a_crosswind_source_is_new(db_url):
    flights = [
        _windy(make_overflight(0, [("ch4", 0, 0)])),
        # The source itself is not seen on this pass (under a cloud, say): only its plume far downwind.
        _windy(make_overflight(1, [("ch4", 350, -30)])),
        # Crosswind of the site: another source.
        _windy(make_overflight(2, [("ch4", 0, 0), ("ch4", 10, 350)])),
    ]
    _, sites = ingest_all(db_url, flights)
    assert len(sites) == 2
    first = min(sites, key=lambda s: abs(s.lat_deg - offset(0, 0)[1]))
    assert (first.n_detections, first.n_overflights) == (3, 3)
    assert first.lat_deg == pytest.approx(offset(0, 0)[1], abs=2e-5)
    with Catalog(db_url) as catalog:
        middle = catalog.site(first.site_id).observations[1]
    assert middle.detected and middle.emission_kg_h is None and "downwind" in middle.emission_note


def test_plume_inside_another_gas_plume_joins_its_site(db_url):
    overflight = _windy(make_overflight(0, [("co2", 0, 0, 50000.0), ("ch4", 30, 0, 40.0)]))
    co2, ch4 = overflight.plumes
    co2.area_m2 = 3000.0
    ch4.within_plume = co2.plume_id
    _, sites = ingest_all(db_url, [overflight])
    assert len(sites) == 1
    assert sites[0].gases == ("co2", "ch4"), "the larger plume's gas is the site's primary gas"
    assert sites[0].mean_emission_kg_h == pytest.approx(50000.0)
