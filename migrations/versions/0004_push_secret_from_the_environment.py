"""Push secrets from the environment: a service records the name of the environment variable
that holds its push secret (the services file's push_secret_env), never the secret itself.

Nullable, no default: existing services keep pushing with the secret they have, if any.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("services") as batch:
        batch.add_column(sa.Column("push_secret_env", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("services") as batch:
        batch.drop_column("push_secret_env")
