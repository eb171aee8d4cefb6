"""Partners, keys, markings and the append-only audit log in the catalog database."""

import hashlib
import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from share_catalog import build_catalog
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DatabaseError

from plumewatch.errors import CatalogError, SharingError
from plumewatch.share.policy import Partner
from plumewatch.share.store import ShareStore


@pytest.fixture
def catalog(tmp_path):
    url = f"sqlite:///{tmp_path / 'catalog.sqlite'}"
    return url, build_catalog(url)


def test_keys_are_stored_only_as_hashes(catalog):
    url, _ = catalog
    with ShareStore(url) as store:
        key = store.add_partner(Partner("de", "amber", country="DE"), actor="test")
        assert key.startswith("pwk_") and len(key) > 40
        assert store.authenticate(key).name == "de"
        assert store.authenticate(key + "x") is None
    engine = create_engine(url)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT * FROM partners")).mappings().one()
    engine.dispose()
    assert key not in str(dict(stored))
    assert stored["key_hash"] == hashlib.sha256(key.encode()).hexdigest()


def test_partner_lifecycle(catalog):
    url, _ = catalog
    with ShareStore(url) as store:
        store.add_partner(
            Partner("fr", "green", country="FR", areas=((-104.0, 31.0, -102.0, 33.0),), gases=("ch4",)),
            actor="test",
        )
        with pytest.raises(SharingError, match="already exists"):
            store.add_partner(Partner("fr", "clear"), actor="test")
        with pytest.raises(SharingError, match="partner name"):
            store.add_partner(Partner("no spaces", "clear"), actor="test")
        entry = store.partner("fr")
        assert entry.active and entry.partner.areas == ((-104.0, 31.0, -102.0, 33.0),)
        assert entry.partner.gases == ("ch4",)
        store.revoke_partner("fr", actor="test")
        assert not store.partner("fr").active
        with pytest.raises(SharingError, match="revoked"):
            store.active_partner("fr")
        with pytest.raises(SharingError, match="no partner"):
            store.revoke_partner("nobody", actor="test")
        actions = [e.action for e in store.audit_log(partner="fr")]
    assert actions == ["partner.add", "partner.revoke"]


def test_tokens_expire(catalog):
    url, _ = catalog
    now = [datetime(2026, 7, 1, tzinfo=UTC)]
    with ShareStore(url, clock=lambda: now[0]) as store:
        key = store.add_partner(Partner("de", "amber", country="DE"), actor="test")
        token = store.issue_token("de", key, ttl=timedelta(minutes=10))
        assert store.issue_token("de", "pwk_wrong", ttl=timedelta(minutes=10)) is None
        assert store.authenticate(token).name == "de"
        now[0] += timedelta(minutes=11)
        assert store.authenticate(token) is None
        assert store.authenticate(key).name == "de"


def test_marking_is_audited_with_the_old_marking(catalog):
    url, ids = catalog
    site = ids["green_site"]
    with ShareStore(url) as store:
        n_plumes = store.mark_site(site, "TLP:AMBER+STRICT", "de,fr", actor="cli:alice")
        detail = store.catalog.site(site)
        entry = store.audit_log(action="mark")[-1]
        with pytest.raises(CatalogError, match="no site"):
            store.mark_site("PW99999", "green", None, actor="cli:alice")
        with pytest.raises(SharingError, match="unknown TLP"):
            store.mark_site(site, "pink", None, actor="cli:alice")
    assert n_plumes == 4 == len(detail.plumes)
    assert detail.summary.tlp == "amber+strict" and detail.summary.release_to == ("DE", "FR")
    assert all(p.tlp == "amber+strict" and p.release_to == ("DE", "FR") for p in detail.plumes)
    assert entry.actor == "cli:alice" and entry.detail["before"][site] == {"tlp": "green", "release_to": ""}
    assert (site, "amber+strict") in entry.objects and len(entry.objects) == 5


def test_marking_bumps_the_stix_version(catalog):
    url, ids = catalog
    later = datetime.now(UTC) + timedelta(days=1)
    times = iter([later + timedelta(minutes=i) for i in range(100)])
    with ShareStore(url, clock=lambda: next(times)) as store:
        before = store.versions([ids["green_site"]])[ids["green_site"]]
        store.mark_site(ids["green_site"], "clear", None, actor="test")
        after = store.versions([ids["green_site"]])[ids["green_site"]]
    assert before < later <= after


def test_audit_log_refuses_update_and_delete(catalog):
    url, _ = catalog
    engine = create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit_log")).scalar() == 3
        for statement in ("UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"):
            with pytest.raises(DatabaseError, match="append-only"):
                connection.execute(text(statement))
        assert connection.execute(text("SELECT count(*) FROM audit_log WHERE actor = 'test'")).scalar() == 3
    engine.dispose()


def test_release_from_the_catalog(catalog):
    url, ids = catalog
    with ShareStore(url) as store:
        partner = Partner("de", "amber", country="DE")
        release = store.release(partner)
        assert {s.site_id for s in release.sites} == {ids["green_site"], ids["amber_de_site"]}
        assert len(release.plumes) == 7
        assert release.versions[ids["green_site"]] >= release.sites[0].last_seen
        boxed = store.release(partner, bbox=(-103.01, 31.9, -102.99, 32.1))
        assert [s.site_id for s in boxed.sites] == [ids["green_site"]]
        assert store.site_detail("PW99999") is None


# Read at import: the autouse fixture in tests/conftest.py clears PLUMEWATCH_* variables per test.
PG_URL = os.environ.get("PLUMEWATCH_TEST_PG_URL", "")


@pytest.mark.skipif(not PG_URL, reason="PLUMEWATCH_TEST_PG_URL is not set (.ci/run sets it)")
def test_audit_log_refuses_update_delete_truncate_on_postgresql():
    schema = f"pwtest_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema},public"
    try:
        with ShareStore(url) as store:
            store.record("export", actor="test", partner="p", objects=[("PW00001", "green")])
            assert len(store.audit_log()) == 1
        with admin.connect() as connection:
            for statement in (
                f"UPDATE {schema}.audit_log SET actor = 'x'",
                f"DELETE FROM {schema}.audit_log",
                f"TRUNCATE {schema}.audit_log",
            ):
                with pytest.raises(DatabaseError, match="append-only"):
                    connection.execute(text(statement))
                connection.rollback()
            assert connection.execute(text(f"SELECT count(*) FROM {schema}.audit_log")).scalar() == 1
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
