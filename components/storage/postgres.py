"""The PostgreSQL backend for `databases`, with statements compiled once per shape
(storage/compiled.py). Loaded by name only when DATABASE_URL is PostgreSQL, so a
SQLite install needs no asyncpg."""

from typing import Any

from databases.backends.common.records import Record, create_column_maps
from databases.backends.postgres import PostgresBackend, PostgresConnection
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.ddl import DDLElement

from components.storage.compiled import compiled, kept_for


class CachedPostgresConnection(PostgresConnection):
    def _compile(self, query: ClauseElement) -> tuple[str, list[Any], Any]:
        statement, params = compiled(query, self._dialect)
        if isinstance(query, DDLElement):
            return statement.string, [], None
        names = sorted(statement.params)  # databases numbers the parameters in name order
        processors = statement._bind_processors
        sql = statement.string % {name: f"${number}" for number, name in enumerate(names, start=1)}
        args = [processors[name](params[name]) if name in processors else params[name] for name in names]
        return sql, args, statement._result_columns

    # databases' own, with the column maps of a prepared statement kept (storage/compiled.py).
    async def fetch_all(self, query: ClauseElement) -> list[Any]:
        sql, args, result_columns = self._compile(query)
        rows = await self._asyncpg.fetch(sql, *args)
        maps = _column_maps(query, sql, result_columns)
        return [Record(row, result_columns, self._dialect, maps) for row in rows]

    async def fetch_one(self, query: ClauseElement) -> Any:
        sql, args, result_columns = self._compile(query)
        row = await self._asyncpg.fetchrow(sql, *args)
        maps = _column_maps(query, sql, result_columns)
        return None if row is None else Record(row, result_columns, self._dialect, maps)

    async def changed(self, query: ClauseElement) -> int:
        """The rows the statement changed, from PostgreSQL's command tag ("DELETE 3")."""
        sql, args, _ = self._compile(query)
        return int((await self._asyncpg.execute(sql, *args)).rsplit(" ", 1)[1])

    @property
    def _asyncpg(self) -> Any:
        assert self._connection is not None, "Connection is not acquired"
        return self._connection


def _column_maps(query: ClauseElement, sql: str, result_columns: Any) -> Any:
    return kept_for("postgresql", query, sql, lambda: create_column_maps(result_columns))


class CachedPostgresBackend(PostgresBackend):
    def connection(self) -> CachedPostgresConnection:
        return CachedPostgresConnection(self, self._dialect)
