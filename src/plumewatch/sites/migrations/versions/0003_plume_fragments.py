"""Plumes that joined a site as downwind fragments: how far downwind of its source.

Revision ID: 0003_plume_fragments
Revises: 0002_sharing
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_plume_fragments"
down_revision = "0002_sharing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("plumes", sa.Column("downwind_m", sa.Float, nullable=True))


def downgrade() -> None:
    op.drop_column("plumes", "downwind_m")
