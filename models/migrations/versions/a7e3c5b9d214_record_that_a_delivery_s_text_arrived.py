"""record that the text of a delivery with a picture arrived

Revision ID: a7e3c5b9d214
Revises: f2c6a9d4b817
Create Date: 2026-12-05 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7e3c5b9d214"
down_revision: str | None = "f2c6a9d4b817"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("delivery") as batch_op:
        batch_op.add_column(sa.Column("text_sent", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("delivery", recreate="never") as batch_op:
        batch_op.drop_column("text_sent")
