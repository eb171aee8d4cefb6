"""Opening a catalog database: engine, automatic migrations, and one error for every failure.

SQLite (the default) needs no server; PostgreSQL must have the PostGIS extension. Every
database failure a user can cause (bad URL, unreachable server, locked file, missing
PostGIS) becomes one ``CatalogError`` line naming the database (password hidden).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from plumewatch.errors import CatalogError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
DEFAULT_TIMEOUT_S = 10.0


def open_engine(url: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> Engine:
    """An Engine for a catalog URL, migrated to the latest schema; raises CatalogError if unusable."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise CatalogError(
            f"{url}: not a database URL (e.g. sqlite:///catalog.sqlite or postgresql://host/db)"
        ) from None
    shown = parsed.render_as_string(hide_password=True)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not Path(database).parent.exists():
            raise CatalogError(f"{shown}: folder {Path(database).parent} does not exist")
        connect_args = {"timeout": timeout_s}
    elif backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        connect_args = {"connect_timeout": max(1, int(timeout_s))}
    else:
        raise CatalogError(f"{shown}: unsupported database {backend!r}; use sqlite:/// or postgresql://")
    try:
        engine = create_engine(parsed, connect_args=connect_args)
    except (ArgumentError, NoSuchModuleError, ImportError) as err:
        raise CatalogError(f"{shown}: cannot use this database URL ({_first_line(err)})") from None
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    with translate_errors(shown):
        if backend == "postgresql":
            _require_postgis(engine, shown)
        migrate(engine)
    return engine


def migrate(engine: Engine) -> None:
    """Upgrade the catalog schema to the newest Alembic revision shipped with plumewatch."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@contextmanager
def translate_errors(shown_url: str) -> Iterator[None]:
    """Turn database errors into a one-line CatalogError naming the catalog."""
    try:
        yield
    except CatalogError:
        raise
    except SQLAlchemyError as err:
        raise CatalogError(f"{shown_url}: {_first_line(err)}") from err


def _require_postgis(engine: Engine, shown: str) -> None:
    with engine.connect() as connection:
        found = connection.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")).first()
    if found is None:
        raise CatalogError(f"{shown}: the PostGIS extension is not installed; run CREATE EXTENSION postgis")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _first_line(err: BaseException) -> str:
    original = getattr(err, "orig", None) or err
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    return lines[0] if lines else type(original).__name__
