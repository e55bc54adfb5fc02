"""record how many parts of a split delivery text arrived

Revision ID: b5d1e8c4a9f2
Revises: f3c8a1d6b2e7
Create Date: 2026-12-05 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b5d1e8c4a9f2"
down_revision: str | None = "f3c8a1d6b2e7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("delivery") as batch_op:
        batch_op.add_column(sa.Column("parts_sent", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("delivery", recreate="never") as batch_op:
        batch_op.drop_column("parts_sent")
