"""Statements built once, whose calls bind only their values.

Building a SQLAlchemy statement and taking its cache key was two fifths of the
event loop's time in a signup (bench/README.md), though every call of a
method builds the same statement with other values. A statement's builder is
a plain function whose arguments stand for its values: `bound(builder, **values)`
builds and compiles it at its first use on each database, with a named bind
parameter for each argument (storage/compiled.py binds them), and gives what
`db.fetch_one` and the rest accept like any statement. A builder whose first
argument is `dialect` gets the database's kind instead (an upsert's INSERT,
PostgreSQL's row locks). A builder's `rows` argument takes a list of rows
alike (dicts of values) and gets as many rows of bind parameters: a statement
of many rows, prepared once for each number of them. Builders stay plain
functions, not decorated, so that mutation testing reaches the conditions
inside them.
"""

import inspect
import typing
import weakref
from collections.abc import Callable
from types import ModuleType

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import Compiled

P = sa.BindParameter[typing.Any]  # what a builder's arguments are
Statement = ClauseElement  # what a builder gives
Builder = Callable[..., Statement]
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER", "PRAGMA")


def writes(statement: typing.Any) -> bool:
    """Whether a statement (built, written out as text, or a string) may change the database."""
    if isinstance(statement, sa.sql.dml.UpdateBase | sa.schema.ExecutableDDLElement):
        return True
    text = statement.text if isinstance(statement, sa.TextClause) else statement
    return isinstance(text, str) and text.lstrip().upper().startswith(WRITES)


class Prepared:
    """A builder's statement, compiled once per database connected (not once per process:
    each test's app builds it again, so mutation testing sees every test that needs it)."""

    def __init__(self, build: Builder, count: int = 0, row_names: tuple[str, ...] = ()):
        self._build = build
        names = frozenset(inspect.signature(build).parameters)
        self._takes_dialect = "dialect" in names
        self._rows = [{name: _row_bind(row, name) for name in row_names} for row in range(count)]
        self.value_names = names - {"dialect"}
        self._compiled: weakref.WeakKeyDictionary[Dialect, Compiled] = weakref.WeakKeyDictionary()

    def built(self, dialect_name: str) -> ClauseElement:
        binds: dict[str, typing.Any] = {name: sa.bindparam(name) for name in self.value_names - {"rows"}}
        if self._takes_dialect:
            binds["dialect"] = dialect_name
        if "rows" in self.value_names:
            binds["rows"] = [{name: sa.bindparam(value) for name, value in row.items()} for row in self._rows]
        return self._build(**binds)

    def compiled(self, dialect: Dialect) -> Compiled:
        found = self._compiled.get(dialect)
        if found is None:
            found = self._compiled[dialect] = self.built(dialect.name).compile(dialect=dialect)
        return found


def _row_bind(row: int, name: str) -> str:
    return f"row{row}_{name}"


_prepared: dict[tuple[Builder, int, tuple[str, ...]], Prepared] = {}


class Bound(ClauseElement):
    """A prepared statement and one call's values (a ClauseElement only so that
    `databases` passes it on untouched)."""

    def __init__(self, prepared: Prepared, values: dict[str, typing.Any]):
        self.prepared = prepared
        self.values = values

    def writes(self, dialect: Dialect) -> bool:
        # Text too: an upsert written out once for both databases is a write.
        return writes(self.prepared.compiled(dialect).statement)

    def __str__(self) -> str:
        return str(self.prepared.built("sqlite"))


def bound(build: Builder, **values: typing.Any) -> Bound:
    """`build`'s statement with these values (each argument but `dialect` needs one)."""
    rows: list[dict[str, typing.Any]] = values.get("rows", [])
    row_names = tuple(rows[0]) if rows else ()
    if any(tuple(row) != row_names for row in rows):
        raise TypeError(f"{build.__name__} takes rows alike, not rows of {sorted({tuple(row) for row in rows})}")
    shape = (build, len(rows), row_names)
    prepared = _prepared.get(shape)
    if prepared is None:
        prepared = _prepared[shape] = Prepared(build, len(rows), row_names)
    if values.keys() != prepared.value_names:  # a stray name could fill a bind SQLAlchemy made for a literal
        raise TypeError(f"{build.__name__} takes {sorted(prepared.value_names)}, not {sorted(values)}")
    if rows:
        values = {name: value for name, value in values.items() if name != "rows"}
        values.update((_row_bind(n, name), value) for n, row in enumerate(rows) for name, value in row.items())
    return Bound(prepared, values)


def insert_for(dialect_name: str) -> Callable[[sa.Table], typing.Any]:
    """The INSERT that knows ON CONFLICT, for that database."""
    return typing.cast(Callable[[sa.Table], typing.Any], dialect_module(dialect_name).insert)


def dialect_module(dialect_name: str) -> ModuleType:
    """SQLAlchemy's dialect for that database; PostgreSQL's is loaded only when it is the one in use (2.8 MB)."""
    if dialect_name == "sqlite":
        return sqlite
    from sqlalchemy.dialects import postgresql

    return postgresql


def batch_deleted(table: sa.Table, most: P, *where: sa.ColumnElement[bool]) -> Statement:
    """A DELETE of at most `most` rows matching `where`, to be counted by
    `storage.database.deleted`: a purge holds the writer a bounded time (housekeeping repeats
    it). Rows are picked by key and `where` is checked again as they go, so a row changed
    meanwhile stays."""
    keys = list(table.primary_key.columns)
    picked = sa.select(*keys).where(*where).limit(most)
    match = keys[0].in_(picked.scalar_subquery()) if len(keys) == 1 else sa.tuple_(*keys).in_(picked)
    return table.delete().where(match, *where)
