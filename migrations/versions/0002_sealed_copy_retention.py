"""Retention: envelopes record when their sealed copy was deleted (routing/retention.py).

Nullable, no default: every existing envelope still has its copy, which is what NULL says.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # batch_alter_table: SQLite cannot drop a column in place; the same code serves PostgreSQL.
    with op.batch_alter_table("envelopes") as batch:
        batch.add_column(sa.Column("sealed_deleted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("envelopes") as batch:
        batch.drop_column("sealed_deleted_at")
