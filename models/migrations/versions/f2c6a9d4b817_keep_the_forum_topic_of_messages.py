"""keep the forum topic of messages, cases and deliveries

Revision ID: f2c6a9d4b817
Revises: d5a2f7c1e9b4
Create Date: 2026-12-05 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f2c6a9d4b817"
down_revision: str | None = "d5a2f7c1e9b4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("raw_message", "case", "delivery")


def upgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name) as batch_op:
            batch_op.add_column(sa.Column("thread_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    # Other tables' foreign keys point at raw_message and case, so SQLite
    # drops the column in place rather than copying the table.
    for name in reversed(TABLES):
        with op.batch_alter_table(name, recreate="never") as batch_op:
            batch_op.drop_column("thread_id")
