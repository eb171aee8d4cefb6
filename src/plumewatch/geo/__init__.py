"""Georeferencing, projections and footprints."""
