"""retry deliveries from the outbox

Revision ID: 4e1c7a9d2b30
Revises: 1bcfb2e9c045
Create Date: 2026-12-06 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '4e1c7a9d2b30'
down_revision: str | None = '1bcfb2e9c045'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows written before this revision are sent or failed already; the
    # defaults describe them and give_up_at stays empty, so none is retried.
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audience', sa.String(length=16), server_default='group', nullable=False))
        batch_op.add_column(sa.Column('reply_to', sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column('image_path', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('personal', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('report_failure', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('give_up_at', models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        added = (
            'claimed_by', 'claimed_at', 'give_up_at', 'report_failure',
            'personal', 'image_path', 'reply_to', 'audience',
        )
        for column in added:
            batch_op.drop_column(column)
