"""Statements compiled once per shape, for SQLite and PostgreSQL alike.

`databases` compiles every statement on every call, and compiling was most of
the event loop's own time in a signup (bench/README.md). SQLAlchemy's cache
keys tell a statement's shape apart from its values, as its own engine uses
them: the compiled form is kept per shape, and each call's values come from
the statement it was given. DDL, and statements whose SQL depends on their
values (an IN list, rendered per length), are compiled every time. A statement
built once (storage/prepared.py) is compiled once and needs no cache key at all.
"""

import typing

from databases.backends.sqlite import CompilationContext, SQLiteConnection
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import Compiled
from sqlalchemy.sql.ddl import DDLElement

from components.storage.prepared import Bound

_compiled: dict[tuple[str, tuple[typing.Any, ...]], Compiled] = {}
# What each call of a prepared statement would build alike, by backend and SQL.
_kept: dict[tuple[str, str], typing.Any] = {}
T = typing.TypeVar("T")


def compiled(query: ClauseElement, dialect: Dialect) -> tuple[typing.Any, dict[str, typing.Any]]:
    """The compiled statement (SQLAlchemy's compiler, whose private parts the backends read)
    and this call's values for it."""
    if isinstance(query, Bound):  # built and compiled once: no cache key to take
        found = query.prepared.compiled(dialect)
        return found, dict(found.construct_params(params=query.values) or {})
    key = None if isinstance(query, DDLElement) else query._generate_cache_key()
    if key is None or any(bind.expanding for bind in key.bindparams):
        once = query.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        return once, dict(once.construct_params() or {})
    shape = (dialect.name, key.key)
    if shape not in _compiled:
        _compiled[shape] = query.compile(dialect=dialect, cache_key=key, compile_kwargs={"render_postcompile": True})
    found = _compiled[shape]
    return found, dict(found.construct_params(extracted_parameters=key.bindparams) or {})


def kept_for(backend: str, query: ClauseElement, sql: str, build: typing.Callable[[], T]) -> T:
    """How a prepared statement's rows map to their columns: the same for every call
    (SQLAlchemy keeps it with a cached statement too), so built at the first and kept;
    building it anew was a fifth of a statement's time on the event loop. Other
    statements build theirs each time, so this holds one entry per prepared statement."""
    if not isinstance(query, Bound):
        return build()
    key = (backend, sql)  # a statement without values reads the same on both databases
    if key not in _kept:
        _kept[key] = build()
    return typing.cast(T, _kept[key])


class CachedSQLiteConnection(SQLiteConnection):
    def _compile(
        self, query: ClauseElement
    ) -> typing.Any:  # databases' own is typed for a shorter tuple than it returns
        statement, params = compiled(query, self._dialect)
        context = self._dialect.execution_ctx_cls()
        context.dialect = self._dialect
        if isinstance(query, DDLElement):
            return statement.string, [], None, CompilationContext(context)
        processors = statement._bind_processors
        args = [processors[key](params[key]) if key in processors else params[key] for key in statement.positiontup]
        context.result_column_struct = (  # type: ignore[attr-defined]
            statement._result_columns,
            statement._ordered_columns,
            statement._textual_ordered_columns,
            statement._ad_hoc_textual,
            statement._loose_column_name_matching,
        )
        return statement.string, args, statement._result_columns, CompilationContext(context)
