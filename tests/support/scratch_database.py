"""Throw-away databases for tests and benchmarks: a SQLite file, or a private PostgreSQL schema.

A private schema (dropped afterwards) lets several runs share one PostgreSQL database without
seeing each other's rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from shared import migrate
from shared.db import Database


def with_search_path(url: str, schema: str) -> str:
    """*url* with every connection's search path set to *schema* (libpq ``options``)."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


@contextmanager
def scratch_database_url(postgres_url: str | None, folder: Path, prefix: str = "scratch",
                         revision: str = "head") -> Iterator[str]:
    """Yield the URL of a new database migrated to *revision*; a PostgreSQL schema is dropped on exit.

    With *postgres_url* a schema named ``{prefix}_<random>`` is created there, else a SQLite file
    is made in *folder*.
    """
    if not postgres_url:
        url = f"sqlite:///{folder / f'{prefix}.sqlite3'}"
        _migrate(url, revision)
        yield url
        return
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = Database(postgres_url)
    try:
        with admin.engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            url = with_search_path(postgres_url, schema)
            _migrate(url, revision)
            yield url
        finally:
            with admin.engine.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


def _migrate(url: str, revision: str = "head") -> None:
    database = Database(url)
    try:
        migrate.upgrade(database.engine, revision)
    finally:
        database.dispose()
