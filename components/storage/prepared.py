"""Statements built once, whose calls bind only their values.

Building a SQLAlchemy statement and taking its cache key was two fifths of the
event loop's time in a signup (bench/README.md), though every call of a
method builds the same statement with other values. A `@statement` builds it
once, with a named bind parameter for each argument of its builder, and is
compiled once per database kind (storage/compiled.py); calling it gives a
`Bound` that `db.fetch_one` and the rest accept like any statement. An
`@upsert(table)` builder gets that database's INSERT, which knows ON CONFLICT.
"""

import inspect
import typing
from collections.abc import Callable
from types import ModuleType

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import Compiled

P = sa.BindParameter[typing.Any]  # what a builder's arguments are


class Prepared:
    def __init__(self, build: Callable[..., ClauseElement], table: sa.Table | None = None):
        self._build = build
        self._table = table  # an upsert's
        names = list(inspect.signature(build).parameters)
        self._names = names[1:] if table is not None else names
        self._built: dict[str, ClauseElement] = {}
        self._compiled: dict[str, Compiled] = {}

    def __call__(self, **values: typing.Any) -> "Bound":
        return Bound(self, values)

    def built(self, dialect_name: str) -> ClauseElement:
        if dialect_name not in self._built:
            binds: dict[str, P] = {name: sa.bindparam(name) for name in self._names}
            if self._table is None:
                self._built[dialect_name] = self._build(**binds)
            else:
                self._built[dialect_name] = self._build(insert_for(dialect_name)(self._table), **binds)
        return self._built[dialect_name]

    def compiled(self, dialect: Dialect) -> Compiled:
        if dialect.name not in self._compiled:
            self._compiled[dialect.name] = self.built(dialect.name).compile(dialect=dialect)
        return self._compiled[dialect.name]


class Bound(ClauseElement):
    """A prepared statement and one call's values (a ClauseElement only so that
    `databases` passes it on untouched)."""

    def __init__(self, prepared: Prepared, values: dict[str, typing.Any]):
        self.prepared = prepared
        self.values = values

    def writes(self) -> bool:
        return isinstance(self.prepared.built("sqlite"), sa.sql.dml.UpdateBase)

    def __str__(self) -> str:
        return str(self.prepared.built("sqlite"))


def statement(build: Callable[..., ClauseElement]) -> Prepared:
    return Prepared(build)


def upsert(table: sa.Table) -> Callable[[Callable[..., ClauseElement]], Prepared]:
    return lambda build: Prepared(build, table)


def insert_for(dialect_name: str) -> Callable[[sa.Table], typing.Any]:
    """The INSERT that knows ON CONFLICT, for that database."""
    return typing.cast(Callable[[sa.Table], typing.Any], dialect_module(dialect_name).insert)


def dialect_module(dialect_name: str) -> ModuleType:
    """SQLAlchemy's dialect for that database; PostgreSQL's is loaded only when it is the one in use (2.8 MB)."""
    if dialect_name == "sqlite":
        return sqlite
    from sqlalchemy.dialects import postgresql

    return postgresql
