"""store compound codes half-width and upper case, as 绑定 reads them

Revision ID: f3c8a1d6b2e7
Revises: a7e3c5b9d214
Create Date: 2026-12-05 17:00:00
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f3c8a1d6b2e7"
down_revision: str | None = "a7e3c5b9d214"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

compound = sa.table("compound", sa.column("id", sa.Integer), sa.column("code", sa.String))


def upgrade() -> None:
    # compound-add used to store a code as typed, so a full-width code
    # (XQ０００９) matched no 绑定, whose words are folded to half-width.
    # A lower-case code was found, but a later upper-case one counted as new.
    connection = op.get_bind()
    rows = connection.execute(sa.select(compound.c.id, compound.c.code)).all()
    taken = {code.upper() for _id, code in rows}
    for row_id, code in rows:
        stored = unicodedata.normalize("NFKC", code).strip().upper()
        if stored == code:
            continue
        if stored != code.upper() and stored in taken:
            # Another compound has this code already; the operator keeps
            # both and renames one, so this row stays as it was.
            continue
        connection.execute(sa.update(compound).where(compound.c.id == row_id).values(code=stored))
        taken.add(stored)


def downgrade() -> None:
    # The codes as first typed are not kept, and the normalized ones work
    # with the older code as well.
    pass
