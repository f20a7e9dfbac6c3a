"""The full-text machinery both searches share: folded text in a side table, indexed by the database.

A side table holds one folded ``body`` per record (see :func:`shared.folding.fold`). SQLite indexes
it with an external-content FTS5 table (``unicode61``, ``remove_diacritics 2``) kept by triggers,
PostgreSQL with a GIN index on ``to_tsvector('simple', body)``. Both are asked for word prefixes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Integer, Select, column, func, literal_column, select, table
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from shared.folding import fold

MAX_TERMS = 8
_WORD = re.compile(r"[^\W_]+")


def terms(query: str) -> list[str]:
    """The folded words of a search query (at most :data:`MAX_TERMS`)."""
    return _WORD.findall(fold(query))[:MAX_TERMS]


@dataclass(frozen=True)
class FullTextIndex:
    """A side table ``name`` (``key`` integer primary key, ``body`` text) and its full-text index."""

    name: str
    key: str

    @property
    def fts(self) -> str:
        """SQLite's FTS5 table (its shadow tables start with this name too)."""
        return f"{self.name}_fts"

    @property
    def gin_index(self) -> str:
        """PostgreSQL's GIN index on the body's tsvector."""
        return f"ix_{self.name}_body"

    def create_statements(self, dialect: str) -> tuple[str, ...]:
        """DDL creating the index of the (existing) side table on *dialect*."""
        if dialect != "sqlite":
            return (f"CREATE INDEX {self.gin_index} ON {self.name} USING gin (to_tsvector('simple', body))",)
        # Names come from code (the two indexes' constants), never from input.
        fts, key, name = self.fts, self.key, self.name
        remove = f"INSERT INTO {fts}({fts}, rowid, body) VALUES ('delete', old.{key}, old.body);"  # noqa: S608
        add = f"INSERT INTO {fts}(rowid, body) VALUES (new.{key}, new.body);"  # noqa: S608
        return (
            f"CREATE VIRTUAL TABLE {fts} USING fts5(body, content='{name}', content_rowid='{key}', "
            "tokenize=\"unicode61 remove_diacritics 2\")",
            f"CREATE TRIGGER {name}_ai AFTER INSERT ON {name} BEGIN {add} END",
            f"CREATE TRIGGER {name}_ad AFTER DELETE ON {name} BEGIN {remove} END",
            f"CREATE TRIGGER {name}_au AFTER UPDATE ON {name} BEGIN {remove} {add} END",
        )

    def drop_statements(self, dialect: str) -> tuple[str, ...]:
        """DDL dropping what :meth:`create_statements` made (the side table stays)."""
        if dialect != "sqlite":
            return (f"DROP INDEX IF EXISTS {self.gin_index}",)
        return (*(f"DROP TRIGGER IF EXISTS {self.name}_{suffix}" for suffix in ("ai", "ad", "au")),
                f"DROP TABLE IF EXISTS {self.fts}")

    def is_machinery(self, name: str | None, type_: str) -> bool:
        """Whether schema object *name* belongs to the index (the models cannot express it)."""
        if type_ == "table":
            return (name or "").startswith(self.fts)
        return type_ == "index" and name == self.gin_index

    def matching(self, session: Session, words: list[str], exact: Sequence[str] = (),
                 every_prefix: bool = True) -> Select[int]:
        """Keys whose body has every one of *words* (as prefixes; else only the last one) and *exact*.

        Unordered and unlimited: an ``IN`` needs neither; a caller listing keys orders and limits.
        """
        last = len(words) - 1
        prefixed = [every_prefix or number == last for number in range(len(words))]
        if session.get_bind().dialect.name == "sqlite":
            phrases = [f'"{word}"*' if prefix else f'"{word}"' for word, prefix in zip(words, prefixed, strict=True)]
            match = " ".join([*phrases, *(f'"{word}"' for word in exact)])
            fts = table(self.fts, column("rowid", Integer))
            return select(fts.c.rowid).where(literal_column(self.fts).op("MATCH")(match))
        lexemes = [f"{word}:*" if prefix else word for word, prefix in zip(words, prefixed, strict=True)]
        side = table(self.name, column(self.key, Integer), column("body"))
        key: ColumnElement[int] = side.c[self.key]
        return select(key).where(func.to_tsvector(literal_column("'simple'"), side.c.body).op("@@")(
            func.to_tsquery(literal_column("'simple'"), " & ".join([*lexemes, *exact]))))
