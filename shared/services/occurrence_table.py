"""A full occurrence rebuild goes into a new table, which replaces the old one once it is indexed.

Written into the live table, every transaction of a rebuild touched index pages all over one of
its indexes: in start order the (event, start) key takes rows everywhere, in event order the
(start, …) ones do. At 100,000 events (1.77 million rows) that page traffic, not the expansion,
was most of a rebuild's 70–110 s. A new table filled in event order grows its primary and
(event, start) keys at their ends; its other indexes are then built in one sorted pass each.
Readers keep the old table until the swap.

SQLite cannot rename an index and its index names are global, so the new table's indexes are
built after the swap under their own names, one transaction each (readers keep their snapshot;
writers wait for one index build). PostgreSQL builds every constraint and index on the new table
beforehand and renames them in the swap's short transaction.
"""

from __future__ import annotations

import re
from typing import Any, cast

from sqlalchemy import Index, Table, UniqueConstraint, text
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateIndex

from shared.models import Occurrence

TABLE = "occurrences"
NEW = "occurrences_rebuild"
_SUFFIX = "_rebuild"
# Day lists first (the start index), then the small multi-day one, then district lists.
_INDEX_ORDER = ("ix_occurrences_start_end", "ix_occurrences_multi_day", "ix_occurrences_district_start_end")


def _table() -> Table:
    return cast(Table, Occurrence.__table__)


def _unique_name() -> str:
    """The name of the (event, start) constraint."""
    return next(str(constraint.name) for constraint in _table().constraints if isinstance(constraint, UniqueConstraint))


def _indexes() -> list[Index]:
    return sorted(_table().indexes, key=lambda index: _INDEX_ORDER.index(str(index.name)))


def create_new_table(session: Session, embedded: bool) -> None:
    """An empty table :data:`NEW` with the columns of ``occurrences`` (a leftover is dropped)."""
    session.execute(text(f"DROP TABLE IF EXISTS {NEW}"))
    if embedded:
        # The same definition: primary key, foreign keys and the (event, start) constraint, whose
        # index grows at its end when rows come in event order.
        definition = session.scalar(text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
                                    {"name": TABLE})
        session.execute(text(re.sub(r'^CREATE TABLE\s+"?occurrences"?', f"CREATE TABLE {NEW}", str(definition))))
    else:
        # Columns, NOT NULL and defaults (the id's sequence); keys and indexes come after the rows.
        session.execute(text(f"CREATE TABLE {NEW} (LIKE {TABLE} INCLUDING DEFAULTS)"))
    session.commit()


def index_new_table(session: Session) -> None:
    """PostgreSQL: keys, foreign keys and indexes of the filled :data:`NEW`, under provisional names."""
    table = _table()
    session.execute(text(f"ALTER TABLE {NEW} ADD CONSTRAINT {table.primary_key.name}{_SUFFIX} PRIMARY KEY (id)"))
    session.execute(text(f"ALTER TABLE {NEW} ADD CONSTRAINT {_unique_name()}{_SUFFIX} UNIQUE (event_id, start)"))
    session.commit()
    for index in _indexes():
        session.execute(text(_provisional(session, index)))
        session.commit()
    # Rows of an event deleted while the table was filled go; the lock holds such deletions off
    # until the foreign keys are in place.
    session.execute(text("LOCK TABLE events, districts IN SHARE ROW EXCLUSIVE MODE"))
    session.execute(text(f"DELETE FROM {NEW} o "  # noqa: S608 - a constant table name
                         "WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = o.event_id)"))
    for key in table.foreign_key_constraints:
        columns = ", ".join(column.name for column in key.columns)
        referred = ", ".join(element.column.name for element in key.elements)
        on_delete = f" ON DELETE {key.ondelete}" if key.ondelete else ""
        session.execute(text(f"ALTER TABLE {NEW} ADD CONSTRAINT {key.name}{_SUFFIX} FOREIGN KEY ({columns}) "
                             f"REFERENCES {key.referred_table.name} ({referred}){on_delete}"))
    session.commit()


def _provisional(session: Session, index: Index) -> str:
    """``CREATE INDEX`` of *index* on :data:`NEW` under its provisional name."""
    ddl = _create(session, index)
    head = f"INDEX {index.name} ON {TABLE} "
    if head not in ddl:
        raise RuntimeError(f"unexpected index statement: {ddl}")
    return ddl.replace(head, f"INDEX {index.name}{_SUFFIX} ON {NEW} ", 1)


def swap(session: Session, embedded: bool) -> None:
    """Put :data:`NEW` in the place of ``occurrences``, with the names the schema gives."""
    if embedded:
        _swap_embedded(session)
        return
    table = _table()
    session.execute(text("SET LOCAL lock_timeout = '10s'"))
    session.execute(text(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE"))
    sequence = session.scalar(text(f"SELECT pg_get_serial_sequence('{TABLE}', 'id')"))
    if sequence:
        session.execute(text(f"ALTER SEQUENCE {sequence} OWNED BY {NEW}.id"))
    session.execute(text(f"DROP TABLE {TABLE}"))
    session.execute(text(f"ALTER TABLE {NEW} RENAME TO {TABLE}"))
    names = [table.primary_key.name, _unique_name(),
             *(key.name for key in table.foreign_key_constraints)]
    for name in names:
        session.execute(text(f"ALTER TABLE {TABLE} RENAME CONSTRAINT {name}{_SUFFIX} TO {name}"))
    for index in _indexes():
        session.execute(text(f"ALTER INDEX {index.name}{_SUFFIX} RENAME TO {index.name}"))
    session.commit()


# SQLite while it swaps: the old table's pages are freed without being overwritten first (Debian
# builds SQLite with secure_delete on; these rows are public dates, and zeroing 1.77 million of them
# held the write lock for 2.7 s). In-memory, two-thread sorting made the index builds slower here.
_SWAP_PRAGMAS = {"secure_delete": "0"}


def _swap_embedded(session: Session) -> None:
    """SQLite: drop, rename and the day lists' index in one transaction, the other indexes after.

    The statements go to the driver with an explicit ``BEGIN IMMEDIATE``: the sqlite3 module opens
    no transaction for DDL, and readers must never find the table missing.
    """
    driver: Any = session.connection().connection.driver_connection
    previous = {name: driver.execute(f"PRAGMA {name}").fetchone()[0] for name in _SWAP_PRAGMAS}
    try:
        for name, value in _SWAP_PRAGMAS.items():
            driver.execute(f"PRAGMA {name}={value}")
        first, *others = _indexes()
        driver.execute("BEGIN IMMEDIATE")
        driver.execute(f"DROP TABLE {TABLE}")
        driver.execute(f"ALTER TABLE {NEW} RENAME TO {TABLE}")
        driver.execute(_create(session, first))
        driver.execute("COMMIT")
        for index in others:
            driver.execute(_create(session, index))  # each its own transaction
    finally:
        if driver.in_transaction:
            driver.execute("ROLLBACK")
        for name, value in previous.items():
            driver.execute(f"PRAGMA {name}={value}")
    session.commit()


def _create(session: Session, index: Index) -> str:
    return str(CreateIndex(index).compile(dialect=session.get_bind().dialect))
