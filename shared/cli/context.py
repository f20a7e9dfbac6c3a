"""What the ``treffpunkt`` command group hands its subcommands (implemented by ``shared.cli.main.Context``).

A protocol, so that command modules of other packages need not import ``shared.cli.main``, which
imports them.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

from sqlalchemy.orm import Session

from shared.config import Config
from shared.db import Database


class CliContext(Protocol):
    """Configuration, database and a committing session for one command."""

    @property
    def config(self) -> Config: ...

    @property
    def db(self) -> Database: ...

    def session(self) -> AbstractContextManager[Session]: ...
