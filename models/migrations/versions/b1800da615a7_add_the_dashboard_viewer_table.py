"""add the dashboard viewer table

Revision ID: b1800da615a7
Revises: e4b7a05c3d12
Create Date: 2026-12-05 10:06:26.890029
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = 'b1800da615a7'
down_revision: str | None = 'e4b7a05c3d12'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'dashboard_viewer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('street_id', sa.Integer(), nullable=True),
        sa.Column('community_id', sa.Integer(), nullable=True),
        sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_used_at', models.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint('street_id IS NULL OR community_id IS NULL', name=op.f('ck_dashboard_viewer_one_area')),
        sa.ForeignKeyConstraint(
            ['community_id'], ['community.id'], name=op.f('fk_dashboard_viewer_community_id_community')
        ),
        sa.ForeignKeyConstraint(['street_id'], ['street.id'], name=op.f('fk_dashboard_viewer_street_id_street')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dashboard_viewer')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_dashboard_viewer_token_hash')),
    )


def downgrade() -> None:
    op.drop_table('dashboard_viewer')
