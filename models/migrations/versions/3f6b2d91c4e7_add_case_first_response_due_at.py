"""add the first response limit of a case

Revision ID: 3f6b2d91c4e7
Revises: 092650c34af4
Create Date: 2026-12-05 05:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '3f6b2d91c4e7'
down_revision: str | None = '092650c34af4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('case') as batch_op:
        batch_op.add_column(
            sa.Column('first_response_due_at', models.base.UTCDateTime(timezone=True), nullable=True)
        )
    # The current limit is the best record older cases have; it differs from
    # the first one only for cases already reopened or handed on.
    op.execute('UPDATE "case" SET first_response_due_at = response_due_at')


def downgrade() -> None:
    with op.batch_alter_table('case') as batch_op:
        batch_op.drop_column('first_response_due_at')
