"""Alembic environment: migrate the connection the catalog hands over (or sqlalchemy.url)."""

from alembic import context
from sqlalchemy import create_engine

from plumewatch.sites.models import Base

config = context.config


def run_migrations(connection) -> None:
    """Run the pending revisions on one connection, in batch mode on SQLite (it cannot ALTER much)."""
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    with create_engine(config.get_main_option("sqlalchemy.url")).begin() as opened:
        run_migrations(opened)
