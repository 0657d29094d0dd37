"""Feedback to reporters: what the status page shows of the law's feedback steps (dates and the
two outcomes, never text), whether the reporter has the duty to report, the reminder's mark, and
the services whose own case system gives the feedback.

The two booleans are added with a server default for the rows there are (earlier reports are
treated as private ones: nobody knows otherwise), which is then dropped, as the models have none.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("envelopes") as batch:
        batch.add_column(sa.Column("reporter_has_duty", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("investigation_opened", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("investigation_decided_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("investigation_outcome", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("investigation_ended_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("feedback_reminded_at", sa.DateTime(timezone=True),
                                   nullable=True))
    with op.batch_alter_table("envelopes") as batch:
        batch.alter_column("reporter_has_duty", server_default=None)
    with op.batch_alter_table("services") as batch:
        batch.add_column(sa.Column("handles_feedback", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table("services") as batch:
        batch.alter_column("handles_feedback", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("services") as batch:
        batch.drop_column("handles_feedback")
    with op.batch_alter_table("envelopes") as batch:
        for column in ("feedback_reminded_at", "investigation_ended_on", "investigation_outcome",
                       "investigation_decided_on", "investigation_opened", "reporter_has_duty"):
            batch.drop_column(column)
