"""Receipt status: an envelope keeps a hash of the code its reporter got on the receipt, so
they can come back and see whether the service has confirmed receiving it.

Nullable, no default: envelopes sent before have no code, which is what NULL says.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("envelopes") as batch:
        batch.add_column(sa.Column("status_code_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("envelopes") as batch:
        batch.drop_column("status_code_hash")
