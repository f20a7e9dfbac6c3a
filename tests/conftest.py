"""Shared fixtures: a real database (SQLite, or PostgreSQL in its own schema), app and client.

``TREFFPUNKT_TEST_BACKEND=postgres`` (set by ``make test`` for its second run) runs every test
against ``TREFFPUNKT_TEST_POSTGRES_URL``; each test run gets a private schema so concurrent runs
never see each other's rows.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from shared.app import create_app
from shared.config import Config, load_config
from shared.db import Database
from shared.models import Base
from shared.seed.demo import seed_reference_data
from tests.support.scratch_database import scratch_database_url

BACKEND = os.environ.get("TREFFPUNKT_TEST_BACKEND", "sqlite")
POSTGRES_URL = os.environ.get("TREFFPUNKT_TEST_POSTGRES_URL", "")
# Servers and CLIs the tests start inherit this: keys only unless a test asks for Whisper.
os.environ.setdefault("TREFFPUNKT_WHISPER", "off")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the PostgreSQL run keep only tests that touch the database; browser and speech
    end-to-end tests run once, on the SQLite run; ``once_on_postgres`` tests run once, on the
    PostgreSQL run when there is one (``make test`` with TREFFPUNKT_TEST_POSTGRES_URL), else on SQLite."""
    if BACKEND != "postgres":
        if POSTGRES_URL:
            later = [item for item in items if item.get_closest_marker("once_on_postgres")]
            if later:
                config.hook.pytest_deselected(items=later)
                items[:] = [item for item in items if not item.get_closest_marker("once_on_postgres")]
        return
    kept: list[pytest.Item] = []
    deselected: list[pytest.Item] = []
    for item in items:
        uses_database = "database_url" in getattr(item, "fixturenames", ()) or item.get_closest_marker("postgres")
        once_only = item.get_closest_marker("browser") or item.get_closest_marker("speech_e2e")
        (kept if uses_database and not once_only else deselected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database for this test run."""
    if BACKEND == "postgres" and not POSTGRES_URL:
        pytest.exit("TREFFPUNKT_TEST_BACKEND=postgres needs TREFFPUNKT_TEST_POSTGRES_URL", 2)
    postgres_url = POSTGRES_URL if BACKEND == "postgres" else None
    with scratch_database_url(postgres_url, tmp_path_factory.mktemp("db"), "test") as url:
        yield url


@pytest.fixture(scope="session")
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    yield db
    db.dispose()


def _empty_all_tables(db: Database) -> None:
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def db(database: Database) -> Iterator[Database]:
    """The test database, emptied and loaded with reference data (districts, venues, topics)."""
    _empty_all_tables(database)
    with database.session() as session:
        seed_reference_data(session)
    yield database


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    """A session on the fresh test database; committed work is visible to the app."""
    with db.session() as session:
        yield session


@pytest.fixture
def config(tmp_path: Path, database_url: str) -> Config:
    """Settings for one test: its own data directory, the test database, a dummy printer."""
    return load_config(environ={
        "TREFFPUNKT_DATA_DIR": str(tmp_path / "data"),
        "TREFFPUNKT_DATABASE_URL": database_url,
        "TREFFPUNKT_SECRET_KEY": "test-secret-key-0123456789",
        "TREFFPUNKT_PRINTER": "dummy:",
        "TREFFPUNKT_TWILIO_AUTH_TOKEN": "test-twilio-auth-token",
        "TREFFPUNKT_KIOSK_TOKEN": "test-kiosk-token",
        "TREFFPUNKT_WHISPER": "off",  # Whisper only where a test asks for it (tests/ivr/test_whisper.py)
        "TREFFPUNKT_SECURE_COOKIES": "false",  # the test servers speak plain http, like the local demo
    })


@pytest.fixture
def app(config: Config, db: Database) -> Iterator[Flask]:
    application = create_app(config, db)
    application.testing = True
    yield application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
