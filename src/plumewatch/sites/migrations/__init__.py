"""Alembic migrations of the site catalog, run automatically when a catalog is opened."""
