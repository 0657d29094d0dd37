"""Failed deliveries: envelopes record when a delivery ran out of tries, and the operators'
alerts (failed envelopes, services without a key) get an outbox table of their own.

Nullable, no default: no existing envelope has failed (nothing set the state before).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("envelopes") as batch:
        batch.add_column(sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "operator_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        # Named as PostgreSQL names them unasked, like 0001 does.
        sa.ForeignKeyConstraint(["service_id"], ["services.id"],
                                name="operator_alerts_service_id_fkey"),
        sa.PrimaryKeyConstraint("id", name="operator_alerts_pkey"),
        sa.UniqueConstraint("kind", "subject", name="uq_operator_alert"),
    )


def downgrade() -> None:
    op.drop_table("operator_alerts")
    with op.batch_alter_table("envelopes") as batch:
        batch.drop_column("failed_at")
