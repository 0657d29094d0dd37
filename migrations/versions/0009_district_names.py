"""District names: the districts (bydeler) by number and name, so the wizard, the check page,
the receipt and the inbox say "Gamle Oslo" and not "bydel 01". Filled by `flask directory load`
(data/districts.csv) and by the services file.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "districts",
        sa.Column("number", sa.String(length=6), nullable=False),
        sa.Column("municipality_number", sa.String(length=4), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("named_by", sa.String(length=20), nullable=False),
        # Named as PostgreSQL names them unasked, like 0001 does.
        sa.ForeignKeyConstraint(["municipality_number"], ["municipalities.number"],
                                name="districts_municipality_number_fkey"),
        sa.PrimaryKeyConstraint("number", name="districts_pkey"),
    )
    op.create_index("ix_districts_municipality_number", "districts", ["municipality_number"])


def downgrade() -> None:
    op.drop_index("ix_districts_municipality_number", table_name="districts")
    op.drop_table("districts")
