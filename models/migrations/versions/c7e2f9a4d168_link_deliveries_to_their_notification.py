"""link a delivery to the scheduled notification it is an attempt of

Revision ID: c7e2f9a4d168
Revises: b6e2d8f4a0c3
Create Date: 2026-12-05 20:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c7e2f9a4d168"
down_revision: str | None = "b6e2d8f4a0c3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("delivery") as batch_op:
        batch_op.add_column(sa.Column("notification_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_delivery_notification_id"), ["notification_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_delivery_notification_id_notification"), "notification", ["notification_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("delivery") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_delivery_notification_id_notification"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_delivery_notification_id"))
        batch_op.drop_column("notification_id")
