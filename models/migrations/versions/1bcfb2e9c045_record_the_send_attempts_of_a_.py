"""record the send attempts of a notification

Revision ID: 1bcfb2e9c045
Revises: 32660bf5a70b
Create Date: 2026-12-05 07:27:48.493790
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '1bcfb2e9c045'
down_revision: str | None = '32660bf5a70b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows stored before this revision keep 0 attempts; they are already sent or pending.
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('last_error', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('last_error')
        batch_op.drop_column('attempts')
