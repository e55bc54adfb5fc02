"""bound the wait of a failure notice for the other replies of its message

Revision ID: b6e2d8f4a0c3
Revises: b5d1e8c4a9f2
Create Date: 2026-12-05 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "b6e2d8f4a0c3"
down_revision: str | None = "b5d1e8c4a9f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Failed rows written before this revision get no notice_due_at, so they
    # count as reported and no notice about them is sent again.
    with op.batch_alter_table("delivery") as batch_op:
        batch_op.add_column(sa.Column("notice_due_at", models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_delivery_notice_due_at", ["notice_due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("delivery") as batch_op:
        batch_op.drop_index("ix_delivery_notice_due_at")
        batch_op.drop_column("notice_due_at")
