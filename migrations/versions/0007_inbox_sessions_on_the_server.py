"""Inbox sessions on the server, initial passwords, and a sign-in back-off per client.

- `inbox_sessions`: a browser's sign-in, so that signing out, an administrator, or a change of
  password, authenticator or access can end it (before, the signed cookie alone was the session
  and a copy outlived signing out). Only a hash of the browser's token and two times are stored.
- `intake_users.password_is_initial`: a password somebody else chose works for one sign-in.
  Users who exist already keep the password they have (false for every existing row).
- `sign_in_throttle` is keyed by the typed name together with the client, so a stranger's
  failures lock out the stranger, not the user. Its rows are a few minutes' worth of counts and
  say nothing once the key changes meaning, so the table is made anew.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "inbox_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("enrolment_secret", sa.LargeBinary(), nullable=True),
        # Named as PostgreSQL names them unasked, like 0001 does.
        sa.ForeignKeyConstraint(["user_id"], ["intake_users.id"],
                                name="inbox_sessions_user_id_fkey"),
        sa.PrimaryKeyConstraint("id", name="inbox_sessions_pkey"),
        sa.UniqueConstraint("token_hash", name="inbox_sessions_token_hash_key"),
    )
    op.create_index("ix_inbox_sessions_user_id", "inbox_sessions", ["user_id"])

    # Existing users chose nothing new, but the column says what the model's default says for
    # new rows only: added with a server default for the rows there are, which is then dropped.
    with op.batch_alter_table("intake_users") as batch:
        batch.add_column(sa.Column("password_is_initial", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table("intake_users") as batch:
        batch.alter_column("password_is_initial", server_default=None)

    op.drop_table("sign_in_throttle")
    op.create_table(
        "sign_in_throttle",
        sa.Column("attempt_digest", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("attempt_digest", name="sign_in_throttle_pkey"),
    )


def downgrade() -> None:
    op.drop_table("sign_in_throttle")
    op.create_table(
        "sign_in_throttle",
        sa.Column("username_digest", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("username_digest", name="sign_in_throttle_pkey"),
    )
    with op.batch_alter_table("intake_users") as batch:
        batch.drop_column("password_is_initial")
    op.drop_index("ix_inbox_sessions_user_id", table_name="inbox_sessions")
    op.drop_table("inbox_sessions")
