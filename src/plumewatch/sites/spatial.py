"""Spatial prefilters that use the best index each database has.

On PostGIS the generated ``geom`` columns and their GiST indexes answer bounding-box
questions (``&&``); elsewhere the portable lon/lat and bounding-box columns do. Either way
the answer is a superset, and exact geometry tests run afterwards with shapely.
"""

from __future__ import annotations

from sqlalchemy import and_, func, literal_column
from sqlalchemy.sql.elements import ColumnElement

from plumewatch.sites.models import OverflightRow, SiteRow

SRID = 4326


def uses_postgis(dialect_name: str) -> bool:
    """Whether this database has the generated PostGIS geometry columns."""
    return dialect_name == "postgresql"


def sites_in_bbox(dialect_name: str, west: float, south: float, east: float, north: float) -> ColumnElement:
    """WHERE clause: site positions inside a lon/lat box."""
    if uses_postgis(dialect_name):
        return literal_column("sites.geom").op("&&")(func.ST_MakeEnvelope(west, south, east, north, SRID))
    return and_(SiteRow.lon_deg.between(west, east), SiteRow.lat_deg.between(south, north))


def overflights_touching(dialect_name: str, lon_deg: float, lat_deg: float) -> ColumnElement:
    """WHERE clause: overflights whose footprint's bounding box holds a point."""
    if uses_postgis(dialect_name):
        point = func.ST_SetSRID(func.ST_MakePoint(lon_deg, lat_deg), SRID)
        return literal_column("overflights.geom").op("&&")(point)
    return and_(
        OverflightRow.west_deg <= lon_deg,
        OverflightRow.east_deg >= lon_deg,
        OverflightRow.south_deg <= lat_deg,
        OverflightRow.north_deg >= lat_deg,
    )
