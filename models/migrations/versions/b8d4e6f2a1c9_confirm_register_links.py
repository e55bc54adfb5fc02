"""record whether a register entry's link to a member was checked

Revision ID: b8d4e6f2a1c9
Revises: b1800da615a7
Create Date: 2026-12-05 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b8d4e6f2a1c9"
down_revision: str | None = "b1800da615a7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("occupant") as batch_op:
        batch_op.add_column(sa.Column("link_confirmed", sa.Boolean(), nullable=False, server_default=sa.false()))
    # 关联住户 used to link without comparing names, so an older link counts
    # as checked only where the member's chat name is the entry's name. The
    # others stay unchecked until an officer links the entry again.
    op.execute(
        "UPDATE occupant SET link_confirmed = TRUE "
        "WHERE member_id IS NOT NULL AND EXISTS ("
        "SELECT 1 FROM member WHERE member.id = occupant.member_id AND member.display_name = occupant.name)"
    )


def downgrade() -> None:
    with op.batch_alter_table("occupant") as batch_op:
        batch_op.drop_column("link_confirmed")
