"""keep the text a message quotes, for platforms whose quote carries no message id

Revision ID: d5a2f7c1e9b4
Revises: c4f1a8e3d7b2
Create Date: 2026-12-05 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d5a2f7c1e9b4"
down_revision: str | None = "c4f1a8e3d7b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("raw_message") as batch_op:
        batch_op.add_column(sa.Column("quoted_text", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    # SQLite drops a plain column in place since 3.35. Copying the table, as
    # batch mode does by default, fails while other tables' foreign keys
    # point at its rows.
    with op.batch_alter_table("raw_message", recreate="never") as batch_op:
        batch_op.drop_column("quoted_text")
