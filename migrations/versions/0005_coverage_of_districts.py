"""Districts: a coverage row may name one district (bydel) of its municipality, served by a
service of its own; a row without one is the municipality's default.

Nullable, no default: every existing row covers its whole municipality, which is what NULL says.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("coverage") as batch:
        batch.add_column(sa.Column("district", sa.String(length=6), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("coverage") as batch:
        batch.drop_column("district")
