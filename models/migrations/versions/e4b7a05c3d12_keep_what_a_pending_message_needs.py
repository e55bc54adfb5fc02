"""keep what a pending raw message needs to be processed after a restart

Revision ID: e4b7a05c3d12
Revises: 4e1c7a9d2b30
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e4b7a05c3d12"
down_revision: str | None = "4e1c7a9d2b30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("raw_message") as batch_op:
        batch_op.add_column(sa.Column("chat_title", sa.String(length=200), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("is_private", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("mentions_bot", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("recovery_attempts", sa.Integer(), nullable=False, server_default="0"))
    # Older rows kept no chat type. A chat the bot already knows as private
    # says it, and the WeCom app and the Official Account only have private
    # chats. NOTE: other rows of chats never processed stay group messages.
    op.execute(
        "UPDATE raw_message SET is_private = TRUE "
        "WHERE platform IN ('wecom', 'wechat_mp') OR EXISTS ("
        "SELECT 1 FROM chat_group WHERE chat_group.platform = raw_message.platform "
        "AND chat_group.chat_id = raw_message.chat_id AND chat_group.kind = 'private')"
    )


def downgrade() -> None:
    with op.batch_alter_table("raw_message") as batch_op:
        batch_op.drop_column("recovery_attempts")
        batch_op.drop_column("mentions_bot")
        batch_op.drop_column("is_private")
        batch_op.drop_column("chat_title")
