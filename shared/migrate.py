"""Schema migrations (Alembic) run programmatically, so no alembic.ini is needed at run time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from shared.models import Base

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def include_name(name: str | None, type_: str, _parent: object) -> bool:
    """Leave the machinery the models cannot express out of schema comparison.

    That is SQLite's FTS5 tables with their shadow tables, PostgreSQL's GIN indexes on a tsvector,
    and the table a full occurrence rebuild fills (left behind only if it was interrupted).
    """
    from shared.services import event_search, occurrence_table, search
    if type_ == "table" and name == occurrence_table.NEW:
        return False
    return not any(index.is_machinery(name, type_) for index in (search.INDEX, event_search.INDEX))


def _alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to *revision*."""
    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database schema back to *revision* (for tests of a migration's way back)."""
    _run(engine, command.downgrade, revision)


def _run(engine: Engine, step: Callable[[AlembicConfig, str], None], revision: str) -> None:
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        step(config, revision)


def revision(engine: Engine, message: str) -> None:
    """Autogenerate a new migration from the models (a developer command)."""
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)


def pending_changes(engine: Engine) -> list[object]:
    """Differences between the migrated schema and the models; empty when in step."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": include_name})
        return list(compare_metadata(context, Base.metadata))
