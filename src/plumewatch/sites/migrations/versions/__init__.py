"""Alembic revisions of the site catalog, one linear chain (see ../README.md)."""
