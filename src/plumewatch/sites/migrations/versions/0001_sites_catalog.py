"""Site catalog: overflights, sites, plumes, observations and alerts.

Revision ID: 0001_sites_catalog
Revises:
Create Date: 2026-06-11
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_sites_catalog"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "overflights",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scene_name", sa.String(200), nullable=False, unique=True),
        sa.Column("acquired", sa.DateTime, nullable=False, index=True),
        sa.Column("gases", sa.String(400), nullable=False),
        sa.Column("footprint_wkt", sa.Text, nullable=False),
        sa.Column("west_deg", sa.Float, nullable=False),
        sa.Column("south_deg", sa.Float, nullable=False),
        sa.Column("east_deg", sa.Float, nullable=False),
        sa.Column("north_deg", sa.Float, nullable=False),
        sa.Column("n_plumes", sa.Integer, nullable=False),
    )
    op.create_index("ix_overflights_bbox", "overflights", ["west_deg", "east_deg", "south_deg", "north_deg"])
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("site_id", sa.String(32), nullable=False, unique=True),
        sa.Column("lon_deg", sa.Float, nullable=False),
        sa.Column("lat_deg", sa.Float, nullable=False),
        sa.Column("position_sigma_m", sa.Float, nullable=False),
        sa.Column("gases", sa.String(400), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_reason", sa.String(400), nullable=False),
        sa.Column("flags", sa.String(400), nullable=False),
        sa.Column("n_detections", sa.Integer, nullable=False),
        sa.Column("n_overflights", sa.Integer, nullable=False),
        sa.Column("first_seen", sa.DateTime, nullable=True),
        sa.Column("last_seen", sa.DateTime, nullable=True),
        sa.Column("mean_emission_kg_h", sa.Float, nullable=True),
        sa.Column("emission_sigma_kg_h", sa.Float, nullable=True),
        sa.Column("tlp", sa.String(16), nullable=False, server_default="amber"),
        sa.Column("release_to", sa.String(400), nullable=False, server_default=""),
    )
    op.create_index("ix_sites_lon_lat", "sites", ["lon_deg", "lat_deg"])
    op.create_table(
        "plumes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("plume_id", sa.String(300), nullable=False, unique=True),
        sa.Column("site_pk", sa.Integer, sa.ForeignKey("sites.id"), nullable=False, index=True),
        sa.Column("overflight_pk", sa.Integer, sa.ForeignKey("overflights.id"), nullable=False, index=True),
        sa.Column("gas", sa.String(40), nullable=False),
        sa.Column("time", sa.DateTime, nullable=False),
        sa.Column("outline_wkt", sa.Text, nullable=False),
        sa.Column("source_lon_deg", sa.Float, nullable=False),
        sa.Column("source_lat_deg", sa.Float, nullable=False),
        sa.Column("source_sigma_m", sa.Float, nullable=False),
        sa.Column("max_ppmm", sa.Float, nullable=False),
        sa.Column("mean_ppmm", sa.Float, nullable=False),
        sa.Column("area_m2", sa.Float, nullable=False),
        sa.Column("ime_kg", sa.Float, nullable=False),
        sa.Column("ime_sigma_kg", sa.Float, nullable=True),
        sa.Column("emission_kg_h", sa.Float, nullable=True),
        sa.Column("emission_sigma_kg_h", sa.Float, nullable=True),
        sa.Column("emission_note", sa.String(400), nullable=False),
        sa.Column("flux_kg_h", sa.Float, nullable=True),
        sa.Column("flux_sigma_kg_h", sa.Float, nullable=True),
        sa.Column("wind_speed_m_s", sa.Float, nullable=True),
        sa.Column("wind_from_deg", sa.Float, nullable=True),
        sa.Column("identification_confidence", sa.Float, nullable=False),
        sa.Column("co_gases", sa.String(400), nullable=False),
        sa.Column("tlp", sa.String(16), nullable=False, server_default="amber"),
        sa.Column("release_to", sa.String(400), nullable=False, server_default=""),
    )
    op.create_table(
        "observations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("site_pk", sa.Integer, sa.ForeignKey("sites.id"), nullable=False, index=True),
        sa.Column("overflight_pk", sa.Integer, sa.ForeignKey("overflights.id"), nullable=False, index=True),
        sa.Column("gas", sa.String(40), nullable=False),
        sa.Column("detected", sa.Boolean, nullable=False),
        sa.UniqueConstraint("site_pk", "overflight_pk", "gas", name="uq_observation"),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("site_pk", sa.Integer, sa.ForeignKey("sites.id"), nullable=False, index=True),
        sa.Column("overflight_pk", sa.Integer, sa.ForeignKey("overflights.id"), nullable=False),
        sa.Column("time", sa.DateTime, nullable=False, index=True),
        sa.Column("message", sa.String(1000), nullable=False),
        sa.UniqueConstraint("kind", "site_pk", "overflight_pk", name="uq_alert"),
    )
    if op.get_bind().dialect.name == "postgresql":
        _add_postgis_geometry()


def _add_postgis_geometry() -> None:
    """Generated geometry columns (kept in step with the portable columns by PostgreSQL) and GiST indexes."""
    from geoalchemy2 import Geometry

    op.add_column(
        "sites",
        sa.Column(
            "geom",
            Geometry("POINT", srid=4326, spatial_index=False),
            sa.Computed("ST_SetSRID(ST_MakePoint(lon_deg, lat_deg), 4326)", persisted=True),
        ),
    )
    op.add_column(
        "overflights",
        sa.Column(
            "geom",
            Geometry("GEOMETRY", srid=4326, spatial_index=False),
            sa.Computed("ST_GeomFromText(footprint_wkt, 4326)", persisted=True),
        ),
    )
    op.add_column(
        "plumes",
        sa.Column(
            "geom",
            Geometry("GEOMETRY", srid=4326, spatial_index=False),
            sa.Computed("ST_GeomFromText(outline_wkt, 4326)", persisted=True),
        ),
    )
    for table in ("sites", "overflights", "plumes"):
        op.create_index(f"ix_{table}_geom", table, ["geom"], postgresql_using="gist")


def downgrade() -> None:
    for table in ("alerts", "observations", "plumes", "sites", "overflights"):
        op.drop_table(table)
