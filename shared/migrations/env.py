"""Alembic environment: runs against the connection handed in by :mod:`shared.migrate`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from shared.migrate import include_name
from shared.models import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `treffpunkt db upgrade`")
_run(connection)
