"""Alembic environment: runs on the connection that models.db.migrate hands over."""

from __future__ import annotations

from alembic import context

import models

target_metadata = models.Base.metadata


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        msg = "migrations run through models.db.migrate, which passes a connection"
        raise RuntimeError(msg)
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
