"""record each ended handling round of a case

Revision ID: c4f1a8e3d7b2
Revises: b8d4e6f2a1c9
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "c4f1a8e3d7b2"
down_revision: str | None = "b8d4e6f2a1c9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Event kinds by which a party responds; the earliest one is a round's response.
RESPONSE_KINDS = "('acknowledged', 'resolved', 'cannot_resolve', 'not_our_duty')"
# Event kinds after which the current round runs.
ROUND_STARTS = "('reopened', 'handed_on', 'assigned')"


def upgrade() -> None:
    with op.batch_alter_table("case") as batch_op:
        batch_op.add_column(sa.Column("round_number", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("round_started_at", models.base.UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        "case_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("compound_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=True),
        sa.Column("route", sa.String(length=16), nullable=False),
        sa.Column("started_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("response_due_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolve_due_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("responded_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_kind", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_case_round_case_id_case")),
        sa.ForeignKeyConstraint(["compound_id"], ["compound.id"], name=op.f("fk_case_round_compound_id_compound")),
        sa.ForeignKeyConstraint(["party_id"], ["party.id"], name=op.f("fk_case_round_party_id_party")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_round")),
        sa.UniqueConstraint("case_id", "number", name=op.f("uq_case_round_case_id_number")),
    )
    op.create_index("ix_case_round_compound_ended", "case_round", ["compound_id", "ended_at"], unique=False)

    # Older cases recorded only their current state, so each gets one round:
    # its current one, started at the latest reopen or hand-over. An ended
    # case's round is written from the case row, with the limit the response
    # rate used so far (the first one) and the earliest response, so the
    # figures of past periods stay as they were shown before.
    op.execute(
        'UPDATE "case" SET round_started_at = COALESCE('
        f'(SELECT MAX(e.at) FROM case_event e WHERE e.case_id = "case".id AND e.kind IN {ROUND_STARTS}), '
        "opened_at)"
    )
    op.execute(
        "INSERT INTO case_round (case_id, compound_id, number, party_id, route, started_at, "
        "response_due_at, resolve_due_at, responded_at, ended_at, end_kind, outcome) "
        "SELECT c.id, c.compound_id, 1, c.party_id, c.route, c.round_started_at, "
        "COALESCE(c.first_response_due_at, c.response_due_at), c.resolve_due_at, "
        f"(SELECT MIN(e.at) FROM case_event e WHERE e.case_id = c.id AND e.kind IN {RESPONSE_KINDS}), "
        "c.closed_at, c.outcome, c.outcome "
        'FROM "case" c WHERE c.outcome IS NOT NULL AND c.closed_at IS NOT NULL'
    )


def downgrade() -> None:
    op.drop_index("ix_case_round_compound_ended", table_name="case_round")
    op.drop_table("case_round")
    # Dropped in place, as SQLite allows since 3.35: copying "case" fails
    # while other tables' foreign keys point at its rows.
    with op.batch_alter_table("case", recreate="never") as batch_op:
        batch_op.drop_column("round_started_at")
        batch_op.drop_column("round_number")
